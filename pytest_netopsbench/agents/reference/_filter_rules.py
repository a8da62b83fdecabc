"""The reference agent's packet-filter and queueing rules: pure functions from a ``Survey`` to
candidate ``Finding``s. A filter rule or qdisc alone can mean several faults (an NFQUEUE rule may
delay, drop or corrupt), so these rules read the symptoms to say which one the state explains.
"""

from __future__ import annotations

import ipaddress
import re

from ._collect import Survey
from ._facts import FilterRule, Qdisc
from ._rules import Finding

__all__ = ["SLOW_MS", "filter_findings", "qdisc_findings"]

_ADDR_MATCH = re.compile(r"\bip [sd]addr\b|\s-[sd]\s+\d")


#: a userspace queue that delays packets shows as this much extra RTT; its own processing adds ~1 ms
SLOW_MS = 15.0


def _has_latency(s: Survey) -> bool:
    if any(a.kind == "latency_spike" and a.value >= SLOW_MS for a in s.symptoms.anomalies):
        return True
    return any(p.rtt_avg_ms is not None and p.rtt_avg_ms > SLOW_MS for p in s.probes)


def _checksum_errors(s: Survey) -> int:
    return sum(
        v for counters in s.protocol.values() for k, v in counters.items() if k.endswith("InCsumErrors")
    )


def _classify_rule(s: Survey, r: FilterRule) -> tuple[str, str] | None:
    text = r.text.lower()
    if r.action in ("drop", "reject"):
        if "numgen" in text or "random" in text or "--probability" in text:
            return "packet_loss", "drops a random share of packets"
        if "jhash" in text or "symhash" in text:
            return "ecmp_member_drop", "drops the flows whose 5-tuple hash falls in a range"
        if _ADDR_MATCH.search(" " + text) or r.interface:
            return "acl_misconfig", "drops traffic matching an address filter"
        return None
    if r.action == "queue":
        # A userspace queue can delay, drop or corrupt; what the receivers and the mesh saw says which.
        csum = _checksum_errors(s)
        if csum:
            return "packet_corruption", (
                f"hands packets to a userspace queue; receivers counted {csum} "
                "checksum errors during the window"
            )
        if _has_latency(s):
            return "high_latency", "hands packets to a userspace queue and the paths through it are slow"
        return "packet_loss", "hands packets to a userspace queue and the paths through it lose packets"
    return None


_ADDR = re.compile(r"\b(\d+\.\d+\.\d+\.\d+(?:/\d+)?)\b")


def _mesh_lost_to(s: Survey, r: FilterRule) -> bool:
    """The mesh lost packets between hosts the rule's addresses cover. A rule that no longer exists
    needs this: its window hits alone may be an earlier case's, read from counters around the window."""
    nets = [ipaddress.IPv4Network(a, strict=False) for a in _ADDR.findall(r.text)]
    return any(
        a.kind in ("packet_loss", "path_unreachable")
        and any(ipaddress.IPv4Address(ip) in n for n in nets for ip in (a.src_ip, a.dst_ip))
        for a in s.symptoms.anomalies
    )


def filter_findings(s: Survey) -> list[Finding]:
    out = []
    for r in s.rules:
        kind = _classify_rule(s, r)
        if kind is None or not r.interface or (r.gone and not _mesh_lost_to(s, r)):
            continue
        hits = r.window_packets if r.window_packets is not None else r.packets
        when = " during the window" if r.window_packets is not None else ""
        if r.gone:
            when += ", and no longer in the ruleset: a rule that comes and goes"
        ev = (
            f"{r.device} {r.source} {r.table} {r.chain} ({r.hook or 'no hook'} on {r.interface}): "
            f"'{r.text}' {kind[1]}; {hits} packets matched{when}",
        )
        out.append(
            Finding(
                fault_type=kind[0],
                device=r.device,
                interface=r.interface,
                score=0.95 if hits else 0.85,
                evidence=ev,
            )
        )
    return out


def _qdisc_kind(q: Qdisc) -> tuple[str, str] | None:
    opts = " ".join(f"{k}={v}" for k, v in q.options.items()).lower()
    if q.kind == "netem":
        if "corrupt" in opts:
            return "packet_corruption", "netem corrupts packets"
        if "loss" in opts:
            return "packet_loss", "netem drops packets"
        return "high_latency", "netem delays packets"
    if q.kind in ("tbf", "htb", "cbq", "hfsc"):
        return "congestion", "rate-limits the port"
    return None


def qdisc_findings(s: Survey) -> list[Finding]:
    out = []
    for q in s.qdiscs:
        kind = _qdisc_kind(q)
        if kind is None:
            continue
        drops = q.window_dropped if q.window_dropped is not None else q.dropped
        over = q.window_overlimits if q.window_overlimits is not None else q.overlimits
        rate = q.options.get("rate") or q.options.get("rate64") or ""
        ev = (
            f"{q.device}:{q.interface} {q.kind} qdisc ({q.parent}) {kind[1]}"
            + (f" at {rate}" if rate else "")
            + f"; dropped {drops}, overlimits {over}",
        )
        score = 0.95 if drops or over or kind[0] != "congestion" else 0.8
        out.append(
            Finding(fault_type=kind[0], device=q.device, interface=q.interface, score=score, evidence=ev)
        )
    return out
