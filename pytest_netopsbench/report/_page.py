"""``netopsbench report show --html OUT``: one self-contained HTML page per run (inline CSS and
SVG, no scripts, nothing fetched): the header (with the agent's and the trivial baselines' mean
scores), the summary table as the terminal prints it, the per-fault-type chart, and every case
with its answer, the trivial baselines' scores, a link to its trajectory (relative to the page)
and its topology picture."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from ..records import BenchmarkReport, CaseRecord
from ._baselines import baseline_line, overall
from ._build import render_table
from ._heatmap import case_heatmap
from ._pictures import case_picture, chart_svg

__all__ = ["render_report_html"]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1a202c; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
pre { background: #f7fafc; padding: 0.8em; border: 1px solid #e2e8f0; overflow-x: auto; }
table.cases { border-collapse: collapse; font-size: 0.9em; }
table.cases th, table.cases td { border: 1px solid #e2e8f0; padding: 0.25em 0.5em; vertical-align: top; }
table.cases th { background: #edf2f7; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.correct { color: #276749; } .wrong, .agent_error, .agent_timeout, .invalid_result { color: #c53030; }
.infra_error, .skipped { color: #975a16; }
"""


def _where(device: str | None, interface: str | None) -> str:
    if not device:
        return ""
    return f"{device}:{interface}" if interface else device


def expected_text(case: CaseRecord) -> str:
    if case.expected is None:
        return "network_healthy"
    return f"{case.expected.fault_type} at {_where(case.expected.device, case.expected.interface)}"


def answer_text(case: CaseRecord) -> str:
    d = case.diagnosis
    if d is None:
        return ""
    if d.verdict != "fault_detected":
        return d.verdict
    return f"{d.fault_type or '(no type)'} at {_where(d.device, d.interface) or '?'}"


def trace_link(case: CaseRecord, run_dir: Path | None, page_dir: Path) -> str:
    if not case.trace_path:
        return ""
    target = Path(case.trace_path)
    if not target.is_absolute():
        if run_dir is None:
            return ""
        target = run_dir / target
    href = Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()
    return f'<a href="{escape(href)}">trajectory</a>'


def baselines_text(case: CaseRecord) -> str:
    """``baseline-healthy 0, baseline-worst-pair 0.5``: the trivial baselines on this episode."""
    return ", ".join(f"{name} {b.score:g}" for name, b in sorted(case.baselines.items()))


def _case_row(case: CaseRecord, run_dir: Path | None, page_dir: Path) -> str:
    scored = case.outcome not in ("infra_error", "skipped")
    pictures = "".join(p for p in (case_picture(case), case_heatmap(case, run_dir)) if p)
    details = f"<details><summary>pictures</summary>{pictures}</details>" if pictures else ""
    cells = [
        escape(case.scenario_id) + (f" [trial {case.trial}]" if case.trial else ""),
        f'<span class="{case.outcome}">{escape(case.outcome)}</span>',
        f"{case.score:.2f}" if scored else "",
        escape(expected_text(case)),
        escape(answer_text(case)),
        escape(baselines_text(case)),
        f"{case.agent_seconds:.1f}",
        str(case.input_tokens + case.output_tokens),
        trace_link(case, run_dir, page_dir),
        details,
    ]
    numeric = {2, 6, 7}
    return (
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(cells)
        )
        + "</tr>"
    )


def render_report_html(report: BenchmarkReport, page: Path, run_dir: Path | None = None) -> str:
    """The page for ``report``, to be written at ``page`` (links are relative to it); ``run_dir``
    resolves the cases' relative trace paths."""
    run, s = report.run, report.summary
    by_type = report.breakdowns.get("fault_type", {})
    chart_rows = [(name, v.pass_rate or 0.0, v.mean_score or 0.0, v.cases) for name, v in by_type.items()]
    rule = f"pass score {run.pass_score:g}" + (
        ", right fault type required" if run.pass_requires_type else ""
    )
    versus = overall(report)
    header = " &middot; ".join(
        [
            f"run <code>{escape(run.run_id)}</code>",
            f"campaign {escape(run.campaign_version or '-')}",
            f"agent {escape(run.agent or '-')}",
            f"runtime {escape(run.runtime)}",
            f"{s.scored_cases} of {s.cases} cases scored",
            escape(rule),
        ]
        + (["regraded"] if run.regraded else [])
        + ([f"vs baselines {escape(baseline_line(versus, run.agent or 'agent'))}"] if versus else [])
    )
    heads = [
        "scenario",
        "outcome",
        "score",
        "expected",
        "answer",
        "baselines",
        "agent s",
        "tokens",
        "trace",
        "",
    ]
    rows = "".join(_case_row(c, run_dir, page.parent) for c in report.cases)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>netopsbench {escape(run.run_id)}</title><style>{_CSS}</style></head><body>"
        f'<h1>netopsbench run {escape(run.run_id)}</h1><p class="header">{header}</p>'
        f"<h2>Summary</h2><pre>{escape(render_table(report))}</pre>"
        f"<h2>Pass rate and mean score per fault type</h2>{chart_svg(chart_rows)}"
        f'<h2>Cases ({len(report.cases)})</h2><table class="cases"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in heads)
        + f"</tr></thead><tbody>{rows}</tbody></table></body></html>\n"
    )
