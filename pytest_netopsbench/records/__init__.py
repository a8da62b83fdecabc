"""Data contracts at the bottom of the package: the records that cross from an episode to scoring
and reports (``CaseRecord``, ``Summary``, ``BenchmarkReport`` ...) and a run's identity
(``new_run_id``, ``DEFAULT_RUNS_DIR``). Imports nothing above ``diagnosis``."""

from ._models import (
    OUTCOMES,
    REPORT_SCHEMA,
    Accounting,
    Attempt,
    BaselineComparison,
    BaselineScore,
    BenchmarkReport,
    CaseRecord,
    ConfidenceInterval,
    MirrorCounts,
    Outcome,
    RepeatStats,
    RunMeta,
    Standing,
    Summary,
    Telemetry,
)
from ._run import DEFAULT_RUNS_DIR, new_run_id, run_token

__all__ = [
    "DEFAULT_RUNS_DIR",
    "OUTCOMES",
    "REPORT_SCHEMA",
    "Accounting",
    "Attempt",
    "BaselineComparison",
    "BaselineScore",
    "BenchmarkReport",
    "CaseRecord",
    "ConfidenceInterval",
    "MirrorCounts",
    "Outcome",
    "RepeatStats",
    "RunMeta",
    "Standing",
    "Summary",
    "Telemetry",
    "new_run_id",
    "run_token",
]
