"""The agent next to the trivial baselines (``baseline-healthy``, ``baseline-worst-pair``) on the
same episodes, per tier and scale (docs/reference-agent.md#baselines).

Each case record carries the baselines' scores on its own episode; a comparison takes the scored
cases (no harness failure, no skip) that have them, so the agent and the baselines are measured on
exactly the same cases. An agent that crashed or timed out scores 0 there, as in every metric."""

from __future__ import annotations

from collections.abc import Iterable

from ..records import BaselineComparison, CaseRecord, Standing
from ..topology import SCALES
from ._metrics import is_scored

__all__ = ["ALL", "baseline_comparison"]

#: the tier and scale of the row over every case
ALL = "all"


def _order(key: tuple[str, str]) -> tuple[bool, str, int, str]:
    """The standard tier first, then the others by name; scales smallest first."""
    tier, scale = key
    rank = list(SCALES).index(scale) if scale in SCALES else len(SCALES)
    return (tier != "standard", tier, rank, scale)


def _standing(scores: list[float], passed: list[bool]) -> Standing:
    n = len(scores)
    return Standing(
        cases=n,
        passed=sum(passed),
        pass_rate=sum(passed) / n if n else None,
        mean_score=sum(scores) / n if n else None,
    )


def _row(tier: str, scale: str, cases: list[CaseRecord]) -> BaselineComparison:
    names = sorted({name for c in cases for name in c.baselines})
    baselines = {}
    for name in names:
        # a shard run without baselines merged with one with them: each baseline over its own cases
        mine = [c.baselines[name] for c in cases if name in c.baselines]
        baselines[name] = _standing([b.score for b in mine], [b.passed for b in mine])
    return BaselineComparison(
        tier=tier,
        scale=scale,
        agent=_standing([c.score for c in cases], [c.passed for c in cases]),
        baselines=baselines,
    )


def baseline_comparison(cases: Iterable[CaseRecord]) -> list[BaselineComparison]:
    """One row per (tier, scale) (the standard tier first, scales smallest first), then the row
    over all of them; ``[]`` when no scored case
    has baseline scores (runs with ``--netopsbench-no-baselines``, reports from before them)."""
    compared = [c for c in cases if is_scored(c) and c.baselines]
    if not compared:
        return []
    groups: dict[tuple[str, str], list[CaseRecord]] = {}
    for case in compared:
        groups.setdefault((case.tier, case.scale), []).append(case)
    rows = [_row(tier, scale, groups[(tier, scale)]) for tier, scale in sorted(groups, key=_order)]
    return [*rows, _row(ALL, ALL, compared)]
