"""Reports: the run directory, building, rendering, loading, comparing and merging.

The record models (``CaseRecord``, ``BenchmarkReport`` ...) live in ``records``; they are
re-exported here for existing importers."""

from ..records import (
    OUTCOMES,
    REPORT_SCHEMA,
    Accounting,
    Attempt,
    BaselineComparison,
    BaselineScore,
    BenchmarkReport,
    CaseRecord,
    ConfidenceInterval,
    Outcome,
    RepeatStats,
    RunMeta,
    Summary,
)
from ._accounting import (
    InProgress,
    Selection,
    as_attempt,
    case_key,
    crash_record,
    latest_attempts,
    make_accounting,
    read_cases,
    read_json_model,
)
from ._baselines import baseline_line, baseline_properties, baseline_table
from ._build import build_report, render_table
from ._compare import BaselineContext, CaseDiff, Comparison, MetricDiff, compare_reports, render_comparison
from ._compare_page import render_comparison_html
from ._heatmap import case_heatmap
from ._io import REPORT_FILE, load_report, resolve_report_path, save_report
from ._merge import merge_reports
from ._page import render_report_html
from ._pictures import case_picture, chart_svg
from ._rebuild import rebuild_report
from ._regrade import REGRADED_FILE, RegradeResult, regrade_cases, regrade_run
from ._rundir import RunDir, open_private
from ._viewer import case_href, render_viewer_case, render_viewer_index

__all__ = [
    "OUTCOMES",
    "REGRADED_FILE",
    "REPORT_FILE",
    "REPORT_SCHEMA",
    "Accounting",
    "Attempt",
    "BaselineComparison",
    "BaselineContext",
    "BaselineScore",
    "BenchmarkReport",
    "CaseDiff",
    "CaseRecord",
    "Comparison",
    "ConfidenceInterval",
    "InProgress",
    "MetricDiff",
    "Outcome",
    "RegradeResult",
    "RepeatStats",
    "RunDir",
    "RunMeta",
    "Selection",
    "Summary",
    "as_attempt",
    "baseline_line",
    "baseline_properties",
    "baseline_table",
    "build_report",
    "case_heatmap",
    "case_href",
    "case_key",
    "case_picture",
    "chart_svg",
    "compare_reports",
    "crash_record",
    "latest_attempts",
    "load_report",
    "make_accounting",
    "merge_reports",
    "open_private",
    "read_cases",
    "read_json_model",
    "rebuild_report",
    "regrade_cases",
    "regrade_run",
    "render_comparison",
    "render_comparison_html",
    "render_report_html",
    "render_table",
    "render_viewer_case",
    "render_viewer_index",
    "resolve_report_path",
    "save_report",
]
