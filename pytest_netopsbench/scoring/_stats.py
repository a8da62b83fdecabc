"""Uncertainty and repeats: bootstrap confidence intervals over cases, paired bootstrap for
comparing two runs, pass@k / pass^k and flakiness (definitions in docs/metrics.md).

The bootstrap resamples *scenarios*, carrying every trial of a drawn scenario along (a cluster
bootstrap): trials of one scenario are not independent, and treating them as such would shrink the
intervals as if running the same case five times were five new cases. With one trial per scenario
it is the ordinary case bootstrap. Resampling is seeded, so a report's intervals are reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..records import CaseRecord, ConfidenceInterval, RepeatStats
from ._metrics import device_localized, interface_applicable, interface_localized, is_scored, strict_correct

__all__ = [
    "BOOTSTRAP_METRICS",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "HEADLINE_INTERVALS",
    "bootstrap_intervals",
    "paired_bootstrap",
    "pass_at_k",
    "pass_hat_k",
    "repeat_stats",
]

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20261126

# Per-case counters; a metric is a ratio of two counter sums, so a resample is a sum of vectors.
_FIELDS = (
    "n",
    "score",
    "passed",
    "tp",
    "fp",
    "fn",
    "faults",
    "healthy",
    "device",
    "itf_n",
    "itf",
    "ftype",
    "strict",
)
_IDX = {name: i for i, name in enumerate(_FIELDS)}


def _counters(case: CaseRecord) -> list[float]:
    fault = not case.healthy
    itf = interface_applicable(case)
    values = {
        "n": 1.0,
        "score": case.score,
        "passed": float(case.passed),
        "tp": float(fault and case.verdict_correct),
        "fp": float(case.healthy and not case.verdict_correct),
        "fn": float(fault and not case.verdict_correct),
        "faults": float(fault),
        "healthy": float(case.healthy),
        "device": float(fault and device_localized(case)),
        "itf_n": float(itf),
        "itf": float(itf and interface_localized(case)),
        "ftype": float(fault and case.fault_type_correct is True),
        "strict": float(strict_correct(case)),
    }
    return [values[name] for name in _FIELDS]


def _ratio(num: str, den: str) -> Callable[[Sequence[float]], float | None]:
    i, j = _IDX[num], _IDX[den]
    return lambda v: v[i] / v[j] if v[j] else None


def _f1(v: Sequence[float]) -> float | None:
    tp, fp, fn = v[_IDX["tp"]], v[_IDX["fp"]], v[_IDX["fn"]]
    den = 2 * tp + fp + fn
    return 2 * tp / den if den else None


#: metrics that get an interval, keyed by their ``Summary`` field name
BOOTSTRAP_METRICS: dict[str, Callable[[Sequence[float]], float | None]] = {
    "mean_score": _ratio("score", "n"),
    "pass_rate": _ratio("passed", "n"),
    "detection_f1": _f1,
    "false_positive_rate": _ratio("fp", "healthy"),
    "device_localization_rate": _ratio("device", "faults"),
    "interface_localization_rate": _ratio("itf", "itf_n"),
    "fault_type_accuracy": _ratio("ftype", "faults"),
    "strict_accuracy": _ratio("strict", "n"),
}
#: the metrics the terminal summary shows with an interval
HEADLINE_INTERVALS = (
    "mean_score",
    "detection_f1",
    "device_localization_rate",
    "interface_localization_rate",
)


@dataclass(frozen=True)
class _Clusters:
    keys: list[str]
    vectors: list[list[float]]


def _clusters(cases: Iterable[CaseRecord], keep: Callable[[CaseRecord], bool] = is_scored) -> _Clusters:
    by_key: dict[str, list[float]] = {}
    for case in cases:
        if not keep(case):
            continue
        acc = by_key.setdefault(case.scenario_id, [0.0] * len(_FIELDS))
        for i, value in enumerate(_counters(case)):
            acc[i] += value
    keys = sorted(by_key)
    return _Clusters(keys, [by_key[k] for k in keys])


def _sum(vectors: Sequence[list[float]], picks: Sequence[int]) -> list[float]:
    total = [0.0] * len(_FIELDS)
    for p in picks:
        for i, value in enumerate(vectors[p]):
            total[i] += value
    return total


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _interval(
    point: float | None, draws: list[float], n: int, level: float, resamples: int
) -> ConfidenceInterval:
    # Resamples where the metric is undefined (e.g. no healthy case drawn) are dropped; when most
    # are undefined the interval would describe a different population, so report none.
    if point is None or len(draws) < resamples / 2:
        return ConfidenceInterval(value=point, low=None, high=None, level=level, n=n)
    draws.sort()
    alpha = (1 - level) / 2
    return ConfidenceInterval(
        value=point, low=_quantile(draws, alpha), high=_quantile(draws, 1 - alpha), level=level, n=n
    )


def bootstrap_intervals(
    cases: Iterable[CaseRecord],
    metrics: Sequence[str] = tuple(BOOTSTRAP_METRICS),
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
) -> dict[str, ConfidenceInterval]:
    """Percentile bootstrap intervals (scenario-clustered) for each named metric."""
    unknown = [m for m in metrics if m not in BOOTSTRAP_METRICS]
    if unknown:
        raise ValueError(f"no bootstrap for {unknown}; known: {', '.join(BOOTSTRAP_METRICS)}")
    clusters = _clusters(cases)
    m = len(clusters.keys)
    total = _sum(clusters.vectors, range(m))
    n = int(total[_IDX["n"]])
    draws: dict[str, list[float]] = {name: [] for name in metrics}
    if m:
        rng = random.Random(seed)
        for _ in range(resamples):
            sample = _sum(clusters.vectors, [rng.randrange(m) for _ in range(m)])
            for name in metrics:
                value = BOOTSTRAP_METRICS[name](sample)
                if value is not None:
                    draws[name].append(value)
    return {
        name: _interval(BOOTSTRAP_METRICS[name](total) if m else None, draws[name], n, level, resamples)
        for name in metrics
    }


def paired_bootstrap(
    a: Iterable[CaseRecord],
    b: Iterable[CaseRecord],
    metrics: Sequence[str] = tuple(BOOTSTRAP_METRICS),
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
) -> dict[str, ConfidenceInterval]:
    """Interval of ``metric(B) - metric(A)`` on the scenarios both runs scored.

    Both runs are resampled with the same scenario draws, so case difficulty cancels out and the
    interval is far tighter than two independent intervals would suggest. Pairs are scenarios, not
    trials: a drawn scenario brings all its scored trials from each run, so a single run can be
    compared with a repeated one. ``n`` is the number of shared scenarios."""
    ca_all, cb_all = _clusters(a), _clusters(b)
    a_map = dict(zip(ca_all.keys, ca_all.vectors, strict=True))
    b_map = dict(zip(cb_all.keys, cb_all.vectors, strict=True))
    shared = sorted(a_map.keys() & b_map.keys())
    ca = _Clusters(shared, [a_map[k] for k in shared])
    cb = _Clusters(shared, [b_map[k] for k in shared])
    m = n = len(shared)

    def diff(va: Sequence[float], vb: Sequence[float], name: str) -> float | None:
        x, y = BOOTSTRAP_METRICS[name](va), BOOTSTRAP_METRICS[name](vb)
        return None if x is None or y is None else y - x

    total_a, total_b = _sum(ca.vectors, range(m)), _sum(cb.vectors, range(m))
    draws: dict[str, list[float]] = {name: [] for name in metrics}
    if m:
        rng = random.Random(seed)
        for _ in range(resamples):
            picks = [rng.randrange(m) for _ in range(m)]
            sa, sb = _sum(ca.vectors, picks), _sum(cb.vectors, picks)
            for name in metrics:
                value = diff(sa, sb, name)
                if value is not None:
                    draws[name].append(value)
    return {
        name: _interval(diff(total_a, total_b, name) if m else None, draws[name], n, level, resamples)
        for name in metrics
    }


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of P(at least one of k trials passes) from n trials with c passes."""
    _check(n, c, k)
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of P(all k trials pass) (pass^k) from n trials with c passes."""
    _check(n, c, k)
    return math.comb(c, k) / math.comb(n, k)


def _check(n: int, c: int, k: int) -> None:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")


def repeat_stats(cases: Iterable[CaseRecord], k: int | None = None) -> RepeatStats | None:
    """pass@k, pass^k and flakiness per scenario and overall (mean over scenarios).

    ``k`` defaults to the smallest number of scored trials any scenario has, so every scenario's
    estimate is defined. A scenario is flaky when its scored trials do not all share one outcome.
    Returns None when no scenario has a scored trial."""
    trials: dict[str, list[CaseRecord]] = {}
    attempts: dict[str, set[int]] = {}
    for case in cases:
        attempts.setdefault(case.scenario_id, set()).add(case.trial)
        if is_scored(case):
            trials.setdefault(case.scenario_id, []).append(case)
    if not trials:
        return None
    k_eff = k if k is not None else min(len(v) for v in trials.values())
    per_case: dict[str, dict[str, float]] = {}
    flaky: list[str] = []
    for sid in sorted(trials):
        runs = trials[sid]
        n, c = len(runs), sum(r.passed for r in runs)
        is_flaky = len({r.outcome for r in runs}) > 1
        if is_flaky:
            flaky.append(sid)
        row: dict[str, float] = {"n": float(n), "c": float(c), "flaky": float(is_flaky)}
        if k_eff <= n:
            row["pass_at_k"] = pass_at_k(n, c, k_eff)
            row["pass_hat_k"] = pass_hat_k(n, c, k_eff)
        per_case[sid] = row
    at = [r["pass_at_k"] for r in per_case.values() if "pass_at_k" in r]
    hat = [r["pass_hat_k"] for r in per_case.values() if "pass_hat_k" in r]
    return RepeatStats(
        trials=max(len(v) for v in attempts.values()),
        k=k_eff,
        scenarios=len(per_case),
        pass_at_k=sum(at) / len(at) if at else None,
        pass_hat_k=sum(hat) / len(hat) if hat else None,
        flaky_share=len(flaky) / len(per_case),
        flaky_cases=flaky,
        per_case=per_case,
    )
