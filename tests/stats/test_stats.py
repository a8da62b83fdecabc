"""Bootstrap intervals, paired bootstrap, pass@k / pass^k and flakiness against hand-computed values."""

from __future__ import annotations

import math

import pytest

from pytest_netopsbench.scoring import (
    bootstrap_intervals,
    paired_bootstrap,
    pass_at_k,
    pass_hat_k,
    repeat_stats,
)

from ._cases import fault_case, healthy_case, mixed_run

approx = pytest.approx


@pytest.mark.parametrize(
    ("n", "c", "k", "at", "hat"),
    [
        (5, 2, 1, 0.4, 0.4),
        (5, 2, 2, 1 - 3 / 10, 1 / 10),  # 1 - C(3,2)/C(5,2); C(2,2)/C(5,2)
        (5, 0, 3, 0.0, 0.0),
        (5, 5, 3, 1.0, 1.0),
        (4, 3, 2, 1.0, 3 / 6),  # n - c < k: some pass is certain; C(3,2)/C(4,2)
        (1, 1, 1, 1.0, 1.0),
        (1, 0, 1, 0.0, 0.0),
    ],
)
def test_pass_at_k_and_pass_hat_k(n: int, c: int, k: int, at: float, hat: float) -> None:
    assert pass_at_k(n, c, k) == approx(at)
    assert pass_hat_k(n, c, k) == approx(hat)


def test_pass_at_k_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="n=3 c=4 k=1"):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError, match="k=4"):
        pass_hat_k(3, 1, 4)


def test_repeat_stats_by_hand() -> None:
    cases = [
        # A: pass, fail, pass -> flaky; B: always passes; C: fails twice, third trial is a harness error
        fault_case("a", trial=0),
        fault_case("a", trial=1, device=False),
        fault_case("a", trial=2),
        fault_case("b", trial=0),
        fault_case("b", trial=1),
        fault_case("b", trial=2),
        healthy_case("c", trial=0, verdict=False),
        healthy_case("c", trial=1, verdict=False),
        healthy_case("c", trial=2, outcome="infra_error"),
    ]
    r = repeat_stats(cases)
    assert r is not None
    assert (r.trials, r.k, r.scenarios) == (3, 2, 3)  # k = fewest scored trials (c has 2)
    assert r.per_case["a"]["n"] == 3 and r.per_case["a"]["c"] == 2
    assert r.per_case["a"]["pass_at_k"] == approx(1.0)  # 1 - C(1,2)/C(3,2)
    assert r.per_case["a"]["pass_hat_k"] == approx(1 / 3)  # C(2,2)/C(3,2)
    assert r.per_case["c"]["n"] == 2 and r.per_case["c"]["pass_at_k"] == 0
    assert r.pass_at_k == approx((1 + 1 + 0) / 3)
    assert r.pass_hat_k == approx((1 / 3 + 1 + 0) / 3)
    assert r.flaky_cases == ["a"] and r.flaky_share == approx(1 / 3)


def test_repeat_stats_one_trial() -> None:
    r = repeat_stats([fault_case("a"), healthy_case("h", verdict=False)])
    assert r is not None
    assert (r.trials, r.k) == (1, 1)
    assert r.pass_at_k == approx(0.5) and r.pass_hat_k == approx(0.5)  # both equal the pass rate
    assert r.flaky_share == 0


def test_repeat_stats_explicit_k_skips_scenarios_with_fewer_trials() -> None:
    cases = [fault_case("a", trial=t) for t in range(3)] + [fault_case("b", device=False)]
    r = repeat_stats(cases, k=2)
    assert r is not None
    assert "pass_at_k" not in r.per_case["b"] and r.pass_at_k == approx(1.0)


def test_bootstrap_is_seeded_and_contains_the_point() -> None:
    cases = mixed_run()
    one = bootstrap_intervals(cases, resamples=500, seed=7)
    two = bootstrap_intervals(cases, resamples=500, seed=7)
    assert one == two
    for name, ci in one.items():
        assert ci.n == 6, name  # the infra_error case is not resampled
        if ci.low is not None and ci.high is not None and ci.value is not None:
            assert ci.low <= ci.value <= ci.high, name
    assert one["mean_score"].value == approx(2.5 / 6)
    assert bootstrap_intervals(cases, resamples=500, seed=8) != one


