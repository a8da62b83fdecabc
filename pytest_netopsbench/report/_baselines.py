"""The agent next to the trivial baselines in every view of a report: the terminal table (and so
``report show`` and the HTML page), one line for headers, JUnit suite properties, and regrading the
baselines' saved answers (docs/reference-agent.md#baselines)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import scoring
from ..records import BaselineComparison, BaselineScore, BenchmarkReport, CaseRecord, Standing

if TYPE_CHECKING:
    from ..topology import Topology

__all__ = [
    "baseline_line",
    "baseline_properties",
    "baseline_table",
    "rescore_baselines",
    "strongest_first",
]


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _cell(s: Standing | None) -> str:
    if s is None or s.mean_score is None:
        return "-"
    rate = "-" if s.pass_rate is None else f"{100 * s.pass_rate:.1f}%"
    return f"{_score(s.mean_score)} / {rate}"


def _agent_label(report: BenchmarkReport) -> str:
    return report.run.agent or "agent"


def strongest_first(row: BaselineComparison) -> list[tuple[str, Standing]]:
    """Baselines strongest first (then by name), so the one an agent must beat comes first."""
    return sorted(row.baselines.items(), key=lambda kv: (-(kv[1].mean_score or 0.0), kv[0]))


def baseline_line(row: BaselineComparison, agent: str, *, pass_rate: bool = False) -> str:
    """``reference 1.000 | baseline-worst-pair 0.310 | baseline-healthy 0.167``: mean scores (or
    pass rates), the agent first, then the baselines strongest first."""
    cells = [(agent, row.agent), *strongest_first(row)]
    return " | ".join(f"{name} {_score(s.pass_rate if pass_rate else s.mean_score)}" for name, s in cells)


def overall(report: BenchmarkReport) -> BaselineComparison | None:
    return report.baselines[-1] if report.baselines else None


def baseline_table(report: BenchmarkReport) -> list[str]:
    """The comparison as terminal lines (none when the report has no baseline scores)."""
    rows = report.baselines
    if not rows:
        return []
    agent = _agent_label(report)
    names = [name for name, _ in strongest_first(rows[-1])]
    table = [["tier", "scale", "cases", agent, *names]]
    for row in rows:
        base = [_cell(row.baselines.get(name)) for name in names]
        table.append([row.tier, row.scale, str(row.agent.cases), _cell(row.agent), *base])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs)

    body = [line(r) for r in table]
    title = "against the trivial baselines on the same episodes (mean score / pass rate)"
    return [title, *("  " + b for b in body[:1]), "  " + "-" * len(body[0]), *("  " + b for b in body[1:])]


def baseline_properties(report: BenchmarkReport) -> dict[str, str]:
    """JUnit suite properties: ``baselines`` (mean scores over every compared case),
    ``baselines.pass_rate`` and ``baselines.<tier>.<scale>`` (mean scores of that group)."""
    if not report.baselines:
        return {}
    agent = _agent_label(report)
    *groups, last = report.baselines
    props = {
        "baselines": baseline_line(last, agent),
        "baselines.pass_rate": baseline_line(last, agent, pass_rate=True),
    }
    for row in groups:
        props[f"baselines.{row.tier}.{row.scale}"] = baseline_line(row, agent)
    return props


def rescore_baselines(
    case: CaseRecord, topology: Topology, pass_score: float, requires_type: bool
) -> dict[str, BaselineScore]:
    """Every saved baseline answer scored again (current rules, the given pass rule)."""
    out: dict[str, BaselineScore] = {}
    for name, base in case.baselines.items():
        if base.diagnosis is None:
            out[name] = base
            continue
        result = scoring.score_case(case.expected, base.diagnosis, topology)
        passed = scoring.passes(
            result.score, result.fault_type_correct, pass_score=pass_score, requires_type=requires_type
        )
        out[name] = base.model_copy(
            update={"score": result.score, "passed": passed, "outcome": "correct" if passed else "wrong"}
        )
    return out
