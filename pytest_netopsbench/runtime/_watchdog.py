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
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["start_watchdog", "stop_watchdog"]

_PIDFILE = "watchdog.json"


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] == "Z" else int(fields[19])


def start_watchdog(lab_dir: Path, owner_pid: int) -> int:
    """Start the watchdog of the lab in ``lab_dir`` (its ``lab.json`` must exist); returns its pid."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), str(lab_dir), str(owner_pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # out of the owner's process group: group signals must not reach it
        close_fds=True,
    )
    record = {"pid": proc.pid, "start": _start_ticks(proc.pid) or 0}
    (lab_dir / _PIDFILE).write_text(json.dumps(record))
    # Popen would otherwise warn when the owner exits with the watchdog still running (it is
    # meant to outlive its owner); the owner never waits for it.
    proc.returncode = 0
    return proc.pid


def stop_watchdog(lab_dir: Path) -> None:
    """Kill the lab's watchdog (normal teardown); a no-op when called by the watchdog itself."""
    try:
        record = json.loads((lab_dir / _PIDFILE).read_text())
        pid, start = int(record["pid"]), int(record["start"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    if pid == os.getpid() or _start_ticks(pid) is None or (start and _start_ticks(pid) != start):
        return
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)  # reap it when it is our child (the owner's own teardown)
    except (ProcessLookupError, ChildProcessError):
        pass


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
