"""TCP load between two hosts, driven from the harness process: sockets opened inside the hosts'
namespaces, one thread sends and one drains. No process starts, so nothing in ``/proc`` (no argv
with addresses, rates or stream counts) tells that a congestion fault is active; a thread's name
is the neutral ``worker``."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time

from ..errors import FaultError

__all__ = ["TcpLoad"]

_CHUNK = 16 * 1024


class TcpLoad:
    """``streams`` TCP connections from ``src_ns`` to ``dst_ip:port`` in ``dst_ns``, offering
    ``bytes_per_s`` in total (TCP backs off to whatever the path really carries). ``src`` pins one
    stream's source address and port."""

    def __init__(
        self,
        src_ns: str,
        dst_ns: str,
        dst_ip: str,
        port: int,
        streams: int,
        bytes_per_s: float,
        *,
        src: tuple[str, int] | None = None,
    ):
        self.src_ns, self.dst_ns, self.dst_ip, self.port = src_ns, dst_ns, dst_ip, port
        self.src = src  # (address, port) of a single stream: the 5-tuple decides its ECMP path
        self.streams, self.bytes_per_s = streams, bytes_per_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._senders: list[socket.socket] = []
        self._receivers: list[socket.socket] = []

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        from ..runtime import open_socket

        try:
            listener = self._listener = open_socket(self.dst_ns, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.dst_ip, self.port))
            listener.listen(self.streams)
            for _ in range(self.streams):
                sock = open_socket(self.src_ns, socket.SOCK_STREAM)
                self._senders.append(sock)
                if self.src is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind(self.src)
                sock.settimeout(3.0)
                sock.connect((self.dst_ip, self.port))
                sock.setblocking(False)
                peer, _ = listener.accept()
                peer.setblocking(False)
                self._receivers.append(peer)
        except OSError as exc:
            self.stop()
            raise FaultError(f"TCP load to {self.dst_ip}:{self.port} did not start: {exc}") from exc
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._send, name="worker", daemon=True),
            threading.Thread(target=self._drain, name="worker", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        for sock in [*self._senders, *self._receivers, *([self._listener] if self._listener else [])]:
            with contextlib.suppress(OSError):
                sock.close()
        self._senders, self._receivers, self._listener = [], [], None

    def _send(self) -> None:
        payload = bytes(_CHUNK)
        budget, last = 0.0, time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            # a token bucket holding at most 50 ms of traffic: a steady offered rate, no bursts
            budget = min(budget + (now - last) * self.bytes_per_s, self.bytes_per_s * 0.05 + _CHUNK)
            last = now
            if budget < _CHUNK:
                self._stop.wait(0.005)
                continue
            try:
                _, writable, _ = select.select([], self._senders, [], 0.05)
            except (OSError, ValueError):
                return  # sockets closed under us: stopping
            for sock in writable:
                if budget < _CHUNK:
                    break
                try:
                    budget -= sock.send(payload)
                except BlockingIOError:
                    continue
                except OSError:
                    return

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select(self._receivers, [], [], 0.1)
            except (OSError, ValueError):
                return
            for sock in readable:
                with contextlib.suppress(BlockingIOError):
                    try:
                        sock.recv(1 << 16)
                    except OSError:
                        return
