"""``netopsbench report compare A B --html OUT``: the comparison as one self-contained page (inline
CSS and SVG, no scripts, nothing fetched): the header, the metric table with paired intervals,
each run's agent next to the trivial baselines, each run's per-fault-type chart, and every shared
scenario with both runs' outcomes, answers, topology pictures and trace links (relative to the
page)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..records import BenchmarkReport, CaseRecord
from ._compare import Comparison
from ._compare_baselines import NO_BASELINES, context_table
from ._page import _CSS, answer_text, expected_text, trace_link
from ._pictures import case_picture, chart_svg

__all__ = ["render_comparison_html"]

_EXTRA_CSS = """
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
tr.differs td { background: #fffaf0; }
td.ahead { font-weight: bold; }
"""


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _chart(report: BenchmarkReport) -> str:
    by_type = report.breakdowns.get("fault_type", {})
    return chart_svg([(n, v.pass_rate or 0.0, v.mean_score or 0.0, v.cases) for n, v in by_type.items()])


def _side(cases: list[CaseRecord], run_dir: Path | None, page_dir: Path) -> str:
    """One run's trials of a scenario: outcome, score, answer, trace link per trial."""
    lines = []
    for c in cases:
        score = f"{c.score:.2f}" if c.outcome not in ("infra_error", "skipped") else ""
        trial = f"trial {c.trial}: " if c.trial or len(cases) > 1 else ""
        link = trace_link(c, run_dir, page_dir)
        lines.append(
            f'{trial}<span class="{c.outcome}">{escape(c.outcome)}</span> {score} '
            f"{escape(answer_text(c))} {link}"
        )
    return "<br>".join(lines)


def _context(cmp: Comparison) -> str:
    """Each run's agent and the baselines' mean scores on its compared cases, and the margin."""
    if cmp.a_baselines is None and cmp.b_baselines is None:
        return f"<p>{NO_BASELINES} in either run</p>"
    header, rows = context_table(cmp.a_baselines, cmp.b_baselines)
    body = []
    for side, cells in rows:
        if cells is None:
            body.append(f'<tr><td>{side}</td><td colspan="{len(header) - 1}">{NO_BASELINES}</td></tr>')
            continue
        first, *nums, margin = cells
        tds = "".join(f'<td class="num">{escape(c)}</td>' for c in nums)
        body.append(f"<tr><td>{first}</td>{tds}<td>{escape(margin)}</td></tr>")
    heads = "".join(f"<th>{escape(h)}</th>" for h in header)
    return (
        f'<table class="cases context"><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        "<p>mean scores over the run's compared cases that have baseline scores (the same episodes for "
        "the agent and the baselines)</p>"
    )


def render_comparison_html(
    cmp: Comparison,
    a: BenchmarkReport,
    b: BenchmarkReport,
    page: Path,
    a_dir: Path | None = None,
    b_dir: Path | None = None,
) -> str:
    """The page for ``cmp`` (B against A), written at ``page``; ``a_dir``/``b_dir`` resolve each
    run's relative trace paths."""
    header = (
        f"A: run <code>{escape(cmp.a_run)}</code>, agent {escape(cmp.a_agent or '?')}, campaign "
        f"{escape(cmp.a_campaign or '-')}, {cmp.a_total_cases} cases<br>"
        f"B: run <code>{escape(cmp.b_run)}</code>, agent {escape(cmp.b_agent or '?')}, campaign "
        f"{escape(cmp.b_campaign or '-')}, {cmp.b_total_cases} cases<br>"
        f"{cmp.shared_scenarios} shared scenarios ({cmp.a_cases} scored cases of A, {cmp.b_cases} of B); "
        f"{len(cmp.only_in_a)} only in A, {len(cmp.only_in_b)} only in B"
    )
    warning = ""
    if cmp.a_campaign != cmp.b_campaign:
        warning = (
            '<p class="wrong">different campaign versions: shared scenario ids may not be the same cases</p>'
        )
    rows = []
    for m in cmp.metrics:
        interval = "-" if m.diff.low is None else f"[{_fmt(m.diff.low, True)}, {_fmt(m.diff.high, True)}]"
        ahead = m.better.upper() or "-"
        rows.append(
            f'<tr><td>{escape(m.metric)}</td><td class="num">{_fmt(m.a)}</td><td class="num">{_fmt(m.b)}</td>'
            f'<td class="num">{_fmt(m.diff.value, True)}</td><td class="num">{interval}</td>'
            f'<td class="num">{m.scenarios}</td><td class="{"ahead" if m.better else ""}">{ahead}</td></tr>'
        )
    metrics = (
        '<table class="cases metrics"><thead><tr><th>metric</th><th>A</th><th>B</th><th>B-A</th>'
        "<th>95% paired interval</th><th>scenarios</th><th>ahead</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p>ahead: the interval excludes 0 and at least {cmp.min_scenarios_for_ahead} shared scenarios "
        "enter the metric; '-' means no difference shown at this sample size</p>"
    )
    a_by: dict[str, list[CaseRecord]] = {}
    b_by: dict[str, list[CaseRecord]] = {}
    for report, by in ((a, a_by), (b, b_by)):
        for c in sorted(report.cases, key=lambda c: (c.scenario_id, c.trial)):
            by.setdefault(c.scenario_id, []).append(c)
    differs = {d.scenario_id for d in cmp.disagreements}
    shared = sorted(a_by.keys() & b_by.keys())
    case_rows = []
    for sid in shared:
        xs, ys = a_by[sid], b_by[sid]
        pictures = "".join(
            f"<p>{side}</p>{pic}"
            for side, pic in (("A", case_picture(xs[0])), ("B", case_picture(ys[0])))
            if pic
        )
        details = f"<details><summary>pictures</summary>{pictures}</details>" if pictures else ""
        css = ' class="differs"' if sid in differs else ""
        case_rows.append(
            f"<tr{css}><td>{escape(sid)}</td><td>{'yes' if sid in differs else ''}</td>"
            f"<td>{escape(expected_text(xs[0]))}</td><td>{_side(xs, a_dir, page.parent)}</td>"
            f"<td>{_side(ys, b_dir, page.parent)}</td><td>{details}</td></tr>"
        )
    only = ""
    if cmp.only_in_a or cmp.only_in_b:
        only = (
            f"<h2>Not shared</h2><p>only in A: {escape(', '.join(cmp.only_in_a) or '-')}</p>"
            f"<p>only in B: {escape(', '.join(cmp.only_in_b) or '-')}</p>"
        )
    nothing = "" if cmp.shared_scenarios else "<p>no scenario was scored in both runs: nothing to compare</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>netopsbench compare {escape(cmp.a_run)} vs {escape(cmp.b_run)}</title>"
        f"<style>{_CSS}{_EXTRA_CSS}</style></head><body>"
        f"<h1>netopsbench: B against A</h1><p>{header}</p>{warning}{nothing}"
        f"<h2>Metrics on the shared scenarios</h2>{metrics}"
        f"<h2>Context: the trivial baselines on the same episodes</h2>{_context(cmp)}"
        f'<h2>Pass rate and mean score per fault type</h2><div class="charts"><div><p>A</p>{_chart(a)}</div>'
        f"<div><p>B</p>{_chart(b)}</div></div>"
        f"<h2>Scenarios in both runs ({len(shared)}; the runs disagree on {len(differs)})</h2>"
        '<table class="cases"><thead><tr><th>scenario</th><th>disagree</th><th>expected</th><th>A</th>'
        f"<th>B</th><th></th></tr></thead><tbody>{''.join(case_rows)}</tbody></table>{only}</body></html>\n"
    )
