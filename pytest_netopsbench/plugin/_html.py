"""pytest-html integration: per-row benchmark columns and a summary section with one bar chart
per fault type. Registered only when pytest-html is active; the hooks are optional anyway."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pytest

from ._reporting import CASE_ATTR

if TYPE_CHECKING:
    from ._reporting import Controller

__all__ = ["HtmlHooks", "chart_svg"]

_COLUMNS = ("Fault", "Expected", "Diagnosed", "Verdict", "Score", "Agent s", "Tokens")


def _where(device: Any, interface: Any) -> str:
    if not device:
        return ""
    return f"{device}:{interface}" if interface else str(device)


def chart_svg(rows: list[tuple[str, float, float, int]]) -> str:
    """Horizontal bars of pass rate and mean score per fault type: (name, pass_rate, mean, n)."""
    bar_w, label_w, row_h = 260, 190, 34
    height = row_h * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netopsbench-chart" width="{label_w + bar_w + 120}" '
        f'height="{height}" role="img" aria-label="pass rate and mean score per fault type">',
        f'<text x="{label_w}" y="14" font-size="11">pass rate (dark) / mean score (light)</text>',
    ]
    for i, (name, rate, mean, n) in enumerate(rows):
        y = 24 + i * row_h
        parts += [
            f'<text x="0" y="{y + 14}" font-size="12">{escape(name)} (n={n})</text>',
            f'<rect x="{label_w}" y="{y}" width="{bar_w * rate:.1f}" height="12" fill="#2b6cb0">'
            f"<title>pass rate {rate:.0%}</title></rect>",
            f'<rect x="{label_w}" y="{y + 14}" width="{bar_w * mean:.1f}" height="12" fill="#90cdf4">'
            f"<title>mean score {mean:.2f}</title></rect>",
            f'<text x="{label_w + bar_w + 6}" y="{y + 11}" font-size="11">{rate:.0%}</text>',
            f'<text x="{label_w + bar_w + 6}" y="{y + 25}" font-size="11">{mean:.2f}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


class HtmlHooks:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        at = min(2, len(cells))
        cells[at:at] = [
            f'<th class="sortable" data-column-type="nob-{i}">{escape(c)}</th>'
            for i, c in enumerate(_COLUMNS)
        ]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        data = getattr(report, CASE_ATTR, None)
        values = [""] * len(_COLUMNS)
        if isinstance(data, dict):
            diag = data.get("diagnosis") or {}
            exp = data.get("expected") or {}
            values = [
                exp.get("fault_type", "healthy") if exp else "healthy",
                _where(exp.get("device"), exp.get("interface")) if exp else "network_healthy",
                _where(diag.get("device"), diag.get("interface")),
                str(diag.get("verdict", "")) if diag else data.get("outcome", ""),
                f"{float(data.get('score', 0.0)):.2f}",
                f"{float(data.get('agent_seconds', 0.0)):.1f}",
                str(int(data.get("input_tokens", 0)) + int(data.get("output_tokens", 0))),
            ]
        at = min(2, len(cells))
        cells[at:at] = [f'<td class="col-nob">{escape(str(v))}</td>' for v in values]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        report = self.controller.report
        if report is None:
            return
        s = report.summary
        by_type = report.breakdowns.get("fault_type", {})
        rows = [(name, v.pass_rate or 0.0, v.mean_score or 0.0, v.cases) for name, v in by_type.items()]

        def pct(x: float | None) -> str:
            return "-" if x is None else f"{x:.0%}"

        if report.accounting is not None and not report.accounting.complete:
            prefix.append(
                '<p class="netopsbench-incomplete" style="color:#b7791f;font-weight:bold">'
                f"INCOMPLETE RUN: {escape(report.accounting.describe())}</p>"
            )

        postfix.append(
            '<div class="netopsbench-summary"><h2>Benchmark summary</h2>'
            f"<p>run {escape(report.run.run_id)} &middot; agent {escape(report.run.agent or '-')} &middot; "
            f"{s.cases} cases &middot; pass rate {pct(s.pass_rate)} &middot; mean score "
            f"{'-' if s.mean_score is None else f'{s.mean_score:.3f}'} &middot; "
            f"detection F1 {pct(s.detection_f1)} "
            f"&middot; fault-type accuracy {pct(s.fault_type_accuracy)}</p>"
            f"{chart_svg(rows)}</div>"
        )
