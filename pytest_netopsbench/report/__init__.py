"""Reports: the run directory, building, rendering, loading, comparing and merging.

The record models (``CaseRecord``, ``BenchmarkReport`` ...) live in ``records``; they are
re-exported here for existing importers."""

from ..records import (
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
from ._build import build_report, render_table
from ._compare import CaseDiff, Comparison, MetricDiff, compare_reports, render_comparison
from ._io import REPORT_FILE, load_report, resolve_report_path, save_report
from ._merge import merge_reports
from ._rundir import RunDir

__all__ = [
    "OUTCOMES",
    "REPORT_FILE",
    "REPORT_SCHEMA",
    "BenchmarkReport",
    "CaseDiff",
    "CaseRecord",
    "Comparison",
    "ConfidenceInterval",
    "MetricDiff",
    "Outcome",
    "RepeatStats",
    "RunDir",
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
