"""Lab integrity: a golden snapshot of every device taken after deploy, compared after each case.

The health check proves the fabric forwards; this proves it is the *same* fabric: a stray nft rule,
a qdisc, a changed MTU or address, an FRR config line or a kernel route left behind (by a fault's
clear, or by an agent with raw lab access) would otherwise carry into the next case and be scored
against its agent. Volatile parts (counters, handles, ages) are normalised away.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, Field

from ..errors import LabError
from ._protocol import Lab

__all__ = ["SETTLED_VIEWS", "LabSnapshot", "drift", "snapshot_lab"]

_SEP = "=====8<====="
# one shell per device: every view in one exec (``ip netns exec`` / ``docker exec`` cost more than
# the commands themselves)
_VIEWS = ("nft", "iptables", "tc", "link", "addr", "route")
_SCRIPT = f"; echo '{_SEP}'; ".join(
    [
        "nft list ruleset 2>/dev/null",
        "iptables-save 2>/dev/null",
        "tc qdisc show 2>/dev/null",
        "ip -j link show",
        "ip -j addr show",
        "ip -j route show table main",
    ]
)
_COUNTERS = re.compile(r"\bcounter packets \d+ bytes \d+")
_HANDLE = re.compile(r"\s*# handle \d+")
_IPT_COUNTS = re.compile(r"\[\d+:\d+\]")
_REFCNT = re.compile(r"\brefcnt \d+")


# Views that do not wait for convergence: a difference in them is drift at once, with no point in
# waiting for BGP (links and kernel routes may still be settling after a clear).
SETTLED_VIEWS = frozenset({"nft", "iptables", "tc", "addr", "frr"})


class LabSnapshot(BaseModel):
    """device -> view -> normalised lines."""

    devices: dict[str, dict[str, list[str]]] = Field(default_factory=dict)


def _lines(text: str) -> list[str]:
    return sorted({ln.strip() for ln in text.splitlines() if ln.strip()})


def _json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text or "[]")
    except json.JSONDecodeError:
        return [{"unreadable": text.strip()[:200]}]
    return data if isinstance(data, list) else []


def _links(text: str) -> list[str]:
    out = []
    for link in _json(text):
        flags = ",".join(sorted(f for f in link.get("flags", []) if f in ("UP", "LOWER_UP", "NO-CARRIER")))
        out.append(f"{link.get('ifname')} mtu {link.get('mtu')} {link.get('operstate')} {flags}")
    return sorted(out)


def _addrs(text: str) -> list[str]:
    return sorted(
        f"{link.get('ifname')} {a.get('family')} {a.get('local')}/{a.get('prefixlen')}"
        for link in _json(text)
        for a in link.get("addr_info", [])
    )


def _routes(text: str) -> list[str]:
    out = []
    for r in _json(text):
        hops = r.get("nexthops") or [{"gateway": r.get("gateway"), "dev": r.get("dev")}]
        via = ",".join(sorted(f"{h.get('gateway') or '-'}@{h.get('dev') or '-'}" for h in hops))
        flags = ",".join(sorted(r.get("flags", [])))
        out.append(f"{r.get('type', 'unicast')} {r.get('dst')} proto {r.get('protocol')} via {via} {flags}")
    return sorted(out)


def _frr(text: str) -> list[str]:
    skip = ("Building configuration", "Current configuration")
    # sorted like the other views: a clear that re-adds a line may put it elsewhere in the output
    return sorted(ln.rstrip() for ln in text.splitlines() if ln.strip() and not ln.startswith(skip))


def _device(lab: Lab, name: str, is_switch: bool) -> dict[str, list[str]]:
    res = lab.exec(name, ["sh", "-c", _SCRIPT], timeout=20.0)
    parts = res.stdout.split(_SEP)
    if len(parts) != len(_VIEWS):
        raise LabError(f"state snapshot unreadable ({res.stderr.strip()[:200]})", device=name)
    raw = dict(zip(_VIEWS, (p.strip("\n") for p in parts), strict=True))
    views = {
        "nft": _lines(_HANDLE.sub("", _COUNTERS.sub("counter", raw["nft"]))),
        "iptables": _lines("\n".join(ln for ln in raw["iptables"].splitlines() if not ln.startswith("#"))),
        "tc": _lines(_REFCNT.sub("", raw["tc"])),
        "link": _links(raw["link"]),
        "addr": _addrs(raw["addr"]),
        "route": _routes(raw["route"]),
    }
    views["iptables"] = [_IPT_COUNTS.sub("", ln).strip() for ln in views["iptables"]]
    if is_switch:
        views["frr"] = _frr(lab.vtysh(name, ["show running-config"], timeout=20.0))
    return views


def snapshot_lab(lab: Lab) -> LabSnapshot:
    """Every device's filters, qdiscs, links (state, MTU), addresses, kernel routes and (switches)
    FRR running config, normalised. Raises ``LabError`` when a device cannot be read."""
    devices = lab.topology.devices
    with ThreadPoolExecutor(max_workers=min(8, len(devices)), thread_name_prefix="worker") as pool:
        views = list(pool.map(lambda d: _device(lab, d.name, d.is_switch), devices))
    return LabSnapshot(devices={d.name: v for d, v in zip(devices, views, strict=True)})


def drift(
    golden: LabSnapshot, now: LabSnapshot, *, views: frozenset[str] | None = None, limit: int = 6
) -> list[str]:
    """What differs from the golden snapshot (in ``views``, default all): ``<device> <view>:
    +added / -missing`` lines."""
    problems: list[str] = []
    for device, golden_views in golden.devices.items():
        current = now.devices.get(device, {})
        for view, lines in golden_views.items():
            if views is not None and view not in views:
                continue
            have = current.get(view, [])
            if have == lines:
                continue
            added = sorted(set(have) - set(lines))[:2]
            gone = sorted(set(lines) - set(have))[:2]
            problems.append(f"{device} {view} differs from its state after deploy: +{added} -{gone}")
            if len(problems) >= limit:
                return problems
    return problems
