"""Which spine each ping-mesh flow crosses, found with TTL-limited probes (a two-hop traceroute).

A probe sent with TTL 2 from a host expires at the spine its flow hashes to, and the spine's ICMP
time-exceeded names it. Sending it from the very socket that carries the flow's probes keeps the
5-tuple, hence the path. Replies take their own hash, so the reverse direction is mapped too, from
the responder's socket towards the prober's port. Loss on a flow then points at the spines its two
directions cross; a spine common to all lossy flows is the likely culprit.
"""

from __future__ import annotations

import socket
import struct
import time
from collections import deque
from collections.abc import Callable

__all__ = ["PathJob", "PathMapper", "read_errors"]

_IP_RECVERR = 11
_SO_EE_ORIGIN_ICMP = 2
_ICMP_TIME_EXCEEDED = 11
_EE = struct.Struct("=IBBBBII")  # sock_extended_err; the offender's sockaddr_in follows

# (direction "fwd"|"rev", src host index, dst host index, flow index)
PathJob = tuple[str, int, int, int]


def enable_errors(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_IP, _IP_RECVERR, 1)


def read_errors(sock: socket.socket) -> list[tuple[bytes, str, int]]:
    """Drain a socket's error queue (which also clears its pending error): (payload, offender, type)."""
    out: list[tuple[bytes, str, int]] = []
    while True:
        try:
            data, anc, _flags, _addr = sock.recvmsg(256, 512, socket.MSG_ERRQUEUE)
        except (BlockingIOError, InterruptedError):
            return out
        except OSError:
            return out
        for level, kind, raw in anc:
            if level != socket.SOL_IP or kind != _IP_RECVERR or len(raw) < _EE.size + 8:
                continue
            _errno, origin, icmp_type, _code, _pad, _info, _data = _EE.unpack_from(raw)
            if origin == _SO_EE_ORIGIN_ICMP:
                out.append((data, socket.inet_ntoa(raw[_EE.size + 4 : _EE.size + 8]), icmp_type))


class PathMapper:
    """Schedules discovery probes in small batches (so neither the prober nor the spines' ICMP rate
    limits are swamped) and keeps the latest answer per flow and direction."""

    def __init__(
        self,
        jobs: list[PathJob],
        router_of_ip: dict[str, str],
        *,
        refresh_s: float = 60.0,
        retry_s: float = 1.0,
    ) -> None:
        self.jobs = jobs
        self.router_of_ip = router_of_ip
        self.refresh_s, self.retry_s = refresh_s, retry_s
        self._queue: deque[PathJob] = deque()
        self._refresh_at = 0.0
        self._retry_at = 0.0
        self.found: dict[PathJob, str] = {}
        self.updates: list[tuple[str, int, int, int, str]] = []

    @property
    def complete(self) -> bool:
        return len(self.found) == len(self.jobs)

    def batch(self, budget: int) -> list[PathJob]:
        """The next probes to send: a full pass every ``refresh_s`` (paths move when routes do), and
        in between, ``retry_s`` after a pass, the flows whose answer got lost (ICMP is rate limited)."""
        now = time.monotonic()
        if not self._queue and self.jobs:
            if now >= self._refresh_at:
                self._queue.extend(self.jobs)
                self._refresh_at = now + self.refresh_s
            elif now >= self._retry_at and not self.complete:
                self._queue.extend(j for j in self.jobs if j not in self.found)
        out = [self._queue.popleft() for _ in range(min(budget, len(self._queue)))]
        if out and not self._queue:
            self._retry_at = now + self.retry_s
        return out

    def answer(self, job: PathJob, offender: str, icmp_type: int) -> None:
        router = self.router_of_ip.get(offender)
        if icmp_type != _ICMP_TIME_EXCEEDED or router is None:
            return
        if self.found.get(job) != router:
            self.found[job] = router
            self.updates.append((*job, router))

    def take_updates(self) -> list[tuple[str, int, int, int, str]]:
        out, self.updates = self.updates, []
        return out

    @staticmethod
    def send(
        sock: socket.socket, payload: bytes, addr: tuple[str, int], on_error: Callable[[socket.socket], None]
    ) -> None:
        """Send with TTL 2, then restore the TTL; a stale pending error is drained and retried once."""
        sock.setsockopt(socket.SOL_IP, socket.IP_TTL, 2)
        try:
            try:
                sock.sendto(payload, addr)
            except OSError:
                on_error(sock)
                sock.sendto(payload, addr)
        except OSError:
            pass  # the path is broken right now; the next pass asks again
        finally:
            sock.setsockopt(socket.SOL_IP, socket.IP_TTL, 64)
