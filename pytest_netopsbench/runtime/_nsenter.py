"""Entering a network namespace from one thread (Python 3.11 has no ``os.setns``).

A socket keeps the namespace it was created in, so the collector opens every probe socket inside
its host's namespace once and then drives them all from the root namespace without forking.
"""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import CapabilityError

__all__ = ["in_netns", "netns_path", "open_socket", "run_in"]

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def netns_path(ns: str) -> Path:
    return Path("/run/netns") / ns


def _setns(fd: int, what: str) -> None:
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise CapabilityError(
            f"setns into {what} failed: {os.strerror(err)}",
            hint="the collector needs root (CAP_SYS_ADMIN) and a deployed lab",
        )


@contextmanager
def in_netns(ns: str) -> Iterator[None]:
    """Move the calling thread into namespace ``ns`` for the block, then back (only this thread moves)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        try:
            target = os.open(netns_path(ns), os.O_RDONLY)
        except FileNotFoundError:
            raise CapabilityError(
                f"network namespace {ns!r} does not exist",
                hint="is the lab deployed? see `netopsbench runtime list`",
            ) from None
        try:
            _setns(target, ns)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(own, "the collector's own namespace")
    finally:
        os.close(own)


def open_socket(ns: str, kind: int = socket.SOCK_DGRAM) -> socket.socket:
    with in_netns(ns):
        return socket.socket(socket.AF_INET, kind)


def run_in(ns: str, argv: list[str], timeout: float = 5.0) -> tuple[int, str]:
    """Run a netlink-only tool (nft, tc, ip) inside ``ns``: the child inherits this thread's namespace.
    About 3x cheaper than ``ip netns exec``, which also builds a mount namespace per call."""
    with in_netns(ns):
        try:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return 124, ""
    return res.returncode, res.stdout
