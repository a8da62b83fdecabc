"""Scoring: per-case scores, headline metrics, bootstrap intervals and repeat statistics."""

from ._baselines import baseline_comparison
from ._metrics import (
    EXCLUDED_OUTCOMES,
    HEALTHY_KEY,
    breakdowns,
    case_fault_type,
    case_kind,
    is_scored,
    summarize,
)
from ._score import (
    CaseScore,
    describe_expected,
    describe_got,
    normalize_name,
    pass_rule,
    passes,
    score_case,
)
from ._stats import (
    BOOTSTRAP_METRICS,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    HEADLINE_INTERVALS,
    bootstrap_intervals,
    paired_bootstrap,
    pass_at_k,
    pass_hat_k,
    repeat_stats,
)

__all__ = [
    "BOOTSTRAP_METRICS",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "EXCLUDED_OUTCOMES",
    "HEADLINE_INTERVALS",
    "HEALTHY_KEY",
    "CaseScore",
    "baseline_comparison",
    "bootstrap_intervals",
    "breakdowns",
    "case_fault_type",
    "case_kind",
    "describe_expected",
    "describe_got",
    "is_scored",
    "normalize_name",
    "paired_bootstrap",
    "pass_at_k",
    "pass_hat_k",
    "pass_rule",
    "passes",
    "repeat_stats",
    "score_case",
    "summarize",
]
