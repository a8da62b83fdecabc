"""The bubblewrap command line: what the sandbox can see, and what it cannot.

Visible, read-only: the system's programs and libraries, the Python interpreter, the virtualenv
and every directory on ``sys.path`` (the agent's code), a few files under /etc that TLS and DNS
need. Not visible: /run (so no /run/netopsbench), the run directory, scenario files (masked with
an empty tmpfs when they lie under a visible directory), the host's processes (own /proc in its
own pid namespace), /root, /home, /work except the code directories.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from ._protocol import AGENT_SOCKET

__all__ = ["CHILD_MODULE", "INSTALL_HINT", "bwrap_path", "code_dirs", "sandbox_argv"]

CHILD_MODULE = "pytest_netopsbench.sandbox._child"
INSTALL_HINT = (
    "the agent runs in a bubblewrap sandbox by default, and `bwrap` is not installed: "
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; scripts/setup.sh does it) "
    "or pass --netopsbench-isolation=none to run the agent in the pytest process"
)
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# what name resolution and TLS read; everything else under /etc stays out
_ETC = (
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/mime.types",
)
#: directory names never shown inside a visible code directory (benchmark inputs and outputs)
MASKED_NAMES = ("scenarios", ".netopsbench", ".git")
# a sys.path entry this broad would show the whole host (or undo the empty /tmp): never mounted
_TOO_BROAD = {
    Path(p) for p in ("/", "/root", "/home", "/tmp", "/var", "/run", "/etc", "/proc", "/sys", "/dev")
}


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def code_dirs() -> list[Path]:
    """Directories the child needs to import this package, its dependencies and the agent: the
    interpreter's prefix, the virtualenv and every existing directory on ``sys.path``."""
    here = Path(__file__).resolve().parents[2]  # the directory holding pytest_netopsbench
    candidates = [Path(sys.base_prefix), Path(sys.prefix), here, *(Path(p) for p in sys.path if p)]
    out: list[Path] = []
    for path in candidates:
        try:
            real = path.resolve()
        except OSError:
            continue
        if real in _TOO_BROAD:
            continue
        if real.is_dir() and not any(real == o or o in real.parents for o in out):
            out = [o for o in out if real not in o.parents]
            out.append(real)
    return sorted(out)


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def sandbox_argv(
    bwrap: str,
    *,
    socket_path: Path,
    code: Sequence[Path],
    hidden: Iterable[Path] = (),
    python: str | None = None,
) -> list[str]:
    """The full command: bwrap, its mounts, then the child interpreter."""
    argv = [
        bwrap,
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "agent",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    for path in _SYSTEM:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in _ETC:
        if os.path.exists(path):
            # a symlink into /run (systemd-resolved) is bound by its target's content
            argv += ["--ro-bind", os.path.realpath(path), path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/var"]
    mounted = [p for p in code if p not in _TOO_BROAD and not _under(p, [Path("/usr")])]  # belt and braces
    for root in mounted:
        argv += ["--ro-bind", str(root), str(root)]
    masks: set[Path] = set()
    for root in mounted:
        masks.update(root / name for name in MASKED_NAMES if (root / name).exists())
    for hide in hidden:
        real = hide.resolve()
        if real.exists() and _under(real, mounted):
            masks.add(real)
    for mask in sorted(masks):
        if any(other in mask.parents for other in masks):
            continue  # already inside an empty tmpfs
        # an empty tmpfs over a directory, /dev/null over a file (a git worktree's .git is a file)
        argv += ["--tmpfs", str(mask)] if mask.is_dir() else ["--ro-bind", "/dev/null", str(mask)]
    argv += [
        "--dir",
        str(Path(AGENT_SOCKET).parent),
        "--bind",
        str(socket_path),
        AGENT_SOCKET,
        "--chdir",
        "/tmp",
        "--",
        python or sys.executable,
        "-s",
        "-m",
        CHILD_MODULE,
    ]
    return argv
