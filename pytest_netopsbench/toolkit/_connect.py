"""Active checks (ping, traceroute) and the kernel-FIB-versus-RIB comparison."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..faults.physical import one_way_from_ping
from ..topology import Device
from ._commands import Commands
from ._device import load_json

__all__ = ["fib_vs_rib", "ping", "traceroute"]

JSON = dict[str, Any]
_PING_SUM = re.compile(r"(\d+) packets transmitted, (\d+) received")
_PING_RTT = re.compile(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms")
_HOP = re.compile(r"^\s*(\d+)\s+(\S+)(?:\s+([\d.]+) ms)?")


def ping(
    cmd: Commands,
    src: Device,
    dst_ip: str,
    count: int,
    size: int | None,
    dont_fragment: bool,
    timestamps: bool = False,
) -> JSON:
    extra = (["-s", str(size)] if size is not None else []) + (["-M", "do"] if dont_fragment else [])
    extra += ["-T", "tsonly"] if timestamps else []
    out = cmd.exec(src.name, "ping", *extra, dst_ip, count=count, timeout=count * 0.2 + 3)
    m = _PING_SUM.search(out)
    sent, received = (int(m.group(1)), int(m.group(2))) if m else (count, 0)
    rtt = _PING_RTT.search(out)
    result: JSON = {
        "src": src.name,
        "dst_ip": dst_ip,
        "count": count,
        "size": size,
        "dont_fragment": dont_fragment,
        "transmitted": sent,
        "received": received,
        "loss_pct": round(100 * (sent - received) / sent, 1) if sent else 100.0,
        "rtt_min_ms": float(rtt.group(1)) if rtt else None,
        "rtt_avg_ms": float(rtt.group(2)) if rtt else None,
        "rtt_max_ms": float(rtt.group(3)) if rtt else None,
        "output": out.strip().splitlines()[-8:],
    }
    if timestamps:
        # the devices share one clock (as PTP-synchronised switches do): stamps compare across them
        one_way = one_way_from_ping(out)
        result["one_way_there_ms"] = one_way[0] if one_way else None
        result["one_way_back_ms"] = one_way[1] if one_way else None
    return result


def traceroute(cmd: Commands, src: Device, dst_ip: str) -> JSON:
    out = cmd.exec(src.name, "traceroute", dst_ip, timeout=20)
    hops = []
    for line in out.splitlines()[1:]:
        if m := _HOP.match(line):
            hops.append(
                {
                    "hop": int(m.group(1)),
                    "address": None if m.group(2) == "*" else m.group(2),
                    "rtt_ms": float(m.group(3)) if m.group(3) else None,
                }
            )
    reached = bool(hops) and hops[-1]["address"] == dst_ip
    return {"src": src.name, "dst_ip": dst_ip, "reached": reached, "hops": hops}


def _nh_set(nexthops: list[dict[str, Any]]) -> list[str]:
    return sorted(f"{n.get('via') or '-'}@{n.get('dev') or '-'}" for n in nexthops)


def _kernel_routes(cmd: Commands, dev: Device) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for r in load_json(cmd.exec(dev.name, "kernel_routes")) or []:
        dst = r.get("dst", "")
        prefix = "0.0.0.0/0" if dst == "default" else dst if "/" in dst else f"{dst}/32"
        single = [{"gateway": r.get("gateway"), "dev": r.get("dev")}] if r.get("dev") else []
        nhs = r.get("nexthops") or single
        out[prefix] = {
            "type": r.get("type", "unicast"),
            "protocol": r.get("protocol"),
            "nexthops": _nh_set([{"via": n.get("gateway"), "dev": n.get("dev")} for n in nhs]),
        }
    return out


def fib_vs_rib(cmd: Commands, dev: Device) -> JSON:
    """Compare what FRR selected (RIB) with what the kernel forwards by (FIB), prefix by prefix."""
    fib = _kernel_routes(cmd, dev)
    rib_raw = load_json(cmd.vty(dev.name, "route_table")) or {}
    rib: dict[str, JSON] = {}
    shadowed: dict[str, list[str]] = {}
    for prefix, entries in rib_raw.items() if isinstance(rib_raw, dict) else []:
        shadowed[prefix] = [str(e.get("protocol")) for e in entries if not e.get("selected")]
        for e in entries:
            if not e.get("selected"):
                continue
            nhs = e.get("nexthops", [])
            blackhole = any(n.get("blackhole") or n.get("unreachable") for n in nhs)
            rib[prefix] = {
                "protocol": e.get("protocol"),
                "installed": bool(e.get("installed")),
                "blackhole": blackhole,
                "nexthops": _nh_set(
                    [{"via": n.get("ip"), "dev": n.get("interfaceName")} for n in nhs if n.get("active")]
                ),
            }
    rows = []
    for prefix in sorted(set(fib) | set(rib), key=lambda p: ipaddress.ip_network(p, strict=False)):
        k, r = fib.get(prefix), rib.get(prefix)
        issues = []
        if r and not k and r["protocol"] != "connected":
            issues.append("selected in RIB but missing from kernel FIB")
        if k and not r and k.get("protocol") not in ("kernel", None):
            issues.append("in kernel FIB but not selected in RIB")
        if r and r["protocol"] == "kernel" and "bgp" in shadowed.get(prefix, []):
            issues.append("a route added outside the routing daemon overrides the BGP route")
        if k and r and r["protocol"] not in ("connected", "kernel", "local"):
            if r["blackhole"] != (k["type"] in ("blackhole", "unreachable", "prohibit")):
                issues.append("blackhole state differs")
            elif not r["blackhole"] and k["nexthops"] != r["nexthops"]:
                issues.append("next hops differ")
        rows.append({"prefix": prefix, "rib": r, "fib": k, "issues": issues})
    mismatched = [row for row in rows if row["issues"]]
    return {
        "device": dev.name,
        "prefixes": len(rows),
        "mismatches": len(mismatched),
        "differences": mismatched,
        "agreeing": [row["prefix"] for row in rows if not row["issues"]],
    }
