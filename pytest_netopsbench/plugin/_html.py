"""pytest-html integration: per-row benchmark columns that sort (the stronger trivial baseline's
score among them), a link to each case's trajectory relative to the report, a header line naming
the run with the agent's and the baselines' mean scores, and a summary section with one bar chart
per fault type. Registered only when pytest-html is active; the hooks are optional anyway.

How pytest-html 4 sorts: for each header cell with class ``sortable``, it takes the row cell's
``col-<key>`` class as the key and the cell's inner HTML as the value, and compares values as
strings (``a[key] > b[key]``). So every column needs its own key (``data-column-type`` equal to
the cell's ``col-`` suffix), and numeric columns start with a hidden, zero-padded sort key, so
that string order is numeric order."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..report import baseline_line, case_picture, chart_svg
from ._reporting import CASE_ATTR

if TYPE_CHECKING:
    from ._reporting import Controller

__all__ = ["COLUMNS", "HtmlHooks", "chart_svg", "sort_key"]

#: (header, sort key, number format; "" for a text column)
COLUMNS = (
    ("Fault", "nob_fault", ""),
    ("Expected", "nob_expected", ""),
    ("Diagnosed", "nob_diagnosed", ""),
    ("Verdict", "nob_verdict", ""),
    ("Score", "nob_score", ".2f"),
    ("Best baseline", "nob_baseline", ".2f"),
    ("Agent s", "nob_agent_s", ".1f"),
    ("Tokens", "nob_tokens", ".0f"),
)


def sort_key(value: float) -> str:
    """A string whose order is the numeric order of ``value`` (>= 0): zero-padded fixed point."""
    return f"{max(value, 0.0):020.6f}"


def _where(device: Any, interface: Any) -> str:
    if not device:
        return ""
    return f"{device}:{interface}" if interface else str(device)


def _best_baseline(data: dict[str, Any]) -> float | None:
    """The stronger trivial baseline's score on this case's episode; ``None`` when none ran."""
    scores = [float(b.get("score", 0.0)) for b in (data.get("baselines") or {}).values()]
    return max(scores) if scores else None


def _cell(key: str, number_format: str, value: str | float | None) -> str:
    if not number_format:
        return f'<td class="col-{key}">{escape(str(value or ""))}</td>'
    if value is None or value == "":
        return f'<td class="col-{key}"></td>'
    number = float(value)
    shown = format(number, number_format)
    # pytest-html sorts on the cell's inner HTML as a string: the hidden key makes that numeric
    return f'<td class="col-{key}"><span hidden>{sort_key(number)}</span>{shown}</td>'


class HtmlHooks:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        at = min(2, len(cells))
        cells[at:at] = [
            f'<th class="sortable" data-column-type="{key}">{escape(title)}</th>' for title, key, _ in COLUMNS
        ]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        data = getattr(report, CASE_ATTR, None)
        values: list[str | float | None] = [""] * len(COLUMNS)
        if isinstance(data, dict):
            diag = data.get("diagnosis") or {}
            exp = data.get("expected") or {}
            scored = data.get("outcome") not in ("infra_error", "skipped")
            values = [
                exp.get("fault_type", "healthy") if exp else "healthy",
                _where(exp.get("device"), exp.get("interface")) if exp else "network_healthy",
                _where(diag.get("device"), diag.get("interface")),
                str(diag.get("verdict", "")) if diag else data.get("outcome", ""),
                # a harness error has no score: an empty cell, sorted below every real 0.00
                float(data.get("score", 0.0)) if scored else None,
                _best_baseline(data),
                float(data.get("agent_seconds", 0.0)),
                float(int(data.get("input_tokens", 0)) + int(data.get("output_tokens", 0))),
            ]
        at = min(2, len(cells))
        cells[at:at] = [_cell(key, fmt, v) for (_, key, fmt), v in zip(COLUMNS, values, strict=True)]

    @pytest.hookimpl(optionalhook=True, tryfirst=True)  # before pytest-html reads the report's extras
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Per case: a link to its trajectory, relative to the HTML report (so the report and the
        run directory can be copied together; an absolute file:// link dies), and its topology
        picture with the fault and the answer marked, in the row's details."""
        data = getattr(report, CASE_ATTR, None)
        if report.when != "teardown" or not isinstance(data, dict):
            return
        from pytest_html import extras

        from ..report import CaseRecord
        from ._runner import rundir

        added = []
        if data.get("trace_path"):
            target = rundir(self.controller.config).root / str(data["trace_path"])
            added.append(extras.url(self._relative(target), name="trajectory"))
        from ..report import case_heatmap

        case = CaseRecord.model_validate(data)
        root = rundir(self.controller.config).root
        pictures = "".join(p for p in (case_picture(case), case_heatmap(case, root)) if p)
        if pictures:
            added.append(extras.html(f'<div class="netopsbench-picture">{pictures}</div>'))
        report.extras = [*getattr(report, "extras", []), *added]  # type: ignore[attr-defined]

    def _relative(self, target: Path) -> str:
        html = self.controller.config.getoption("htmlpath", None)
        if not html:
            return target.as_uri()
        # resolved as pytest-html resolves it: against the working directory, variables expanded
        report_dir = (Path.cwd() / Path(os.path.expandvars(str(html))).expanduser()).resolve().parent
        return Path(os.path.relpath(target.resolve(), report_dir)).as_posix()

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        self._header(prefix)
        self._summary(postfix)

    def _header(self, prefix: list[str]) -> None:
        """One line naming the run: id, campaign, agent, runtime, how many cases were scored, and
        the mean scores of the agent and the trivial baselines (when any case has them)."""
        report = self.controller.report
        if report is None:
            return
        run, s = report.run, report.summary
        parts = [
            f"run <code>{escape(run.run_id)}</code>",
            f"campaign {escape(run.campaign_version or '-')}",
            f"agent {escape(run.agent or '-')}",
            f"runtime {escape(run.runtime)}",
            f"{s.scored_cases} of {s.cases} cases scored ({s.excluded_cases} harness errors or skips)",
        ]
        if run.pass_requires_type:
            parts.append("pass requires the right fault type")
        if report.baselines:  # the last row is the one over every case
            parts.append(f"vs baselines {escape(baseline_line(report.baselines[-1], run.agent or 'agent'))}")
        prefix.append(f'<p class="netopsbench-header">{" &middot; ".join(parts)}</p>')
        if report.accounting is not None and not report.accounting.complete:
            prefix.append(
                '<p class="netopsbench-incomplete" style="color:#b7791f;font-weight:bold">'
                f"INCOMPLETE RUN: {escape(report.accounting.describe())}</p>"
            )

    def _summary(self, postfix: list[str]) -> None:
        report = self.controller.report
        if report is None:
            return
        s = report.summary
        by_type = report.breakdowns.get("fault_type", {})
        rows = [(name, v.pass_rate or 0.0, v.mean_score or 0.0, v.cases) for name, v in by_type.items()]

        def pct(x: float | None) -> str:
            return "-" if x is None else f"{x:.0%}"

        postfix.append(
            '<div class="netopsbench-summary"><h2>Benchmark summary</h2>'
            f"<p>run {escape(report.run.run_id)} &middot; agent {escape(report.run.agent or '-')} &middot; "
            f"{s.cases} cases &middot; pass rate {pct(s.pass_rate)} &middot; mean score "
            f"{'-' if s.mean_score is None else f'{s.mean_score:.3f}'} &middot; "
            f"detection F1 {pct(s.detection_f1)} "
            f"&middot; fault-type accuracy {pct(s.fault_type_accuracy)}</p>"
            f"{chart_svg(rows)}</div>"
        )
