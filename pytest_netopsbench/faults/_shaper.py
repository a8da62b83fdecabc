"""A userspace netem over nfnetlink_queue, for kernels built without ``sch_netem``.

Packets reach it through an xtables ``-j NFQUEUE --queue-num N --queue-bypass`` rule; it drops,
corrupts or delays each one and hands it back with a verdict. Standard library only: it speaks
netlink over a raw ``AF_NETLINK``/``NETLINK_NETFILTER`` socket.

Run ``python -m pytest_netopsbench.faults._shaper --queue 3 --delay-ms 100 --jitter-ms 10``.
The harness starts it as a bare ``python -`` with its program and configuration on stdin
(:func:`bootstrap`), so ``/proc/<pid>/cmdline`` names no module, device or parameter.
With ``--netns NAME`` it opens its queue socket inside ``/run/netns/NAME`` and then returns to the
namespace it started in, so the process never appears among the lab device's processes (an agent
listing them must not find the impairment by its process). A netlink socket keeps the namespace it
was created in, so the queue keeps working from outside.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field

__all__ = ["ShaperConfig", "bootstrap", "main", "main_json", "run"]

NETLINK_NETFILTER = 12
_SUBSYS_QUEUE = 3
_MSG_PACKET, _MSG_VERDICT, _MSG_CONFIG = 0, 1, 2
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_NLM_F_REQUEST, _NLM_F_ACK = 0x1, 0x4
_CFG_CMD, _CFG_PARAMS, _CFG_QUEUE_MAXLEN, _CFG_MASK, _CFG_FLAGS = 1, 2, 3, 4, 5
_CMD_BIND, _CMD_UNBIND = 1, 2
_COPY_META, _COPY_PACKET = 1, 2
_CFG_F_FAIL_OPEN, _CFG_F_GSO = 0x1, 0x4
_A_PACKET_HDR, _A_VERDICT_HDR, _A_PAYLOAD = 1, 2, 10
_NF_DROP, _NF_ACCEPT = 0, 1
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_NLA_TYPE_MASK = 0x3FFF


@dataclass
class ShaperConfig:
    queue: int
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    loss_pct: float = 0.0
    corrupt_pct: float = 0.0
    netns: str | None = None
    parent_pid: int | None = None
    seed: int | None = None
    stats: dict[str, int] = field(default_factory=lambda: {"seen": 0, "dropped": 0, "corrupted": 0})


def _nla(kind: int, data: bytes) -> bytes:
    length = 4 + len(data)
    return struct.pack("=HH", length, kind) + data + b"\0" * ((4 - length % 4) % 4)


def _nlmsg(kind: int, flags: int, seq: int, payload: bytes) -> bytes:
    return struct.pack("=IHHII", 16 + len(payload), kind, flags, seq, 0) + payload


def _nfgen(queue: int) -> bytes:
    # nfgenmsg: family, version, resource id (the queue number, big-endian)
    return struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue))


def _attrs(buf: bytes) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    pos = 0
    while pos + 4 <= len(buf):
        length, kind = struct.unpack_from("=HH", buf, pos)
        if length < 4:
            break
        out[kind & _NLA_TYPE_MASK] = buf[pos + 4 : pos + length]
        pos += (length + 3) & ~3
    return out


def _setns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def _die_with_parent() -> None:
    # If the harness is killed, the kernel sends us SIGTERM instead of leaving an orphan shaping
    # a lab nobody will clear.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


def open_queue(cfg: ShaperConfig) -> socket.socket:
    """Bind queue ``cfg.queue`` (inside ``cfg.netns`` when given) and return the socket.

    Only corruption needs the packet's bytes: otherwise the queue asks for metadata only, and the
    kernel never fills in a checksum the sender left to offload (``skb_checksum_help`` turns
    ``CHECKSUM_PARTIAL`` into a software checksum the receiver must then verify). Pure delay also
    takes GSO packets whole, so the kernel does not segment them either: a held frame leaves the
    wire exactly as an unimpaired one does, and a starved shaper handles one message per GSO
    packet instead of one per segment. Loss keeps segments (it drops frames, not bursts of them)."""
    mangles = bool(cfg.corrupt_pct)
    whole = not (cfg.corrupt_pct or cfg.loss_pct)
    home = None
    if cfg.netns:
        home = "/proc/self/ns/net"
        home_fd = os.open(home, os.O_RDONLY)
        _setns(f"/run/netns/{cfg.netns}")
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    finally:
        if home is not None:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.setns(home_fd, _CLONE_NEWNET)
            os.close(home_fd)
    sock.bind((0, 0))
    try:
        sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: ride out bursts as root
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    kind = (_SUBSYS_QUEUE << 8) | _MSG_CONFIG
    # a corrupted segment must carry a checksum computed before the bit flip, so the receiver
    # really catches it: that queue keeps the kernel's segmentation and checksum fill-in
    flags = _CFG_F_FAIL_OPEN | (_CFG_F_GSO if whole else 0)
    steps = [
        _nla(_CFG_CMD, struct.pack("=BxH", _CMD_BIND, socket.htons(socket.AF_INET))),
        _nla(_CFG_PARAMS, struct.pack("!IB", 0xFFFF, _COPY_PACKET if mangles else _COPY_META)),
        _nla(_CFG_QUEUE_MAXLEN, struct.pack("!I", 16384)),
        # fail open: when the queue is full the kernel accepts instead of dropping, so an
        # overloaded shaper never adds loss nobody asked for
        _nla(_CFG_FLAGS, struct.pack("!I", flags)) + _nla(_CFG_MASK, struct.pack("!I", flags)),
    ]
    for seq, attr in enumerate(steps, start=1):
        sock.send(_nlmsg(kind, _NLM_F_REQUEST | _NLM_F_ACK, seq, _nfgen(cfg.queue) + attr))
        reply = sock.recv(65536)
        if len(reply) >= 20:
            (code,) = struct.unpack_from("=i", reply, 16)
            if struct.unpack_from("=H", reply, 4)[0] == _NLMSG_ERROR and code != 0:
                raise OSError(-code, f"nfqueue config step {seq} for queue {cfg.queue}: {os.strerror(-code)}")
    return sock


def _verdict(sock: socket.socket, queue: int, packet_id: int, verdict: int, payload: bytes | None) -> None:
    body = _nfgen(queue) + _nla(_A_VERDICT_HDR, struct.pack("!II", verdict, packet_id))
    if payload is not None:
        body += _nla(_A_PAYLOAD, payload)
    try:
        sock.send(_nlmsg((_SUBSYS_QUEUE << 8) | _MSG_VERDICT, _NLM_F_REQUEST, 0, body))
    except OSError as exc:
        if exc.errno != errno.ENOENT:  # the packet was flushed meanwhile (queue unbound)
            raise


def _corrupt(rng: random.Random, payload: bytes) -> bytes:
    ihl = (payload[0] & 0x0F) * 4 if payload else 0
    if len(payload) <= ihl:
        return payload
    buf = bytearray(payload)
    pos = rng.randrange(ihl, len(buf))
    buf[pos] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _alive(cfg: ShaperConfig) -> bool:
    if cfg.netns and not os.path.exists(f"/run/netns/{cfg.netns}"):
        return False  # the lab was torn down
    if cfg.parent_pid:
        try:
            os.kill(cfg.parent_pid, 0)
        except ProcessLookupError:
            return False
    return True


def run(cfg: ShaperConfig, *, stop_after: float | None = None) -> dict[str, int]:
    rng = random.Random(cfg.seed)
    sock = open_queue(cfg)
    sock.setblocking(False)
    pending: list[tuple[float, int, int, bytes | None]] = []
    counter = 0
    running = True

    def _stop(_sig: int, _frame: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    started = last_check = time.monotonic()
    delay, jitter = cfg.delay_ms / 1000.0, cfg.jitter_ms / 1000.0
    while running:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, pid, data = heapq.heappop(pending)
            _verdict(sock, cfg.queue, pid, _NF_ACCEPT, data)
        if now - last_check >= 1.0:
            last_check = now
            if not _alive(cfg) or (stop_after is not None and now - started >= stop_after):
                break
        timeout = min(0.2, max(0.0, pending[0][0] - now)) if pending else 0.2
        try:
            ready, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        if not ready:
            continue
        while True:
            try:
                buf = sock.recv(1 << 17)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:  # socket overrun: the kernel already failed open
                    continue
                raise
            pos = 0
            while pos + 16 <= len(buf):
                length, kind = struct.unpack_from("=IH", buf, pos)
                if length < 16:
                    break
                if kind == ((_SUBSYS_QUEUE << 8) | _MSG_PACKET):
                    attrs = _attrs(buf[pos + 20 : pos + length])
                    pid = struct.unpack_from("!I", attrs[_A_PACKET_HDR])[0]
                    data = attrs.get(_A_PAYLOAD, b"")
                    cfg.stats["seen"] += 1
                    if cfg.loss_pct and rng.random() * 100.0 < cfg.loss_pct:
                        cfg.stats["dropped"] += 1
                        _verdict(sock, cfg.queue, pid, _NF_DROP, None)
                    else:
                        out: bytes | None = None
                        if cfg.corrupt_pct and rng.random() * 100.0 < cfg.corrupt_pct:
                            out = _corrupt(rng, data)
                            cfg.stats["corrupted"] += 1
                        wait = delay + (rng.uniform(-jitter, jitter) if jitter else 0.0)
                        if wait <= 0:
                            _verdict(sock, cfg.queue, pid, _NF_ACCEPT, out)
                        else:
                            counter += 1
                            heapq.heappush(pending, (time.monotonic() + wait, counter, pid, out))
                pos += (length + 3) & ~3
    for _, _, pid, data in pending:  # release what is held rather than letting the unbind drop it
        _verdict(sock, cfg.queue, pid, _NF_ACCEPT, data)
    sock.close()
    return cfg.stats


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Delay, jitter, drop or corrupt packets of one NFQUEUE queue.")
    p.add_argument("--queue", type=int, required=True, help="queue number of the NFQUEUE rule")
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0, help="uniform +/- around --delay-ms")
    p.add_argument("--loss", type=float, default=0.0, help="percent of packets dropped")
    p.add_argument("--corrupt", type=float, default=0.0, help="percent of packets with one bit flipped")
    p.add_argument("--netns", default=None, help="open the queue in /run/netns/NAME")
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    p.add_argument("--seed", type=int, default=None)
    return p


def bootstrap(config: ShaperConfig) -> str:
    """The program a harness feeds to ``python -`` on stdin: starts :func:`main_json` with
    ``config``. Nothing of it reaches the process's argv."""
    fields = {k: v for k, v in config.__dict__.items() if k != "stats"}
    return (
        "import json, sys\n"
        "from pytest_netopsbench.faults._shaper import main_json\n"
        f"sys.exit(main_json({json.dumps(json.dumps(fields))}))\n"
    )


def main_json(text: str) -> int:
    """Run with the configuration as JSON (the fields of :class:`ShaperConfig`)."""
    cfg = ShaperConfig(**json.loads(text))
    if min(cfg.delay_ms, cfg.jitter_ms, cfg.loss_pct, cfg.corrupt_pct) < 0:
        print("delay, jitter, loss and corrupt must be >= 0", file=sys.stderr)
        return 2
    _die_with_parent()
    try:
        run(cfg)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for name in ("delay_ms", "jitter_ms", "loss", "corrupt"):
        if getattr(args, name) < 0:
            print(f"--{name.replace('_', '-')} must be >= 0", file=sys.stderr)
            return 2
    _die_with_parent()
    cfg = ShaperConfig(
        queue=args.queue,
        delay_ms=args.delay_ms,
        jitter_ms=args.jitter_ms,
        loss_pct=args.loss,
        corrupt_pct=args.corrupt,
        netns=args.netns,
        parent_pid=args.parent_pid,
        seed=args.seed,
    )
    try:
        run(cfg)
    except OSError as exc:
        print(f"shaper: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
