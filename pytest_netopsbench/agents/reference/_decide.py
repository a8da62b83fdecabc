"""From findings to one answer: the cause that explains the most, or the ping mesh's best guess when
no device state explains the symptoms, or a healthy network when nothing stands out."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from ...evidence import Anomaly
from ._collect import Survey
from ._control import (
    daemon_findings,
    ecmp_findings,
    host_findings,
    leak_findings,
    max_prefix_findings,
    prepend_findings,
)
from ._explained import reset_explaining, session_resets
from ._filter_rules import filter_findings, qdisc_findings
from ._physical import SLOW_MS, _gap
from ._routing import bgp_findings, fib_findings, policy_findings, static_route_findings
from ._rules import Finding, device_down_findings, link_findings, mtu_findings

__all__ = [
    "MIN_SCORE",
    "Decision",
    "all_findings",
    "decide",
    "further_faults",
    "strong_anomalies",
    "symptom_finding",
    "unexplained_anomalies",
]

#: a finding below this is a hint, not a diagnosis
MIN_SCORE = 0.7
#: ping-mesh thresholds above the detector's own floors, so scheduler noise on a busy 2-core host
#: (a few ms of RTT, the odd lost probe) never turns a healthy fabric into a fault
LOSS_PCT = 10.0
LATENCY_MS = 15.0


#: causes that stand on their own (a configuration line, a host setting, a dead daemon), never the
#: consequence of another fault: one of these on another device, next to the main cause, is a second
#: fault and is reported as a further finding
INDEPENDENT = frozenset(
    {
        "device_down",
        "bgpd_crash",
        "bgp_hold_timer_expiry",
        "zebra_restart",
        "bgp_ttl_security_mismatch",
        "mtu_mismatch",
        "acl_misconfig",
        "blackhole_route",
        "static_route_misconfig",
        "more_specific_route_leak",
        "bgp_max_prefix_exceeded",
        "as_path_prepend_skew",
        "ecmp_maximum_paths_one",
        "host_wrong_gateway",
        "host_wrong_netmask",
        "host_duplicate_address",
    }
)
#: link faults found by a pinned probe across the link itself (``_physical``)
PINNED = frozenset(
    {
        *("packet_loss", "packet_corruption", "high_latency", "congestion"),
        *("unidirectional_loss", "asymmetric_latency", "capacity_degradation"),
    }
)
#: a further finding must be at least this sure: a wrong one costs precision
ALSO_SCORE = 0.9


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)
    verdict: str
    finding: Finding | None
    also: tuple[Finding, ...] = ()  # further faults, independent of ``finding``
    alternatives: tuple[Finding, ...] = ()
    symptoms: tuple[str, ...] = ()
    #: mesh anomalies a benign event explains (a BGP session reset in the window), with the event
    explained: tuple[str, ...] = ()


def further_faults(s: Survey, findings: list[Finding]) -> tuple[Finding, ...]:
    """Findings after the first that are independent causes on devices (and links) of their own."""
    if not findings or findings[0].fault_type not in INDEPENDENT | PINNED:
        return ()
    chosen = [findings[0]]
    for f in findings[1:]:
        # a link fault pinned by its own probe stands on its own next to a control-plane or host
        # cause; next to another link fault it is more likely that one's downstream echo
        pinned = f.fault_type in PINNED and findings[0].fault_type not in PINNED
        if not (f.fault_type in INDEPENDENT or pinned) or f.score < ALSO_SCORE:
            continue
        places = {c.device for c in chosen}
        if f.interface:
            peer = s.topology.peer_of(f.device, f.interface)
            places_hit = f.device in places or peer.device in places
        else:
            places_hit = f.device in places
        if not places_hit:
            chosen.append(f)
    return tuple(chosen[1:])


def all_findings(s: Survey) -> list[Finding]:
    found: list[Finding] = []
    for rule in (
        device_down_findings,
        daemon_findings,
        link_findings,
        mtu_findings,
        qdisc_findings,
        filter_findings,
        static_route_findings,
        fib_findings,
        bgp_findings,
        policy_findings,
        max_prefix_findings,
        ecmp_findings,
        prepend_findings,
        leak_findings,
        host_findings,
    ):
        found += rule(s)
    found += s.physical
    best: dict[tuple[str, str, str | None], Finding] = {}
    for f in found:  # one rule seen twice (iptables-save and its nftables view) is one finding
        key = (f.fault_type, f.device, f.interface)
        if key not in best or f.score > best[key].score:
            best[key] = f
    return sorted(best.values(), key=lambda f: f.rank)


def strong_anomalies(s: Survey) -> list[Anomaly]:
    out = []
    for a in s.symptoms.anomalies:
        loud = (
            a.kind in ("path_unreachable", "mtu_df_failure")
            or (a.kind == "packet_loss" and a.value >= LOSS_PCT)
            or (a.kind == "latency_spike" and a.value >= LATENCY_MS)
        )
        if loud:
            out.append(a)
    return out


def _reset_explained(s: Survey) -> list[tuple[Anomaly, str]]:
    """Strong anomalies a BGP session reset in the window explains, unless a ping across the same
    pair still loses packets (then the loss goes on, the reset is not its cause)."""
    resets = session_resets(s)
    if not resets:
        return []
    ongoing = {(p.src, p.dst_ip) for p in s.probes if p.kind == "ping" and (p.loss_pct or 0.0) > 0}
    out = []
    for a in strong_anomalies(s):
        r = reset_explaining(a, resets)
        if r is not None and (a.src, a.dst_ip) not in ongoing:
            out.append((a, r.describe()))
    return out


def unexplained_anomalies(s: Survey) -> list[Anomaly]:
    """Strong anomalies, less those a benign event in the window explains."""
    explained = [a for a, _ in _reset_explained(s)]
    return [a for a in strong_anomalies(s) if a not in explained]


def _describe(a: Anomaly) -> str:
    unit = "%" if a.unit == "pct" else " ms"
    base = f" (baseline {a.baseline:g}{unit})" if a.baseline is not None else ""
    return f"{a.kind} {a.src}->{a.dst}: {a.value:g}{unit}{base}, {a.flows_lossy}/{a.flows_seen} flows"


_KIND_TO_FAULT = {
    "path_unreachable": "link_down",
    "packet_loss": "packet_loss",
    "mtu_df_failure": "mtu_mismatch",
    "latency_spike": "high_latency",
    "jitter": "high_latency",
}


def _host_noise(s: Survey, anomalies: list[Anomaly]) -> bool:
    """Only waits, all of them marginal (under twice the latency bar), and every suspect link
    answered a pinned probe promptly and without loss: a busy host slows the mesh's pings
    everywhere, a delayed link holds every frame that crosses it and shows in its probe."""
    if not s.link_probes or any(a.kind not in ("latency_spike", "jitter") for a in anomalies):
        return False
    if any((p.rtt_avg_ms or 0.0) >= SLOW_MS or p.loss_pct > 0 for p in s.link_probes):
        return False
    return all(a.value - (a.baseline or 0.0) < 2 * LATENCY_MS for a in anomalies)


def symptom_finding(s: Survey, anomalies: list[Anomaly]) -> Finding | None:
    """Where the ping mesh points when no device state explains it: the host all bad paths share
    (its access port), else the spine the lossy flows crossed, else the leaf most pairs touch."""
    if not anomalies or _host_noise(s, anomalies):
        return None
    kinds = Counter(a.kind for a in anomalies)
    if len(kinds) > 1:
        # with no port MTU difference (``mtu_findings`` would have named it) lost DF probes are big
        # frames an overflowing queue or a lossy link dropped, not an MTU: the other kinds name it
        del kinds["mtu_df_failure"]
    kind = _KIND_TO_FAULT[kinds.most_common(1)[0][0]]
    lossy = [a for a in anomalies if a.kind == "packet_loss"]
    if (
        kind == "packet_loss"
        and s.link_probes
        and all(p.loss_pct == 0 for p in s.link_probes)
        and all(0 < a.flows_lossy < a.flows_seen for a in lossy)
    ):
        # the mesh's UDP flows lost packets, some 5-tuples only, while every pinned ICMP probe across
        # the suspect links got through: what a member dropping flows by hash does
        kind = "ecmp_member_drop"
    pairs = {(a.src, a.dst) for a in anomalies}
    hosts = Counter(h for p in pairs for h in p)
    topo = s.topology
    ev = tuple(_describe(a) for a in anomalies[:4])
    common = [h for h, n in hosts.items() if n == len(pairs)]
    if len(common) == 1 and len(topo.hosts) > 2:
        host = topo.device(common[0])
        leaf = topo.device(host.leaf or "")
        port = next((i.name for i in leaf.interfaces if i.peer_device == host.name), None)
        return Finding(
            fault_type=kind,
            device=leaf.name,
            interface=port,
            score=0.5,
            evidence=(*ev, f"every affected pair involves {host.name}"),
        )
    spines = Counter(sp for a in anomalies for sp in a.spines)
    leaves = Counter(leaf for a in anomalies for leaf in (a.src_leaf, a.dst_leaf))
    if spines:
        spine = topo.device(spines.most_common(1)[0][0])
        # every pair's path runs leaf - spine - leaf: of the leaves the pairs touch equally often,
        # the one whose link to the spine lost packets (sent at one end, never received at the
        # other, even below the bar of a gap on its own) holds the fault
        ports = {i.peer_device: i.name for i in spine.interfaces if i.peer_device}

        def missing_to(leaf: str) -> int:
            return _gap(s, topo.link_of(spine.name, ports[leaf]))[0] if leaf in ports else 0

        leaf_name = max(leaves, key=lambda leaf: (leaves[leaf], missing_to(leaf)))
        port = ports.get(leaf_name)
        missing = missing_to(leaf_name)
        return Finding(
            fault_type=kind,
            device=spine.name,
            interface=port,
            score=0.45,
            evidence=(
                *ev,
                f"lossy flows crossed {spine.name}",
                f"{missing} packets sent on {spine.name}-{leaf_name} were not received at the other end",
            ),
        )
    leaf_name = leaves.most_common(1)[0][0]
    return Finding(
        fault_type=kind,
        device=leaf_name,
        score=0.4,
        evidence=(*ev, f"{leaf_name} is on the most affected paths"),
    )


def decide(s: Survey) -> Decision:
    findings = [f for f in all_findings(s) if f.score >= MIN_SCORE]
    strong = strong_anomalies(s)
    symptoms = tuple(_describe(a) for a in strong[:6])
    if findings:
        also = further_faults(s, findings)
        return Decision(
            verdict="fault_detected",
            finding=findings[0],
            also=also,
            alternatives=tuple(f for f in findings[1:5] if f not in also)[:3],
            symptoms=symptoms,
        )
    # loss on the paths a session reset in the window withdrew for a moment is over, not a fault
    transient = _reset_explained(s)
    explained = tuple(f"{_describe(a)}: {why}" for a, why in transient)
    guess = symptom_finding(s, [a for a in strong if a not in [t for t, _ in transient]])
    if guess is not None:
        return Decision(verdict="fault_detected", finding=guess, symptoms=symptoms)
    if s.tool_calls and 2 * len(s.tool_errors) >= s.tool_calls:
        # most tools failed: no evidence of a fault is not evidence of health
        return Decision(verdict="inconclusive", finding=None, symptoms=symptoms)
    return Decision(verdict="network_healthy", finding=None, symptoms=symptoms, explained=explained)
