"""Reading a namespace's kernel counters without forking: /proc/thread-self/net/* after setns,
and interface flags/MTU by ioctl on a socket that lives in the namespace."""

from __future__ import annotations

import fcntl
import re
import socket
import struct
from dataclasses import dataclass

__all__ = ["SNMP_KEYS", "IfaceSample", "iface_state", "parse_net_dev", "parse_nft_counters", "parse_snmp"]

_SIOCGIFFLAGS = 0x8913
_SIOCGIFMTU = 0x8921
_IFF_UP = 0x1
_IFF_RUNNING = 0x40

# Protocol counters that show drops interface counters never see (corruption, no route, TCP retransmits).
SNMP_KEYS = (
    "Ip.InDiscards",
    "Ip.InHdrErrors",
    "Ip.InNoRoutes",
    "Ip.InAddrErrors",
    "Ip.OutNoRoutes",
    "Icmp.InCsumErrors",
    "Icmp.InDestUnreachs",
    "Icmp.OutDestUnreachs",
    "Icmp.OutTimeExcds",
    "Udp.InCsumErrors",
    "Udp.RcvbufErrors",
    "Udp.NoPorts",
    "Tcp.InCsumErrors",
    "Tcp.RetransSegs",
    "Tcp.InErrs",
)


@dataclass
class IfaceSample:
    name: str
    oper: str
    mtu: int
    counters: tuple[int, ...]  # rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors,
    #                            rx_dropped, tx_dropped


def parse_net_dev(text: str) -> dict[str, tuple[int, ...]]:
    """/proc/net/dev -> name -> (rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errs, tx_errs,
    rx_drop, tx_drop)."""
    out: dict[str, tuple[int, ...]] = {}
    for line in text.splitlines()[2:]:
        name, _, rest = line.partition(":")
        f = [int(x) for x in rest.split()]
        if len(f) < 16:
            continue
        out[name.strip()] = (f[1], f[9], f[0], f[8], f[2], f[10], f[3], f[11])
    return out


def parse_snmp(text: str) -> dict[str, int]:
    """/proc/net/snmp (header line, value line per protocol) -> the ``SNMP_KEYS`` values."""
    values: dict[str, int] = {}
    lines = text.splitlines()
    for head, vals in zip(lines[::2], lines[1::2], strict=False):
        proto, _, names = head.partition(":")
        _, _, nums = vals.partition(":")
        for key, num in zip(names.split(), nums.split(), strict=False):
            full = f"{proto}.{key}"
            if full in SNMP_KEYS:
                values[full] = int(num)
    return values


def iface_state(sock: socket.socket, name: str) -> tuple[str, int]:
    """(oper state, mtu) of ``name`` in the socket's namespace: up, down (admin) or no-carrier."""
    req = struct.pack("16s16x", name.encode()[:15])
    try:
        flags = struct.unpack_from("H", fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, req), 16)[0]
        mtu = struct.unpack_from("i", fcntl.ioctl(sock.fileno(), _SIOCGIFMTU, req), 16)[0]
    except OSError:
        return "absent", 0
    if not flags & _IFF_UP:
        return "down", mtu
    return ("up" if flags & _IFF_RUNNING else "no-carrier"), mtu


_TABLE = re.compile(r"^table (\S+) (\S+) \{")
_CHAIN = re.compile(r"^\s*chain (\S+) \{")
_COUNTER = re.compile(r"\bcounter packets (\d+) bytes (\d+)")
_HANDLE = re.compile(r"\s*# handle \d+$")


def parse_nft_counters(text: str) -> list[tuple[str, str, str, int, int]]:
    """``nft list ruleset`` -> (table, chain, rule text minus counter, packets, bytes) per counted rule."""
    table = chain = ""
    out: list[tuple[str, str, str, int, int]] = []
    for line in text.splitlines():
        if m := _TABLE.match(line):
            table, chain = f"{m.group(1)} {m.group(2)}", ""
        elif m := _CHAIN.match(line):
            chain = m.group(1)
        elif (c := _COUNTER.search(line)) and chain:
            rule = _HANDLE.sub("", _COUNTER.sub("counter", line)).strip()
            out.append((table, chain, rule, int(c.group(1)), int(c.group(2))))
    return out
