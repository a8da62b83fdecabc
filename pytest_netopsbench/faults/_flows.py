"""A multi-flow TCP probe: SYNs to a closed port from many source ports, each answered by a RST.

ICMP echo takes one ECMP path per host pair; distinct TCP 5-tuples spread over every member, so a
probe of 32 flows shows a link or member that drops only some flows. Sockets are opened inside the
device's namespace from a harness thread, so no process appears in the lab.
"""

from __future__ import annotations

import ctypes
import errno
import os
import random
import select
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel

__all__ = ["FlowProbe", "tcp_flows"]

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextmanager
def _in_netns(ns: str) -> Iterator[None]:
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {ns} failed")
        try:
            yield
        finally:
            _libc.setns(own, _CLONE_NEWNET)
    finally:
        os.close(target)
        os.close(own)


class FlowProbe(BaseModel):
    source: str
    target: str
    flows: int
    answered: int
    lost_ports: list[int]

    @property
    def lost(self) -> int:
        return self.flows - self.answered

    def describe(self) -> str:
        return (
            f"{self.flows} TCP flows {self.source} -> {self.target}: {self.answered} answered, "
            f"{self.lost} unanswered"
        )


def tcp_flows(
    ns: str,
    target: str,
    *,
    source_ip: str = "",
    flows: int = 32,
    port: int = 9,
    timeout: float = 0.6,
    label: str = "",
) -> FlowProbe:
    """Open ``flows`` connections from distinct source ports; a RST or an accept counts as answered."""
    base = random.Random().randrange(20000, 60000 - flows)
    socks: dict[int, socket.socket] = {}
    with _in_netns(ns):
        for i in range(flows):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setblocking(False)
            try:
                s.bind((source_ip, base + i))
            except OSError:
                s.close()
                continue
            socks[base + i] = s
    answered: set[int] = set()
    for s in socks.values():
        err = s.connect_ex((target, port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
    pending = {s.fileno(): (sport, s) for sport, s in socks.items() if s.fileno() >= 0}
    end = time.monotonic() + timeout
    while pending and time.monotonic() < end:
        waiting = [s for _, s in pending.values()]
        _, ready, _ = select.select([], waiting, [], max(0.0, end - time.monotonic()))
        for s in ready:
            sport, _ = pending.pop(s.fileno())
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) in (0, errno.ECONNREFUSED):
                answered.add(sport)
    for s in socks.values():
        s.close()
    return FlowProbe(
        source=label or ns,
        target=target,
        flows=len(socks),
        answered=len(answered),
        lost_ports=sorted(set(socks) - answered),
    )
