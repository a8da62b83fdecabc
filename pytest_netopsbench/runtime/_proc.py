"""Running commands and finding, signalling and reaping processes by pid (never by name)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ._protocol import CommandResult
from ._rundir import process_start

__all__ = ["kill_pids", "netns_inode", "pids_in_netns", "prune_spawned", "read_pid", "run"]


def run(argv: Sequence[str], *, timeout: float = 10.0, input: str | None = None) -> CommandResult:
    """Run argv to completion; a timeout becomes returncode 124 (like coreutils `timeout`)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            list(argv),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        rc, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc = 124
        out = _text(exc.stdout)
        err = _text(exc.stderr) + f"\ntimed out after {timeout:g}s"
    except FileNotFoundError as exc:
        rc, out, err = 127, "", f"{argv[0]}: not found ({exc})"
    return CommandResult(
        argv=list(argv), returncode=rc, stdout=out, stderr=err, seconds=time.monotonic() - t0
    )


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def netns_inode(ns: str) -> int | None:
    try:
        return os.stat(f"/run/netns/{ns}").st_ino
    except FileNotFoundError:
        return None


def pids_in_netns(namespaces: Iterable[str]) -> dict[int, str]:
    """Every live process whose network namespace is one of ``namespaces`` (pid -> ns name).

    Equivalent to ``ip netns pids`` for many namespaces in one pass over /proc.
    """
    by_inode = {ino: ns for ns in namespaces if (ino := netns_inode(ns)) is not None}
    if not by_inode:
        return {}
    found: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            ino = os.stat(f"/proc/{entry.name}/ns/net").st_ino
        except OSError:
            continue
        if ino in by_inode:
            found[int(entry.name)] = by_inode[ino]
    return found


def kill_pids(pids: Iterable[int], *, grace: float = 0.0) -> list[int]:
    """SIGTERM (if ``grace`` > 0) then SIGKILL each pid; returns pids still alive afterwards."""
    targets = {p for p in pids if p > 1 and p != os.getpid()}
    if grace > 0:
        _signal_all(targets, signal.SIGTERM)
        targets = _wait_gone(targets, grace)
    _signal_all(targets, signal.SIGKILL)
    return sorted(_wait_gone(targets, 3.0))


def _signal_all(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _wait_gone(pids: set[int], timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    alive = set(pids)
    while alive:
        for pid in list(alive):
            _reap(pid)
            if process_start(pid) is None:
                alive.discard(pid)
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    return alive


def _reap(pid: int) -> None:
    """Collect our own children so they do not linger as zombies."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def prune_spawned(sdir: Path) -> None:
    """Remove the records (``<pid>.json``) and logs of spawned processes that have exited: a
    fault's bookkeeping must not outlive the fault (it names the device and the command)."""
    import json

    if not sdir.exists():
        return
    for record in sdir.glob("*.json"):
        if not record.stem.isdigit():
            continue
        try:
            os.kill(int(record.stem), 0)
            with open(f"/proc/{record.stem}/stat", "rb") as fh:
                if fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z":
                    continue  # alive (a zombie counts as gone: it only waits for its parent)
        except (ProcessLookupError, FileNotFoundError, IndexError):
            pass
        except OSError:
            continue
        try:
            log = json.loads(record.read_text()).get("log")
        except (OSError, ValueError):
            log = None
        if log:
            Path(log).unlink(missing_ok=True)
        record.unlink(missing_ok=True)
