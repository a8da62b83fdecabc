"""Scoring one case (rules in docs/scoring.md).

Healthy case: 1 when the verdict is ``network_healthy``, else 0. Fault case: 0 unless the verdict
is ``fault_detected``; then, when the fault has an interface, 0.5 for the right device plus 0.5
for the right device:interface *pair* (either end of a faulty link counts); without an interface,
1.0 for the right device. Interface credit never goes to a wrong device, unlike NetOpsBench, which
pays 0.5 for a common interface name on any switch. The fault type is its own KPI, reported next
to the score and never folded into it.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..diagnosis import DiagnosisResult, GroundTruth, Location
from ..topology import Topology

__all__ = [
    "CaseScore",
    "describe_expected",
    "describe_got",
    "normalize_name",
    "pass_rule",
    "passes",
    "score_case",
]


class CaseScore(BaseModel):
    score: float
    expected_verdict: str
    verdict_correct: bool
    device_correct: bool
    interface_correct: bool | None  # None when the fault names no interface
    fault_type_correct: bool | None  # None for healthy cases
    matched: Location | None = None  # which ground-truth place the diagnosis hit
    message: str


def normalize_name(value: str | None) -> str:
    """Names compare case- and whitespace-insensitively (``Leaf1 `` == ``leaf1``)."""
    return (value or "").strip().lower()


def _address_index(topology: Topology) -> dict[str, str]:
    """An agent may name a device by one of its addresses; map those to device names."""
    index: dict[str, str] = {}
    for dev in topology.devices:
        if dev.loopback:
            index[dev.loopback.split("/")[0]] = dev.name
        for itf in dev.interfaces:
            index[itf.ip] = dev.name
    return index


def _split(device: str | None, interface: str | None) -> tuple[str, str]:
    """Accept ``device="leaf1:eth1"`` with no interface: agents often answer a pair in one field."""
    dev, itf = normalize_name(device), normalize_name(interface)
    if not itf and ":" in dev:
        dev, _, itf = dev.partition(":")
    return dev, itf


def _fault_types_match(expected: str, got: str | None) -> bool:
    if not got:
        return False
    from ..faults import normalize_fault_type

    try:
        return normalize_fault_type(expected) == normalize_fault_type(got)
    except (KeyError, ValueError):
        # an unknown name (not a registered type or alias) cannot be the expected type
        return False


def describe_expected(truth: GroundTruth | None) -> str:
    if truth is None:
        return "network_healthy"
    where = truth.device + (f":{truth.interface}" if truth.interface else "")
    alt = [e.device + (f":{e.interface}" if e.interface else "") for e in truth.equivalent]
    also = f" (or {', '.join(alt)})" if alt else ""
    return f"fault_detected {truth.fault_type} at {where}{also}"


def describe_got(diagnosis: DiagnosisResult) -> str:
    if diagnosis.verdict != "fault_detected":
        return diagnosis.verdict
    where = (diagnosis.device or "?") + (f":{diagnosis.interface}" if diagnosis.interface else "")
    return f"fault_detected {diagnosis.fault_type or '(no fault type)'} at {where}"


def score_case(truth: GroundTruth | None, diagnosis: DiagnosisResult, topology: Topology) -> CaseScore:
    """Score one diagnosis against the ground truth (``None`` for a healthy scenario)."""
    expected_verdict = "network_healthy" if truth is None else "fault_detected"
    verdict_ok = diagnosis.verdict == expected_verdict
    base = f"expected {describe_expected(truth)}; got {describe_got(diagnosis)}"
    if truth is None:
        return CaseScore(
            score=1.0 if verdict_ok else 0.0,
            expected_verdict=expected_verdict,
            verdict_correct=verdict_ok,
            device_correct=verdict_ok,
            interface_correct=None,
            fault_type_correct=None,
            message=base,
        )
    type_ok = _fault_types_match(truth.fault_type, diagnosis.fault_type)
    dev, itf = _split(diagnosis.device, diagnosis.interface)
    dev = normalize_name(_address_index(topology).get(dev, dev))
    places = (Location(device=truth.device, interface=truth.interface), *truth.equivalent)
    device_hit = next((p for p in places if normalize_name(p.device) == dev), None) if dev else None
    pair_hit = (
        next(
            (
                p
                for p in places
                if normalize_name(p.device) == dev and p.interface and normalize_name(p.interface) == itf
            ),
            None,
        )
        if dev and itf
        else None
    )
    has_interface = truth.interface is not None
    device_ok = device_hit is not None
    interface_ok: bool | None = (pair_hit is not None) if has_interface else None
    if not verdict_ok:
        score = 0.0
    elif has_interface:
        score = 0.5 * device_ok + 0.5 * bool(interface_ok)
    else:
        score = 1.0 if device_ok else 0.0
    return CaseScore(
        score=score,
        expected_verdict=expected_verdict,
        verdict_correct=verdict_ok,
        device_correct=device_ok,
        interface_correct=interface_ok,
        fault_type_correct=type_ok,
        matched=pair_hit or device_hit,
        message=base,
    )


def passes(score: float, fault_type_correct: bool | None, *, pass_score: float, requires_type: bool) -> bool:
    """The pass rule: the score reaches the pass score and, with ``requires_type``
    (``--netopsbench-pass-requires-type``), a fault case also names the right fault type
    (``fault_type_correct`` is None for healthy cases, where there is no type to name)."""
    if score < pass_score:
        return False
    return not (requires_type and fault_type_correct is False)


def pass_rule(pass_score: float, requires_type: bool) -> str:
    """How the rule reads in a case message: ``pass score 1`` or ``pass score 1 and right type``."""
    return f"pass score {pass_score:g}" + (" and right fault type" if requires_type else "")
