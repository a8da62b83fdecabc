"""Headline metrics over a set of case records (formulas and their rationale: docs/metrics.md).

Cases the harness could not run fairly (outcome ``infra_error`` or ``skipped``) are counted in
``outcomes`` and ``excluded_cases`` but enter no agent metric: a harness fault is never charged to
the agent. Every rate whose denominator is empty is ``None``, never 0, so "no healthy cases" and
"all healthy cases wrong" stay distinguishable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from ..records import OUTCOMES, CaseRecord, Summary

__all__ = [
    "EXCLUDED_OUTCOMES",
    "HEALTHY_KEY",
    "breakdowns",
    "case_fault_type",
    "case_kind",
    "is_scored",
    "percentile",
    "strict_correct",
    "summarize",
]

#: outcomes that say nothing about the agent (the harness failed, or the case was not run)
EXCLUDED_OUTCOMES: frozenset[str] = frozenset({"infra_error", "skipped"})
#: the breakdown key of healthy (negative) cases in the fault-type breakdown
HEALTHY_KEY = "healthy"
_UNKNOWN = "unknown"


def is_scored(case: CaseRecord) -> bool:
    """Whether a case counts toward agent metrics."""
    return case.outcome not in EXCLUDED_OUTCOMES


def case_fault_type(case: CaseRecord) -> str:
    """The fault-type breakdown key: the expected fault type, ``healthy`` for negative cases."""
    if case.healthy:
        return HEALTHY_KEY
    if case.fault_type:
        return case.fault_type
    return case.expected.fault_type if case.expected is not None else _UNKNOWN


def case_kind(case: CaseRecord) -> str:
    """The case-kind breakdown key: ``healthy``, ``single`` or ``compound``, then ``+intermittent``
    and ``+red_herrings`` when they apply (``compound+red_herrings``)."""
    head = HEALTHY_KEY if case.healthy else "compound" if case.compound else "single"
    extra = ("+intermittent" if case.intermittent else "") + ("+red_herrings" if case.red_herrings else "")
    return head + extra


def interface_applicable(case: CaseRecord) -> bool:
    return not case.healthy and case.interface_correct is not None


def device_localized(case: CaseRecord) -> bool:
    return case.verdict_correct and case.device_correct


def interface_localized(case: CaseRecord) -> bool:
    # device_correct is required too: a right interface name on the wrong device is no localization
    # (every switch has an eth1); both flags are already link-peer aware from the scorer.
    return case.verdict_correct and case.device_correct and bool(case.interface_correct)


def strict_correct(case: CaseRecord) -> bool:
    """Verdict, location and fault type all right (healthy cases: the verdict)."""
    if case.healthy:
        return case.verdict_correct
    return device_localized(case) and case.interface_correct is not False and case.fault_type_correct is True


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) with linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _f1(tp: int, fp: int, fn: int) -> float | None:
    den = 2 * tp + fp + fn
    return 2 * tp / den if den else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(cases: Iterable[CaseRecord]) -> Summary:
    """Compute the headline metrics of ``cases`` (any mix of scales, trials and outcomes)."""
    all_cases = list(cases)
    outcomes = {name: 0 for name in OUTCOMES}
    for case in all_cases:
        outcomes[case.outcome] = outcomes.get(case.outcome, 0) + 1
    scored = [c for c in all_cases if is_scored(c)]
    faults = [c for c in scored if not c.healthy]
    healthy = [c for c in scored if c.healthy]
    itf = [c for c in faults if interface_applicable(c)]

    tp = sum(c.verdict_correct for c in faults)
    fn = len(faults) - tp
    tn = sum(c.verdict_correct for c in healthy)
    # a healthy case answered "inconclusive" is a false alarm too: only network_healthy clears it
    fp = len(healthy) - tn
    fault_f1 = _f1(tp, fp, fn)
    healthy_f1 = _f1(tn, fn, fp)
    macro = None
    if healthy and fault_f1 is not None and healthy_f1 is not None:
        macro = (fault_f1 + healthy_f1) / 2

    seconds = [c.agent_seconds for c in scored]
    costs = [c.cost_usd for c in scored if c.cost_usd is not None]
    passed = sum(c.passed for c in scored)
    return Summary(
        cases=len(all_cases),
        scored_cases=len(scored),
        excluded_cases=len(all_cases) - len(scored),
        fault_cases=len(faults),
        healthy_cases=len(healthy),
        interface_cases=len(itf),
        passed=passed,
        pass_rate=_ratio(passed, len(scored)),
        mean_score=_mean([c.score for c in scored]),
        true_positives=tp,
        false_positives=fp,
        true_negatives=tn,
        false_negatives=fn,
        detection_accuracy=_ratio(tp + tn, len(scored)),
        detection_precision=_ratio(tp, tp + fp),
        detection_recall=_ratio(tp, len(faults)),
        detection_f1=fault_f1,
        detection_macro_f1=macro,
        false_positive_rate=_ratio(fp, len(healthy)),
        device_localization_rate=_ratio(sum(device_localized(c) for c in faults), len(faults)),
        interface_localization_rate=_ratio(sum(interface_localized(c) for c in itf), len(itf)),
        fault_type_accuracy=_ratio(sum(c.fault_type_correct is True for c in faults), len(faults)),
        strict_accuracy=_ratio(sum(strict_correct(c) for c in scored), len(scored)),
        mean_agent_seconds=_mean(seconds),
        p90_agent_seconds=percentile(seconds, 0.9),
        mean_tool_calls=_mean([float(c.tool_calls) for c in scored]),
        tool_calls=sum(c.tool_calls for c in scored),
        tool_errors=sum(c.tool_errors for c in scored),
        llm_calls=sum(c.llm_calls for c in scored),
        input_tokens=sum(c.input_tokens for c in scored),
        output_tokens=sum(c.output_tokens for c in scored),
        mean_input_tokens=_mean([float(c.input_tokens) for c in scored]),
        mean_output_tokens=_mean([float(c.output_tokens) for c in scored]),
        cost_usd=sum(costs) if costs else None,
        mean_cost_usd=_mean(costs),
        outcomes=outcomes,
    )


_DIMENSIONS: dict[str, Callable[[CaseRecord], str]] = {
    "fault_type": case_fault_type,
    "scale": lambda c: c.scale,
    "difficulty": lambda c: c.difficulty,
    "kind": case_kind,
}


def breakdowns(cases: Iterable[CaseRecord]) -> dict[str, dict[str, Summary]]:
    """``{dimension: {value: Summary}}`` for fault type (healthy cases under ``healthy``), scale,
    difficulty and case kind (:func:`case_kind`); values sorted so reports diff cleanly."""
    all_cases = list(cases)
    out: dict[str, dict[str, Summary]] = {}
    for dim, key_of in _DIMENSIONS.items():
        groups: dict[str, list[CaseRecord]] = {}
        for case in all_cases:
            groups.setdefault(key_of(case), []).append(case)
        out[dim] = {key: summarize(groups[key]) for key in sorted(groups)}
    return out
