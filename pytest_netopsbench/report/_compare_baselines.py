"""A comparison's context: each run's agent next to the trivial baselines on its compared cases (the
scored cases of the shared scenarios), so a difference between two runs can be read against what
answering without looking scores on those same episodes (docs/metrics.md, "Comparing two runs")."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from .. import scoring
from ..records import CaseRecord
from ._baselines import strongest_first

__all__ = ["NO_BASELINES", "BaselineContext", "baseline_context", "context_table"]

#: what a run without baseline scores on its compared cases shows instead of numbers (runs built
#: with ``--netopsbench-no-baselines``, reports from before baselines existed)
NO_BASELINES = "no baselines recorded"


class BaselineContext(BaseModel):
    """One run's mean scores on the compared cases that have baseline scores. A case without them
    (a shard run with ``--netopsbench-no-baselines`` merged in) is left out for the agent too, so
    ``agent`` and ``baselines`` are over the same episodes."""

    cases: int
    agent: float
    #: each baseline's mean score, by name
    baselines: dict[str, float] = Field(default_factory=dict)
    #: the stronger baseline: the highest mean score (then the name), the one the agent must beat
    best: str
    #: ``agent - baselines[best]``: the agent's margin over the stronger baseline
    margin: float


def baseline_context(cases: Iterable[CaseRecord]) -> BaselineContext | None:
    """The context of ``cases`` (a run's compared cases); ``None`` when none has baseline scores."""
    rows = scoring.baseline_comparison(cases)
    if not rows:
        return None
    every = rows[-1]  # the row over every tier and scale
    ranked = [(name, s.mean_score) for name, s in strongest_first(every) if s.mean_score is not None]
    if every.agent.mean_score is None or not ranked:
        return None
    best, top = ranked[0]
    return BaselineContext(
        cases=every.agent.cases,
        agent=every.agent.mean_score,
        baselines=dict(ranked),
        best=best,
        margin=every.agent.mean_score - top,
    )


def context_table(
    a: BaselineContext | None, b: BaselineContext | None
) -> tuple[list[str], list[tuple[str, list[str] | None]]]:
    """The header (run, cases, agent, each baseline by name, margin) and one row per run, A then B:
    its cells, or ``None`` when it has no baseline scores. A baseline only one run has is ``-`` in
    the other's row."""
    names = sorted({name for ctx in (a, b) if ctx is not None for name in ctx.baselines})
    header = ["run", "cases", "agent", *names, "margin over the better baseline"]
    rows: list[tuple[str, list[str] | None]] = []
    for side, ctx in (("A", a), ("B", b)):
        if ctx is None:
            rows.append((side, None))
            continue
        means = [f"{ctx.baselines[n]:.3f}" if n in ctx.baselines else "-" for n in names]
        rows.append(
            (side, [side, str(ctx.cases), f"{ctx.agent:.3f}", *means, f"{ctx.margin:+.3f} ({ctx.best})"])
        )
    return header, rows
