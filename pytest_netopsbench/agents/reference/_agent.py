"""``ReferenceAgent``: a deterministic, non-LLM troubleshooter.

It works a case the way an experienced operator would, and only through the case's tools
(``context.tools``, ``context.symptoms``, ``context.topology``): read the ping-mesh anomaly report,
check BGP on every switch, walk every switch's ports, counters, packet filters, queueing, routes,
kernel FIB against the RIB and logs, read configuration where sessions are down, then confirm with
a ping across the worst path. Rules over what it saw name the cause that explains the most
(``_rules.py``); when no device state explains the symptoms, the ping mesh's best localisation is
reported with low confidence; when nothing stands out the network is healthy.

It is the baseline every report compares with, and the proof that each scenario can be solved from
the evidence the tools expose. It reads no scenario file, ground truth, run directory or
environment variable.

    pytest scenarios/generated/xs --netopsbench-agent=reference -n 2
"""

from __future__ import annotations

from typing import Any

from ...diagnosis import DiagnosisResult, Finding
from ._collect import Probe, Survey, collect, read_host_routes, recheck_ports, run_probes
from ._decide import MIN_SCORE, Decision, decide, strong_anomalies, unexplained_anomalies
from ._explained import unexplained_unreachable_hosts
from ._intermittent import reprobe_quiet_links
from ._physical import _has_gap, physical_findings, probe_suspect_links, suspect_links
from ._rules import one_cycle_links
from ._timing import time_slow_links

__all__ = ["ReferenceAgent", "explain"]


class ReferenceAgent:
    """``diagnose(context) -> DiagnosisResult``; stateless, so one instance serves any number of cases."""

    name = "reference"

    def __init__(self, *, probes: bool = True) -> None:
        self.probes = probes

    def diagnose(self, context: Any) -> DiagnosisResult:
        survey = collect(context.tools, context.topology, context.symptoms, context.window)
        once = one_cycle_links(survey)
        if once:
            # down and up once: still flapping, or a hiccup it recovered from? look again later
            recheck_ports(context.tools, survey, sorted({e.device for link in once for e in link.ends()}))
        decision = decide(survey)
        f = decision.finding
        # a cause read from device state that explains the symptoms needs no link probes (the mesh's
        # guess, under MIN_SCORE, read nothing from device state, whatever its fault type)
        settled = (
            f is not None
            and f.score >= MIN_SCORE
            and (f.fault_type in _STRUCTURAL or (f.score >= 0.9 and f.fault_type not in _PHYSICAL))
        )
        if settled and f is not None and f.fault_type not in _STRUCTURAL and _lossy_links(survey):
            # a control-plane or configuration cause does not make a link lose packets: the links
            # still get probed, for a second, physical fault
            settled = False
        suspects = suspect_links(survey) if self.probes and not settled else []
        if suspects:
            probes = probe_suspect_links(context.tools, survey, suspects)
            probes = reprobe_quiet_links(context.tools, survey, probes)
            survey.link_probes = time_slow_links(context.tools, survey, probes)
            survey.physical = physical_findings(survey, survey.link_probes)
            decision = decide(survey)
        if decision.finding is None or decision.finding.score < MIN_SCORE:
            # Nothing on the switches explains it: look at the end hosts of the clearly failing
            # paths (not of the noise a healthy fabric's background bursts leave in the mesh).
            hosts = sorted({h for a in unexplained_anomalies(survey) for h in (a.src, a.dst)})
            if hosts:
                read_host_routes(context.tools, survey, hosts)
                decision = decide(survey)
        else:
            # a fault on one spine or fabric link leaves a pair the other spines' flows: pairs cut
            # off entirely have a second cause, maybe on their hosts
            f = decision.finding
            hosts = unexplained_unreachable_hosts(survey, [f, *decision.also])
            if hosts:
                read_host_routes(context.tools, survey, hosts)
                decision = decide(survey)
        if self.probes:
            pairs = _worst_pairs(survey)
            if pairs:
                run_probes(
                    context.tools,
                    survey,
                    pairs[:1],
                    traceroute=decision.finding is None or decision.finding.score < 0.7,
                )
                decision = decide(survey)
        return explain(survey, decision)


