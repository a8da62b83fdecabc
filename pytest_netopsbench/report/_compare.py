"""Comparing two runs on the scenarios both ran: per-metric difference with a paired bootstrap
interval, and the scenarios where they disagree."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .. import scoring
from ..errors import ReportError
from ..records import BenchmarkReport, CaseRecord, ConfidenceInterval
from ._compare_baselines import NO_BASELINES, BaselineContext, baseline_context, context_table

__all__ = [
    "MIN_SCENARIOS_FOR_AHEAD",
    "BaselineContext",
    "CaseDiff",
    "Comparison",
    "MetricDiff",
    "compare_reports",
    "render_comparison",
]

#: metrics compared, in display order (all have a paired bootstrap)
COMPARED = (
    "mean_score",
    "pass_rate",
    "detection_f1",
    "false_positive_rate",
    "device_localization_rate",
    "interface_localization_rate",
    "fault_type_accuracy",
    "strict_accuracy",
)
# for these, a lower value is better; the table marks which run is ahead accordingly
_LOWER_IS_BETTER = frozenset({"false_positive_rate"})
#: a run is called "ahead" on a metric only when at least this many shared scenarios enter the
#: metric's denominator: below it a bootstrap interval is degenerate (one healthy case gives
#: [+1, +1]) and says nothing about the agents
MIN_SCENARIOS_FOR_AHEAD = 5
#: which shared scenarios enter each metric (the rest enter every scenario)
_DENOMINATOR = {
    "false_positive_rate": "healthy",
    "device_localization_rate": "fault",
    "fault_type_accuracy": "fault",
    "interface_localization_rate": "interface",
}


class MetricDiff(BaseModel):
    metric: str
    a: float | None
    b: float | None
    #: ``b - a`` with its paired bootstrap interval (``value`` is the point difference)
    diff: ConfidenceInterval
    #: shared scenarios that enter this metric (its denominator, in scenarios)
    scenarios: int = 0
    #: "a", "b" or "": the interval excludes 0 and at least ``MIN_SCENARIOS_FOR_AHEAD`` scenarios
    #: enter the metric; "" otherwise
    better: str = ""


class CaseDiff(BaseModel):
    """One shared scenario on which the runs disagree (all scored trials of each run)."""

    scenario_id: str
    a_outcomes: list[str]
    b_outcomes: list[str]
    a_score: float  # mean over trials
    b_score: float
    a_passed: int  # trials passed
    b_passed: int
    a_answer: str = ""  # the first trial's answer
    b_answer: str = ""


class Comparison(BaseModel):
    a_run: str
    b_run: str
    a_agent: str = ""
    b_agent: str = ""
    a_campaign: str | None = None
    b_campaign: str | None = None
    #: scenarios with at least one scored case in both runs; every metric is computed on these
    shared_scenarios: int
    #: scored cases of the shared scenarios, the ones compared
    a_cases: int = 0
    b_cases: int = 0
    #: every case in each report (scored or not, shared or not)
    a_total_cases: int = 0
    b_total_cases: int = 0
    min_scenarios_for_ahead: int = MIN_SCENARIOS_FOR_AHEAD
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    metrics: list[MetricDiff] = Field(default_factory=list)
    disagreements: list[CaseDiff] = Field(default_factory=list)
    #: each run's agent and the trivial baselines on its compared cases; ``None``: no baseline
    #: scores there (``--netopsbench-no-baselines``, or a report from before baselines)
    a_baselines: BaselineContext | None = None
    b_baselines: BaselineContext | None = None


def _answer(case: CaseRecord) -> str:
    d = case.diagnosis
    if d is None:
        return case.outcome
    where = ":".join(x for x in (d.device, d.interface) if x)
    return " ".join(x for x in (d.verdict, d.fault_type or "", where) if x)


def _by_scenario(report: BenchmarkReport) -> dict[str, list[CaseRecord]]:
    out: dict[str, list[CaseRecord]] = {}
    for case in sorted(report.cases, key=lambda c: (c.scenario_id, c.trial)):
        if scoring.is_scored(case):
            out.setdefault(case.scenario_id, []).append(case)
    return out


def _differs(xs: list[CaseRecord], ys: list[CaseRecord]) -> bool:
    if len(xs) == len(ys):
        return any(
            x.passed != y.passed or x.outcome != y.outcome or abs(x.score - y.score) > 1e-9
            for x, y in zip(xs, ys, strict=True)
        )
    # different trial counts: compare what each run did on the scenario overall
    return sum(x.passed for x in xs) / len(xs) != sum(y.passed for y in ys) / len(ys) or sorted(
        {x.outcome for x in xs}
    ) != sorted({y.outcome for y in ys})


def _case_diff(sid: str, xs: list[CaseRecord], ys: list[CaseRecord]) -> CaseDiff:
    return CaseDiff(
        scenario_id=sid,
        a_outcomes=[x.outcome for x in xs],
        b_outcomes=[y.outcome for y in ys],
        a_score=sum(x.score for x in xs) / len(xs),
        b_score=sum(y.score for y in ys) / len(ys),
        a_passed=sum(x.passed for x in xs),
        b_passed=sum(y.passed for y in ys),
        a_answer=_answer(xs[0]),
        b_answer=_answer(ys[0]),
    )


def _in_metric(metric: str, cases: list[CaseRecord]) -> bool:
    kind = _DENOMINATOR.get(metric)
    first = cases[0]
    if kind == "healthy":
        return first.healthy
    if kind == "fault":
        return not first.healthy
    if kind == "interface":
        return not first.healthy and first.interface_correct is not None
    return True


def _check_rules(a: BenchmarkReport, b: BenchmarkReport, force: bool) -> None:
    """Pass rates of runs with different pass rules do not compare ('passed' means another thing),
    nor do runs whose agents could reach different things (isolation modes)."""
    for what, x, y in (
        ("pass scores", a.run.pass_score, b.run.pass_score),
        ("fault-type pass rules (--pass-requires-type)", a.run.pass_requires_type, b.run.pass_requires_type),
    ):
        if x != y and not force:
            raise ReportError(
                f"refusing to compare runs with different {what} (A {a.run.run_id}: {x!r}, "
                f"B {b.run.run_id}: {y!r}); regrade one with `netopsbench report regrade`, or pass --force"
            )
    if a.run.isolation != b.run.isolation and not force:
        raise ReportError(
            f"refusing to compare runs with different isolation modes (A: {a.run.isolation}, "
            f"B: {b.run.isolation}): an agent in the pytest process can reach what a sandboxed one "
            "cannot (docs/isolation.md); pass --force to compare anyway"
        )


def compare_reports(
    a: BenchmarkReport,
    b: BenchmarkReport,
    *,
    resamples: int | None = None,
    seed: int | None = None,
    force: bool = False,
) -> Comparison:
    """B against A on the scenarios both scored (all their scored trials, so a single run compares
    with a repeated one): point values, paired bootstrap intervals of B - A, disagreements. Runs
    with different pass rules are refused unless ``force``.

    ``resamples``/``seed`` default to scoring's; they are resolved here, not in the signature,
    because scoring imports this package's models and may still be initialising at import time."""
    _check_rules(a, b, force)
    resamples = scoring.DEFAULT_RESAMPLES if resamples is None else resamples
    seed = scoring.DEFAULT_SEED if seed is None else seed
    a_by, b_by = _by_scenario(a), _by_scenario(b)
    shared = sorted(a_by.keys() & b_by.keys())
    a_cases = [c for k in shared for c in a_by[k]]
    b_cases = [c for k in shared for c in b_by[k]]
    diffs = scoring.paired_bootstrap(a_cases, b_cases, COMPARED, resamples=resamples, seed=seed)
    sa, sb = scoring.summarize(a_cases), scoring.summarize(b_cases)
    metrics = []
    for name in COMPARED:
        ci = diffs[name]
        n = sum(_in_metric(name, a_by[k]) for k in shared)
        better = ""
        excludes_zero = ci.low is not None and ci.high is not None and (ci.low > 0 or ci.high < 0)
        if excludes_zero and n >= MIN_SCENARIOS_FOR_AHEAD and ci.low is not None:
            b_ahead = (ci.low > 0) != (name in _LOWER_IS_BETTER)
            better = "b" if b_ahead else "a"
        metrics.append(
            MetricDiff(
                metric=name, a=getattr(sa, name), b=getattr(sb, name), diff=ci, scenarios=n, better=better
            )
        )
    return Comparison(
        a_run=a.run.run_id,
        b_run=b.run.run_id,
        a_agent=a.run.agent,
        b_agent=b.run.agent,
        a_campaign=a.run.campaign_version,
        b_campaign=b.run.campaign_version,
        shared_scenarios=len(shared),
        a_cases=len(a_cases),
        b_cases=len(b_cases),
        a_total_cases=len(a.cases),
        b_total_cases=len(b.cases),
        only_in_a=sorted(a_by.keys() - b_by.keys()),
        only_in_b=sorted(b_by.keys() - a_by.keys()),
        metrics=metrics,
        disagreements=[_case_diff(k, a_by[k], b_by[k]) for k in shared if _differs(a_by[k], b_by[k])],
        a_baselines=baseline_context(a_cases),
        b_baselines=baseline_context(b_cases),
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _side(outcomes: list[str], score: float, answer: str) -> str:
    return f"{','.join(outcomes)} {score:.2f} ({answer})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _context_lines(cmp: Comparison) -> list[str]:
    if cmp.a_baselines is None and cmp.b_baselines is None:
        return [f"context: {NO_BASELINES} in either run"]
    header, rows = context_table(cmp.a_baselines, cmp.b_baselines)
    table = [header, *(cells for _, cells in rows if cells is not None)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # numbers right-aligned; the margin last and as it is (it names the baseline)
        first, *nums, margin = cells
        aligned = (c.rjust(w) for c, w in zip(nums, widths[1:-1], strict=True))
        return "  " + "  ".join([first.ljust(widths[0]), *aligned, margin])

    lines = ["context: each run's agent and the trivial baselines on its compared cases (mean score)"]
    lines.append(line(header))
    for side, cells in rows:
        lines.append(line(cells) if cells is not None else f"  {side.ljust(widths[0])}  {NO_BASELINES}")
    return lines


def render_comparison(cmp: Comparison) -> str:
    lines = [
        f"A: {cmp.a_run} ({_plural(cmp.a_total_cases, 'case')}) vs B: {cmp.b_run} "
        f"({_plural(cmp.b_total_cases, 'case')}); {_plural(cmp.shared_scenarios, 'shared scenario')}, "
        f"{len(cmp.only_in_a)} only in A, {len(cmp.only_in_b)} only in B",
        f"A: agent {cmp.a_agent or '?'}, campaign {cmp.a_campaign or '-'}",
        f"B: agent {cmp.b_agent or '?'}, campaign {cmp.b_campaign or '-'}",
    ]
    if cmp.a_campaign != cmp.b_campaign:
        lines.append("warning: different campaign versions; shared scenario ids may not be the same cases")
    if not cmp.shared_scenarios:
        lines.append("no scenario was scored in both runs: nothing to compare")
        return "\n".join(lines)
    lines.append(f"compared: {cmp.a_cases} scored cases of A, {cmp.b_cases} of B")
    rows = [["metric", "A", "B", "B-A", "95% paired interval", "scenarios", "ahead"]]
    for m in cmp.metrics:
        interval = "-" if m.diff.low is None else f"[{_signed(m.diff.low)}, {_signed(m.diff.high)}]"
        ahead = m.better.upper() or "-"
        diff = _signed(m.diff.value)
        rows.append([m.metric, _fmt(m.a), _fmt(m.b), diff, interval, str(m.scenarios), ahead])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines.append("")
    for r in rows:
        cells = [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join([r[0].ljust(widths[0]), *cells]))
    lines.append(
        f"(ahead: the interval excludes 0 and at least {cmp.min_scenarios_for_ahead} shared scenarios "
        "enter the metric; '-' means no difference shown at this sample size)"
    )
    lines += ["", *_context_lines(cmp), ""]
    if not cmp.disagreements:
        lines.append("no case where the runs disagree")
    else:
        lines.append(f"cases where the runs disagree ({len(cmp.disagreements)}):")
        for d in cmp.disagreements:
            lines.append(
                f"  {d.scenario_id}: A {_side(d.a_outcomes, d.a_score, d.a_answer)} | "
                f"B {_side(d.b_outcomes, d.b_score, d.b_answer)}"
            )
    return "\n".join(lines)
