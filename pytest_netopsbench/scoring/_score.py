"""Scoring one case (rules in docs/scoring.md).

Healthy case: 1 when the verdict is ``network_healthy``, else 0. Fault case: 0 unless the verdict
is ``fault_detected``; then, when the fault has an interface, 0.5 for the right device plus 0.5
for the right device:interface *pair* (either end of a faulty link counts); without an interface,
1.0 for the right device. Interface credit never goes to a wrong device, unlike NetOpsBench, which
pays 0.5 for a common interface name on any switch. The fault type is its own KPI, reported next
to the score and never folded into it.

Several findings, or a compound ground truth (several faults): each true fault is matched to at most
one finding (the assignment with the highest total location score), and

    score = (sum of the matched location scores / number of true faults) * precision
    precision = findings that located a true fault / findings given

so a single finding against a single fault scores exactly as above.
"""

from __future__ import annotations

from itertools import permutations

from pydantic import BaseModel

from ..diagnosis import DiagnosisResult, Finding, GroundTruth, Location
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
    faults_total: int = 1  # true faults in the case (0 for healthy)
    faults_found: int = 0  # true faults whose device a finding named
    precision: float = 1.0  # findings that located a true fault / findings given


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


def _where(device: str | None, interface: str | None) -> str:
    return (device or "?") + (f":{interface}" if interface else "")


def describe_expected(truth: GroundTruth | None) -> str:
    if truth is None:
        return "network_healthy"
    parts = []
    for fault in truth.faults():
        alt = [_where(e.device, e.interface) for e in fault.equivalent]
        also = f" (or {', '.join(alt)})" if alt else ""
        parts.append(f"{fault.fault_type} at {_where(fault.device, fault.interface)}{also}")
    return "fault_detected " + " + ".join(parts)


def describe_got(diagnosis: DiagnosisResult) -> str:
    if diagnosis.verdict != "fault_detected":
        return diagnosis.verdict
    findings = diagnosis.findings or [Finding()]
    return "fault_detected " + " + ".join(
        f"{f.fault_type or '(no fault type)'} at {_where(f.device, f.interface)}" for f in findings
    )


class _Match(BaseModel):
    score: float
    device_ok: bool
    interface_ok: bool | None
    type_ok: bool
    matched: Location | None


def _match(truth: GroundTruth, finding: Finding, index: dict[str, str]) -> _Match:
    """The location score of one finding against one true fault (verdict aside)."""
    dev, itf = _split(finding.device, finding.interface)
    dev = normalize_name(index.get(dev, dev))
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
    score = (0.5 * device_ok + 0.5 * bool(interface_ok)) if has_interface else (1.0 if device_ok else 0.0)
    return _Match(
        score=score,
        device_ok=device_ok,
        interface_ok=interface_ok,
        type_ok=_fault_types_match(truth.fault_type, finding.fault_type),
        matched=pair_hit or device_hit,
    )


def _assign(table: list[list[_Match]]) -> list[int | None]:
    """For each true fault (row), the finding (column) it is matched to: each finding used once,
    highest total score first, then most right fault types, then the earliest findings."""
    rows, cols = len(table), len(table[0]) if table else 0
    best: tuple[float, int] = (-1.0, -1)
    pick: list[int | None] = [None] * rows
    slots: list[int | None] = [*range(cols), *([None] * rows)]
    for perm in dict.fromkeys(permutations(slots, rows)):
        total = sum(table[r][c].score for r, c in enumerate(perm) if c is not None)
        types = sum(table[r][c].type_ok for r, c in enumerate(perm) if c is not None)
        if (total, types) > best:
            best, pick = (total, types), list(perm)
    return pick


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
            faults_total=0,
        )
    faults = truth.faults()
    # A long list of guesses is not searched exhaustively: beyond 6 findings only the first 6 can
    # match (the rest still count against precision).
    findings = diagnosis.findings or [Finding()]
    index = _address_index(topology)
    table = [[_match(t, f, index) for f in findings[:6]] for t in faults]
    pick = _assign(table)
    matches = [table[r][c] if c is not None else None for r, c in enumerate(pick)]
    located = sum(1 for m in matches if m is not None and m.score > 0)
    precision = located / len(diagnosis.findings) if diagnosis.findings else 1.0
    recall = sum(m.score for m in matches if m is not None) / len(faults)
    with_itf = [m for t, m in zip(faults, matches, strict=True) if t.interface is not None]
    first = matches[0]
    return CaseScore(
        score=recall * precision if verdict_ok else 0.0,
        expected_verdict=expected_verdict,
        verdict_correct=verdict_ok,
        device_correct=all(m is not None and m.device_ok for m in matches),
        interface_correct=(
            all(m is not None and bool(m.interface_ok) for m in with_itf) if with_itf else None
        ),
        fault_type_correct=all(m is not None and m.type_ok for m in matches),
        matched=first.matched if first is not None else None,
        message=base,
        faults_total=len(faults),
        faults_found=sum(1 for m in matches if m is not None and m.device_ok),
        precision=round(precision, 6),
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
