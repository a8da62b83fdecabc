"""Owner watchdog: a tiny process per lab that tears the lab down when its owner dies without
running its own teardown (SIGKILL, OOM kill, a crashed xdist worker).

The owner starts it right after reserving the lab, in a session of its own so a signal to the
owner's process group (``timeout``, a CI cancel, ``docker stop``) does not reach it. It blocks on a
pidfd of the owner and imports nothing beyond the standard library until it has work to do
(about 10 MB resident instead of 30). A normal teardown kills it first (``stop_watchdog``).

It never touches a lab that is not the one it was started for: before tearing down it re-reads
``lab.json`` and acts only when the name still belongs to the same owner (pid, start time and
creation time). Kept labs (``--netopsbench-keep-lab``, ``runtime up``) get no watchdog at all.

Run as a file (``python _watchdog.py LAB_DIR OWNER_PID``), not with ``-m``: importing the
package's ``__init__`` would triple its memory.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from pathlib import Path


def _start_ticks(pid: int) -> int | None:
    # the owner's start time in clock ticks (None when gone or a zombie): tells a reused pid apart
    try:
        after_comm = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if after_comm[0] == "Z" else int(after_comm[19])


def _wait_for_death(pid: int, start: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        # no pidfd (old kernel) or already gone: fall back to polling /proc
        while _start_ticks(pid) == start:
            time.sleep(0.5)
        return
    try:
        if _start_ticks(pid) != start:
            return  # the pid was reused before we opened it: the owner is gone
        select.select([fd], [], [])
    finally:
        os.close(fd)


def _same_lab(info_path: Path, expected: dict[str, object]) -> bool:
    try:
        now = json.loads(info_path.read_text())
    except (OSError, ValueError):
        return False
    keys = ("name", "owner_pid", "owner_start", "created")
    return all(now.get(k) == expected.get(k) for k in keys)


def main(argv: list[str]) -> int:
    lab_dir, owner_pid = Path(argv[0]), int(argv[1])
    info_path = lab_dir / "lab.json"
    try:
        expected = json.loads(info_path.read_text())
    except (OSError, ValueError):
        return 1
    if expected.get("owner_pid") != owner_pid or not owner_pid:
        return 1  # a manual lab, or not the owner we were told about: never ours to remove
    _wait_for_death(owner_pid, int(expected.get("owner_start") or 0) or (_start_ticks(owner_pid) or 0))
    if not _same_lab(info_path, expected):
        return 0  # torn down normally (or the name now belongs to another lab): nothing to do
    from pytest_netopsbench.runtime import teardown_lab

    teardown_lab(str(expected["name"]))
    return 0


if __name__ == "__main__":
    # Run as a file: drop this directory from sys.path so its modules cannot shadow top-level names.
    sys.path.pop(0)
    sys.exit(main(sys.argv[1:]))