#: causes read straight from device state that explain every symptom a link shows
_STRUCTURAL = frozenset(
    {"device_down", "link_down", "cable_cut", "link_flapping", "optic_flap_low_loss", "mtu_mismatch"}
)
_PHYSICAL = frozenset(
    {
        *("packet_loss", "packet_corruption", "high_latency", "congestion", "ecmp_member_drop"),
        *("unidirectional_loss", "asymmetric_latency", "capacity_degradation"),
    }
)


def _lossy_links(s: Survey) -> bool:
    """The mesh lost packets on paths that stayed up (not unreachable), and a link's counters show
    packets sent and never received: what a link losing packets looks like."""
    lossy = [a for a in strong_anomalies(s) if a.kind == "packet_loss"]
    return bool(lossy) and any(_has_gap(s, link) for link in s.topology.links)


def _worst_pairs(s: Survey) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for a in strong_anomalies(s) or s.symptoms.anomalies:
        if (a.src, a.dst) not in pairs:
            pairs.append((a.src, a.dst))
    return pairs


def _probe_line(p: Probe) -> str:
    if p.kind == "ping":
        rtt = f"{p.rtt_avg_ms:g} ms" if p.rtt_avg_ms is not None else "-"
        loss = p.loss_pct if p.loss_pct is not None else 100.0
        return f"ping {p.src} -> {p.dst_ip}: {loss:g}% loss, avg {rtt}"
    reached = "reached" if p.reached else "did not reach"
    return f"traceroute {p.src} -> {p.dst_ip}: {reached} in {len(p.hops)} hops"


def explain(s: Survey, d: Decision) -> DiagnosisResult:
    """Turn a decision into the answer, with the operator's trail as reasoning and evidence."""
    steps = list(s.steps)
    probes = [_probe_line(p) for p in s.probes]
    if d.verdict == "inconclusive":
        reasoning = "; ".join(
            [
                *steps,
                f"{len(s.tool_errors)} of {s.tool_calls} tool calls failed "
                f"(first: {s.tool_errors[0] if s.tool_errors else '-'}): too little evidence",
            ]
        )
        return DiagnosisResult(
            verdict="inconclusive", confidence=0.1, reasoning=reasoning, evidence=s.tool_errors[:8]
        )
    if d.finding is None:
        reasoning = "; ".join(
            [
                *steps,
                *(f"transient, over: {e}" for e in d.explained),
                "no device state explains a fault and the ping mesh shows nothing "
                "beyond noise thresholds: the network is healthy",
            ]
        )
        return DiagnosisResult(
            verdict="network_healthy",
            confidence=0.9,
            reasoning=reasoning,
            evidence=[*d.explained, *d.symptoms, *probes][:8],
        )
    f = d.finding
    where = f.device + (f":{f.interface}" if f.interface else "")
    alt = [f"{a.fault_type} at {a.device}{':' + a.interface if a.interface else ''}" for a in d.alternatives]
    further = [f"{a.fault_type} at {a.device}{':' + a.interface if a.interface else ''}" for a in d.also]
    reasoning = "; ".join(
        [*steps, f"conclusion: {f.fault_type} at {where}"]
        + ([f"a second, independent fault: {', '.join(further)}"] if further else [])
        + ([f"also seen (explained by it or weaker): {', '.join(alt)}"] if alt else [])
    )
    return DiagnosisResult(
        verdict="fault_detected",
        fault_type=f.fault_type,
        device=f.device,
        interface=f.interface,
        confidence=round(min(x.score for x in (f, *d.also)), 2),
        reasoning=reasoning,
        evidence=[*f.evidence, *(e for a in d.also for e in a.evidence[:2]), *d.symptoms[:3], *probes][:12],
        findings=[
            Finding(fault_type=x.fault_type, device=x.device, interface=x.interface) for x in (f, *d.also)
        ],
    )
