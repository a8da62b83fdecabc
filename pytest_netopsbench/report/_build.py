"""Assemble a ``BenchmarkReport`` from case records and render the terminal summary table."""

from __future__ import annotations

from collections.abc import Iterable

# The module, not its names: scoring imports the report models, so a name-level import here would
# be circular whenever scoring is imported first; attributes are looked up at call time instead.
from .. import scoring
from ..records import BenchmarkReport, CaseRecord, ConfidenceInterval, RunMeta, Summary
from ._baselines import baseline_line, baseline_table, overall

__all__ = ["build_report", "render_table"]


def build_report(
    meta: RunMeta,
    cases: Iterable[CaseRecord],
    *,
    resamples: int = 2000,
    seed: int | None = None,
) -> BenchmarkReport:
    """Summary, breakdowns (fault type, scale, difficulty, case kind), bootstrap intervals for
    every metric in ``scoring.BOOTSTRAP_METRICS``, and repeat statistics when any case has ``trial > 0``.

    Cases are sorted by (scenario id, trial) so the report is independent of worker finish order.
    When ``meta`` has no campaign version and every case names the same one, that one is used."""
    records = sorted(cases, key=lambda c: (c.scenario_id, c.trial, c.case_id))
    versions = {c.campaign for c in records if c.campaign}
    if meta.campaign_version is None and len(versions) == 1:
        meta = meta.model_copy(update={"campaign_version": versions.pop()})
    return BenchmarkReport(
        run=meta,
        summary=scoring.summarize(records),
        confidence=scoring.bootstrap_intervals(
            records, resamples=resamples, seed=scoring.DEFAULT_SEED if seed is None else seed
        ),
        breakdowns=scoring.breakdowns(records),
        repeats=scoring.repeat_stats(records) if any(c.trial > 0 for c in records) else None,
        cases=records,
        baselines=scoring.baseline_comparison(records),
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f}%"


def _num(value: float | None, fmt: str = "{:.3f}") -> str:
    return "-" if value is None else fmt.format(value)


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def _with_ci(value: float | None, ci: ConfidenceInterval | None, percent: bool) -> str:
    show = _pct if percent else _num
    text = show(value).strip()
    if ci is not None and ci.low is not None and ci.high is not None:
        text += f"  [{show(ci.low).strip()}, {show(ci.high).strip()}]"
    return text


def _row(cells: list[str], widths: list[int]) -> str:
    first, *rest = cells
    return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])


def _fault_table(by_type: dict[str, Summary], total: Summary) -> list[str]:
    # the "excluded" column (harness failures, skips) appears only when there are any
    show_excluded = total.excluded_cases > 0
    header = [
        "fault type",
        "cases",
        *(["excluded"] if show_excluded else []),
        "passed",
        "pass rate",
        "mean score",
        "mean agent",
    ]

    def cells(name: str, s: Summary) -> list[str]:
        return [
            name,
            str(s.cases),
            *([str(s.excluded_cases)] if show_excluded else []),
            str(s.passed),
            _pct(s.pass_rate).strip(),
            _num(s.mean_score),
            _secs(s.mean_agent_seconds),
        ]

    ordered = sorted(by_type.items(), key=lambda kv: (kv[0] == scoring.HEALTHY_KEY, kv[0]))
    rows = [header, *(cells(name, s) for name, s in ordered), cells("all", total)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [_row(r, widths) for r in rows]
    rule = "-" * len(lines[0])
    return [lines[0], rule, *lines[1:-1], rule, lines[-1]]


def render_table(report: BenchmarkReport) -> str:
    """The terminal summary: a table per fault type, then headline metrics with 95% intervals."""
    s, ci = report.summary, report.confidence
    run = report.run
    title = f"netopsbench run {run.run_id}"
    if run.agent:
        title += f"  agent {run.agent}"
    if run.campaign_version:
        title += f"  campaign {run.campaign_version}"
    if run.seed is not None:
        title += f"  seed {run.seed}"
    lines = [title, ""]
    if report.accounting is not None and not report.accounting.complete:
        lines[1:1] = [f"INCOMPLETE RUN: {report.accounting.describe()}"]
    lines += _fault_table(report.breakdowns.get("fault_type", {}), s)
    level = next((c.level for c in ci.values()), 0.95)
    lines += ["", f"headline metrics (bracketed: {round(level * 100)}% bootstrap interval over scenarios)"]
    headline: list[tuple[str, str]] = [
        ("mean score", _with_ci(s.mean_score, ci.get("mean_score"), False)),
        ("detection F1", _with_ci(s.detection_f1, ci.get("detection_f1"), True)),
        ("detection macro-F1", _pct(s.detection_macro_f1).strip()),
        ("detection accuracy", _pct(s.detection_accuracy).strip()),
        ("precision / recall", f"{_pct(s.detection_precision).strip()} / {_pct(s.detection_recall).strip()}"),
        ("false-positive rate", f"{_pct(s.false_positive_rate).strip()} of {s.healthy_cases} healthy"),
        (
            "device localization",
            _with_ci(s.device_localization_rate, ci.get("device_localization_rate"), True),
        ),
        (
            "interface localization",
            _with_ci(s.interface_localization_rate, ci.get("interface_localization_rate"), True),
        ),
        ("fault-type accuracy", _pct(s.fault_type_accuracy).strip()),
        ("strict accuracy", _pct(s.strict_accuracy).strip()),
        ("agent time mean / p90", f"{_secs(s.mean_agent_seconds)} / {_secs(s.p90_agent_seconds)}"),
        ("tool calls per case", _num(s.mean_tool_calls, "{:.1f}")),
    ]
    if s.input_tokens or s.output_tokens:
        headline.append(("tokens in / out", f"{s.input_tokens:,} / {s.output_tokens:,}"))
    if s.cost_usd is not None:
        headline.append(("cost", f"${s.cost_usd:.4f}"))
    if report.repeats is not None:
        r = report.repeats
        at, hat, flaky = _pct(r.pass_at_k).strip(), _pct(r.pass_hat_k).strip(), _pct(r.flaky_share).strip()
        headline.append((f"pass@{r.k} / pass^{r.k}", f"{at} / {hat} over {r.scenarios} scenarios"))
        headline.append(("flaky scenarios", f"{flaky} ({len(r.flaky_cases)}/{r.scenarios})"))
    kinds = report.breakdowns.get("kind", {})
    if set(kinds) - {"single", "healthy"}:  # only runs with compound, intermittent or herring cases
        by_kind = ", ".join(f"{k} {_pct(v.pass_rate).strip()} of {v.scored_cases}" for k, v in kinds.items())
        headline.append(("pass rate by case kind", by_kind))
    versus = overall(report)
    if versus is not None:
        headline.append(("vs baselines", baseline_line(versus, run.agent or "agent")))
    nonzero = {k: v for k, v in s.outcomes.items() if v}
    headline.append(("outcomes", ", ".join(f"{k} {v}" for k, v in nonzero.items()) or "-"))
    if s.excluded_cases:
        headline.append(("excluded (harness)", f"{s.excluded_cases} case(s), not charged to the agent"))
    width = max(len(k) for k, _ in headline)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in headline]
    table = baseline_table(report)
    if table:
        lines += ["", *table]
    return "\n".join(lines)
