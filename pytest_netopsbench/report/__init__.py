"""Reports: the case and report models, building, rendering, loading, comparing and merging."""

from ._build import build_report, render_table
from ._compare import CaseDiff, Comparison, MetricDiff, compare_reports, render_comparison
from ._io import REPORT_FILE, load_report, resolve_report_path, save_report
from ._merge import merge_reports
from ._models import (
    OUTCOMES,
    REPORT_SCHEMA,
    Accounting,
    Attempt,
    BenchmarkReport,
    CaseRecord,
    ConfidenceInterval,
    Outcome,
    RepeatStats,
    RunMeta,
    Summary,
)

__all__ = [
    "OUTCOMES",
    "REPORT_FILE",
    "REPORT_SCHEMA",
    "Accounting",
    "Attempt",
    "BenchmarkReport",
    "CaseDiff",
    "CaseRecord",
    "Comparison",
    "ConfidenceInterval",
    "MetricDiff",
    "Outcome",
    "RepeatStats",
    "RunMeta",
    "Summary",
    "build_report",
    "compare_reports",
    "load_report",
    "merge_reports",
    "render_comparison",
    "render_table",
    "resolve_report_path",
    "save_report",
]
