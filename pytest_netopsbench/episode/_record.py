"""``new_case_record``: the one place a ``CaseRecord`` is made. Everything that follows from the
scenario (ids, labels, expected verdict) is set here, so a case that never reached its agent
(skipped, lab failed) carries the same fields as one that ran."""

from __future__ import annotations

import time
from typing import Literal

from ..faults import GroundTruth
from ..report import CaseRecord, Outcome
from ..scenario import Scenario
from ._context import new_case_id

__all__ = ["append_message", "new_case_record", "scenario_truth"]


def scenario_truth(scenario: Scenario) -> GroundTruth | None:
    """The ground truth of the scenario's fault on a fresh topology of its scale (None if healthy)."""
    if scenario.fault is None:
        return None
    from ..faults import build_fault
    from ..topology import build_topology

    spec = scenario.fault
    fault = build_fault(spec.type, dict(spec.target), dict(spec.params), build_topology(scenario.scale))
    return fault.ground_truth()


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
        fault_type=scenario.fault.type if scenario.fault else None,
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
