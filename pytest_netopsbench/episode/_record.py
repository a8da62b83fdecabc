"""``new_case_record``: the one place a ``CaseRecord`` is made. Everything that follows from the
scenario (ids, labels, expected verdict) is set here, so a case that never reached its agent
(skipped, lab failed) carries the same fields as one that ran."""

from __future__ import annotations

import time
from typing import Literal

from ..diagnosis import DiagnosisResult
from ..faults import GroundTruth
from ..report import CaseRecord, Outcome
from ..scenario import Scenario
from ..scoring import CaseScore, pass_rule, passes
from ..trace import TraceTotals
from ._agent import AgentCall
from ._context import new_case_id

__all__ = ["append_message", "new_case_record", "record_score", "record_usage", "scenario_truth"]


def scenario_truth(scenario: Scenario) -> GroundTruth | None:
    """The ground truth of the scenario's faults on a fresh topology of its scale (None if
    healthy; one ``GroundTruth`` with ``also`` for a compound case)."""
    if scenario.healthy:
        return None
    from ..faults import build_fault
    from ..topology import build_topology

    topology = build_topology(scenario.scale)
    return GroundTruth.compound(
        [
            build_fault(s.type, dict(s.target), dict(s.params), topology).ground_truth()
            for s in scenario.fault_specs
        ]
    )


def new_case_record(
    scenario: Scenario,
    *,
    run_id: str,
    nodeid: str,
    trial: int = 0,
    worker: str = "master",
    lab: str = "",
    truth: GroundTruth | None = None,
    outcome: Outcome = "infra_error",
    message: str = "",
    finished: bool = False,
    isolation: Literal["sandbox", "none"] = "none",
) -> CaseRecord:
    """A case's record. It starts as ``infra_error`` so a harness crash is never reported as an
    agent result; the episode fills in the rest. ``finished``: the case ends here (no episode ran),
    so ``started``/``ended`` are now."""
    now = time.time() if finished else 0.0
    return CaseRecord(
        case_id=new_case_id(),
        scenario_id=scenario.scenario_id,
        nodeid=nodeid,
        trial=trial,
        scale=scenario.scale,
        difficulty=scenario.difficulty,
        tags=list(scenario.tags),
        healthy=scenario.healthy,
        # a compound case's first fault (the one its ground truth leads with); all are in expected
        fault_type=scenario.fault_specs[0].type if scenario.fault_specs else None,
        compound=scenario.compound,
        intermittent=scenario.intermittent,
        red_herrings=[h.type for h in scenario.red_herrings],
        campaign=scenario.campaign,
        tier=scenario.tier,
        expected=truth,
        expected_verdict="network_healthy" if scenario.healthy else "fault_detected",
        outcome=outcome,
        message=message,
        worker=worker,
        lab=lab,
        isolation=isolation,
        started=now,
        ended=now,
    )


def append_message(record: CaseRecord, text: str) -> None:
    """Add ``text`` to the record's message (``; ``-separated), keeping what earlier phases said."""
    record.message = "; ".join(p for p in (record.message, text) if p)


def record_usage(rec: CaseRecord, call: AgentCall, totals: TraceTotals) -> None:
    """The agent's time and traced usage; the usage a diagnosis reports itself counts only when
    the agent traced no LLM call (an untraced agent is taken at its word)."""
    rec.agent_seconds = round(call.seconds, 4)
    rec.tool_calls, rec.tool_errors, rec.llm_calls = totals.tool_calls, totals.tool_errors, totals.llm_calls
    rec.input_tokens, rec.output_tokens, rec.cost_usd = (
        totals.input_tokens,
        totals.output_tokens,
        totals.cost_usd,
    )
    usage = call.diagnosis.usage if call.diagnosis is not None else None
    if usage is not None and totals.llm_calls == 0:
        rec.input_tokens, rec.output_tokens, rec.llm_calls = (
            usage.input_tokens,
            usage.output_tokens,
            usage.llm_calls,
        )
        rec.cost_usd = usage.cost_usd


def record_score(
    rec: CaseRecord, diagnosis: DiagnosisResult, result: CaseScore, *, pass_score: float, requires_type: bool
) -> str:
    """Put a scored answer on the record; returns the case's message."""
    rec.diagnosis = diagnosis
    rec.score = result.score
    rec.verdict_correct, rec.device_correct = result.verdict_correct, result.device_correct
    rec.interface_correct, rec.fault_type_correct = result.interface_correct, result.fault_type_correct
    rec.passed = passes(
        result.score, result.fault_type_correct, pass_score=pass_score, requires_type=requires_type
    )
    rec.outcome = "correct" if rec.passed else "wrong"
    return f"score {result.score:g} ({pass_rule(pass_score, requires_type)}): {result.message}"
