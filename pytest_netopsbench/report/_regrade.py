"""Regrading a saved run: rescore every saved diagnosis against its saved ground truth with the
current scoring rules and the given pass rule, into a new report. No lab, no agent.

Each ``CaseRecord`` (``cases.jsonl``, and the cases of ``report.json``) holds the ground truth
(``expected``) and the agent's answer (``diagnosis``); ``traces/results.jsonl`` has the same pair
per traced case. A case without a diagnosis (agent error, timeout, invalid result, harness error,
skip) keeps its outcome: there is nothing to rescore. The trivial baselines' saved answers
(``CaseRecord.baselines``) are rescored the same way."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from .. import scoring
from ..records import BenchmarkReport, CaseRecord, RunMeta
from ._baselines import rescore_baselines
from ._build import build_report
from ._io import REPORT_FILE, load_report
from ._rundir import RunDir

if TYPE_CHECKING:
    from ..topology import Topology

__all__ = ["REGRADED_FILE", "RegradeResult", "regrade_cases", "regrade_run"]

REGRADED_FILE = "report.regraded.json"
_RESCORED = ("correct", "wrong")


class RegradeResult(BaseModel):
    report: BenchmarkReport
    #: cases whose saved diagnosis was scored again
    rescored: int = 0
    #: case ids whose pass/fail changed, and whose score changed
    changed_pass: list[str] = Field(default_factory=list)
    changed_score: list[str] = Field(default_factory=list)


@cache
def _topology(scale: str) -> Topology:
    # imported here: most report commands never score, and topology building is not free
    from ..topology import build_topology

    return build_topology(scale)


def _rescore(case: CaseRecord, pass_score: float, requires_type: bool) -> CaseRecord:
    if case.baselines:  # they answered even when the agent did not
        case = case.model_copy(
            update={"baselines": rescore_baselines(case, _topology(case.scale), pass_score, requires_type)}
        )
    if case.outcome not in _RESCORED or case.diagnosis is None:
        return case
    result = scoring.score_case(case.expected, case.diagnosis, _topology(case.scale))
    passed = scoring.passes(
        result.score, result.fault_type_correct, pass_score=pass_score, requires_type=requires_type
    )
    return case.model_copy(
        update={
            "score": result.score,
            "verdict_correct": result.verdict_correct,
            "device_correct": result.device_correct,
            "interface_correct": result.interface_correct,
            "fault_type_correct": result.fault_type_correct,
            "passed": passed,
            "outcome": "correct" if passed else "wrong",
            "message": f"score {result.score:g} ({scoring.pass_rule(pass_score, requires_type)}): "
            f"{result.message}",
        }
    )


def regrade_cases(
    meta: RunMeta,
    cases: list[CaseRecord],
    *,
    pass_score: float | None = None,
    requires_type: bool | None = None,
    resamples: int = 2000,
) -> RegradeResult:
    """Rescore ``cases``; the pass rule defaults to the run's own (``meta``)."""
    score_rule = meta.pass_score if pass_score is None else pass_score
    type_rule = meta.pass_requires_type if requires_type is None else requires_type
    if not 0.0 <= score_rule <= 1.0:
        from ..errors import ReportError

        raise ReportError(f"pass score {score_rule:g} is outside 0..1")
    new = [_rescore(c, score_rule, type_rule) for c in cases]
    new_meta = meta.model_copy(
        update={"pass_score": score_rule, "pass_requires_type": type_rule, "regraded": True}
    )
    return RegradeResult(
        report=build_report(new_meta, new, resamples=resamples),
        rescored=sum(c.outcome in _RESCORED and c.diagnosis is not None for c in cases),
        changed_pass=[o.case_id for o, n in zip(cases, new, strict=True) if o.passed != n.passed],
        changed_score=[o.case_id for o, n in zip(cases, new, strict=True) if abs(o.score - n.score) > 1e-9],
    )


def regrade_run(
    path: str | Path,
    *,
    pass_score: float | None = None,
    requires_type: bool | None = None,
    resamples: int = 2000,
) -> RegradeResult:
    """Regrade a run directory (its ``report.json``, or ``cases.jsonl`` when the run never
    finished) or a report file."""
    p = Path(path)
    if p.is_file():
        report = load_report(p)
        meta, cases = report.run, list(report.cases)
    elif (p / REPORT_FILE).is_file():
        report = load_report(p / REPORT_FILE)
        meta, cases = report.run, list(report.cases)
    else:
        cases = list(RunDir(p).iter_cases())
        if not cases:
            from ..errors import ReportError

            raise ReportError("neither report.json nor cases.jsonl: nothing to regrade", file=str(p))
        meta = RunMeta(run_id=p.name)
    return regrade_cases(meta, cases, pass_score=pass_score, requires_type=requires_type, resamples=resamples)
