"""Reports: the case and report models, building, rendering, loading, comparing and merging."""

from ._build import build_report, render_table
from ._compare import CaseDiff, Comparison, MetricDiff, compare_reports, render_comparison
from ._io import REPORT_FILE, load_report, resolve_report_path, save_report
from ._merge import merge_reports
from ._models import (
    OUTCOMES,
    REPORT_SCHEMA,
    BenchmarkReport,
    CaseRecord,
    ConfidenceInterval,
    Outcome,
    RepeatStats,
    RunMeta,
    Summary,
)
from ._regrade import REGRADED_FILE, RegradeResult, regrade_cases, regrade_run

__all__ = [
    "OUTCOMES",
    "REGRADED_FILE",
    "REPORT_FILE",
    "REPORT_SCHEMA",
    "BenchmarkReport",
    "CaseDiff",
    "CaseRecord",
    "Comparison",
    "ConfidenceInterval",
    "MetricDiff",
    "Outcome",
    "RegradeResult",
    "RepeatStats",
    "RunMeta",
    "Summary",
    "build_report",
    "compare_reports",
    "load_report",
    "merge_reports",
    "regrade_cases",
    "regrade_run",
    "render_comparison",
    "render_table",
    "resolve_report_path",
    "save_report",
]