def test_bootstrap_of_a_constant_metric_has_zero_width() -> None:
    ci = bootstrap_intervals([fault_case(f"s{i}") for i in range(5)], resamples=200)
    assert (ci["mean_score"].low, ci["mean_score"].high) == (1.0, 1.0)
    assert (ci["device_localization_rate"].low, ci["device_localization_rate"].high) == (1.0, 1.0)
    # no healthy case: the false-positive rate has no value and no interval
    assert ci["false_positive_rate"].value is None and ci["false_positive_rate"].low is None


def test_bootstrap_two_point_distribution_matches_binomial_quantiles() -> None:
    # 10 scenarios, scores half 1 and half 0: a resample mean is Binomial(10, 0.5)/10, whose 2.5% and
    # 97.5% quantiles are 0.2 and 0.8; the percentile interval must land there (within one step).
    cases = [fault_case(f"s{i}", device=i % 2 == 0, interface=None) for i in range(10)]
    ci = bootstrap_intervals(cases, ["mean_score"], resamples=4000, seed=1)["mean_score"]
    assert ci.value == approx(0.5)
    assert ci.low is not None and ci.high is not None
    assert 0.1 <= ci.low <= 0.3 and 0.7 <= ci.high <= 0.9


def test_bootstrap_clusters_trials_of_one_scenario() -> None:
    # one scenario repeated: every resample draws the same cluster, so the interval collapses
    cases = [fault_case("a", trial=t, device=t % 2 == 0, interface=None) for t in range(4)]
    ci = bootstrap_intervals(cases, ["mean_score"], resamples=200)["mean_score"]
    assert ci.n == 4 and ci.value == approx(0.5) and ci.low == approx(0.5) and ci.high == approx(0.5)


def test_bootstrap_unknown_metric() -> None:
    with pytest.raises(ValueError, match="no bootstrap for"):
        bootstrap_intervals(mixed_run(), ["median_mood"])


def test_paired_bootstrap_by_hand() -> None:
    a = [fault_case(f"s{i}", device=i < 5, interface=None) for i in range(10)]  # 5/10 right
    b = [fault_case(f"s{i}", device=i < 6, interface=None) for i in range(10)]  # s5 fixed as well
    b.append(fault_case("only-in-b"))
    diff = paired_bootstrap(a, b, ["mean_score", "device_localization_rate"], resamples=1000)
    ci = diff["mean_score"]
    assert ci.n == 10  # only shared cases
    assert ci.value == approx(0.1)
    # B is never worse on any case, so no resample can show B behind A
    assert ci.low is not None and ci.high is not None and ci.value is not None
    assert 0.0 <= ci.low <= ci.value <= ci.high <= 0.4
    assert diff["device_localization_rate"].value == approx(0.1)


def test_paired_bootstrap_identical_runs() -> None:
    runs = mixed_run()
    diff = paired_bootstrap(runs, runs, resamples=200)
    assert diff["mean_score"].value == 0 and diff["mean_score"].low == 0 and diff["mean_score"].high == 0


def test_paired_bootstrap_no_shared_cases() -> None:
    diff = paired_bootstrap([fault_case("a")], [fault_case("b")], ["mean_score"], resamples=50)
    assert diff["mean_score"].value is None and diff["mean_score"].n == 0
    assert not math.isnan(float(diff["mean_score"].level))


def test_repeat_stats_with_trials_numbered_from_one() -> None:
    # the plugin numbers repeated items trial1..trialN
    cases = [fault_case("a", trial=t, device=t != 2) for t in (1, 2, 3)]
    r = repeat_stats(cases)
    assert r is not None
    assert (r.trials, r.k) == (3, 3)
    assert r.pass_at_k == 1 and r.pass_hat_k == 0 and r.flaky_cases == ["a"]
