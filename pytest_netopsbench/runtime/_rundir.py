"""Lab names, run directories and the ``lab.json`` metadata that marks a lab as ours."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from pydantic import ValidationError

from ..errors import LabError, LabNameInUse
from ..records import new_run_id, run_token
from ._protocol import LabInfo

__all__ = [
    "LAB_NAME_RE",
    "age_seconds",
    "check_lab_name",
    "default_lab_name",
    "keep_recent",
    "lab_dir",
    "labs_root",
    "new_run_id",
    "owner_alive",
    "process_start",
    "read_info",
    "remove_dir",
    "reserve_lab_dir",
    "run_lab_name",
    "write_info",
]

# A lab name becomes a namespace prefix and a directory name; keep it short and shell-safe.
LAB_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def labs_root() -> Path:
    """``/run/netopsbench/labs`` (tmpfs: a reboot forgets labs exactly when it forgets namespaces)."""
    return Path(os.environ.get("NETOPSBENCH_RUN_ROOT", "/run/netopsbench")) / "labs"


def default_lab_name(run_id: str, worker: str) -> str:
    return f"nob-{run_token(run_id)}-{worker}".lower()


def run_lab_name(run_id: str, worker: str, scale: str, nonce: str = "") -> str:
    """``nob-<run id tail>-<nonce>-<worker>-<scale>``: the run id's last segment (8 characters at
    most) says whose lab it is, the random nonce keeps two runs whose ids share that tail apart
    (the lab name is a prefix of every namespace name, so it stays short)."""
    tail = re.sub(r"[^a-z0-9]", "", run_id.lower().rsplit("-", 1)[-1])[-8:] or "run"
    nonce = nonce or secrets.token_hex(2)
    worker = re.sub(r"[^a-z0-9]", "", worker.lower())[:8] or "w"
    return f"nob-{tail}-{nonce}-{worker}-{scale}".lower()


def check_lab_name(name: str) -> str:
    if not LAB_NAME_RE.fullmatch(name):
        raise LabError(
            f"invalid lab name {name!r}: use 1-40 characters a-z, 0-9, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def lab_dir(name: str) -> Path:
    return labs_root() / name


def reserve_lab_dir(name: str) -> Path:
    """Create the lab's run directory, or raise :class:`LabNameInUse` when it exists. ``mkdir`` is
    atomic, so of two processes reserving one name exactly one wins; the loser has created
    nothing and must remove nothing."""
    root = labs_root()
    if not root.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        for path in (root.parent, root):  # FRR (user frr) traverses these whatever the umask
            os.chmod(path, 0o755)
    path = lab_dir(name)
    try:
        path.mkdir(mode=0o755)
    except FileExistsError:
        raise LabNameInUse(
            f"lab name {name!r} is already in use ({path} exists); pick another "
            f"name or remove it with `netopsbench runtime teardown {name}`"
        ) from None
    os.chmod(path, 0o755)  # FRR (user frr) must traverse into its device directories
    return path


def read_info(name: str) -> LabInfo:
    path = lab_dir(name) / "lab.json"
    try:
        return LabInfo.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise LabError(
            f"no lab named {name!r} ({path} does not exist); see `netopsbench runtime list`"
        ) from None
    except (ValidationError, json.JSONDecodeError) as exc:
        raise LabError(f"{path} is not valid lab metadata: {exc}") from None


def write_info(info: LabInfo) -> None:
    path = Path(info.run_dir) / "lab.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(info.model_dump_json(indent=2))
    os.replace(tmp, path)  # atomic: a concurrent `runtime list` never reads half a file


def process_start(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot, or None if it is gone (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def owner_alive(info: LabInfo) -> bool:
    if info.manual:
        return True
    start = process_start(info.owner_pid)
    return start is not None and (info.owner_start == 0 or start == info.owner_start)


def remove_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def keep_recent(directory: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently modified entries of ``directory``: shared
    leftovers (failed-deploy log copies with no run directory to go to) stay bounded."""
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in entries[max(0, keep) :]:
        if old.is_dir():
            remove_dir(old)
        else:
            old.unlink(missing_ok=True)


def age_seconds(info: LabInfo) -> float:
    return max(0.0, time.time() - info.created)
