"""Starting and stopping a lab's owner watchdog (the script itself is ``_watchdog.py``, run as a
file so that it imports nothing of the package until the owner is gone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["start_watchdog", "stop_watchdog"]

_PIDFILE = "watchdog.json"
_SCRIPT = Path(__file__).resolve().with_name("_watchdog.py")


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
        [sys.executable, str(_SCRIPT), str(lab_dir), str(owner_pid)],
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
