"""Headline metrics against values computed by hand from ``mixed_run`` (see _cases.py):

scored: f1 f2 f3 f4 (fault) h1 h2 (healthy); x1 is an infra_error and enters no agent metric.
TP = f1 f2 f3, FN = f4, TN = h1, FP = h2 (inconclusive on a healthy network is a false alarm).
"""

from __future__ import annotations

import pytest

from pytest_netopsbench.scoring import breakdowns, summarize

from ._cases import fault_case, healthy_case, mixed_run

approx = pytest.approx


def test_mixed_run_by_hand() -> None:
    s = summarize(mixed_run())
    assert (s.cases, s.scored_cases, s.excluded_cases) == (7, 6, 1)
    assert (s.fault_cases, s.healthy_cases, s.interface_cases) == (4, 2, 2)
    assert (s.true_positives, s.false_negatives, s.true_negatives, s.false_positives) == (3, 1, 1, 1)
    assert s.detection_accuracy == approx(4 / 6)
    assert s.detection_precision == approx(3 / 4)
    assert s.detection_recall == approx(3 / 4)
    assert s.detection_f1 == approx(6 / 8)
    # healthy-class F1 = 2*TN / (2*TN + FP + FN) = 2/4; macro = (0.75 + 0.5) / 2
    assert s.detection_macro_f1 == approx(0.625)
    assert s.false_positive_rate == approx(1 / 2)
    assert s.device_localization_rate == approx(2 / 4)  # f1, f2
    assert s.interface_localization_rate == approx(1 / 2)  # f1 of {f1, f2}
    assert s.fault_type_accuracy == approx(2 / 4)  # f1, f3
    assert s.strict_accuracy == approx(2 / 6)  # f1, h1
    assert s.mean_score == approx((1 + 0.5 + 0 + 0 + 1 + 0) / 6)
    assert s.passed == 2 and s.pass_rate == approx(2 / 6)
    assert s.mean_agent_seconds == approx(20.0)
    # sorted 5 10 15 20 30 40: rank 0.9*5 = 4.5 -> 30 + 0.5*(40-30)
    assert s.p90_agent_seconds == approx(35.0)
    assert s.mean_tool_calls == approx(20 / 6)
    assert (s.tool_calls, s.input_tokens, s.output_tokens) == (20, 300, 30)
    assert s.cost_usd == approx(0.03)
    assert s.mean_cost_usd == approx(0.015)
    assert s.outcomes["correct"] == 2 and s.outcomes["wrong"] == 4 and s.outcomes["infra_error"] == 1


def test_no_healthy_cases_leaves_healthy_metrics_undefined() -> None:
    s = summarize([fault_case("a"), fault_case("b", verdict=False, device=False, itf=False)])
    assert s.healthy_cases == 0
    assert s.false_positive_rate is None
    assert s.detection_macro_f1 is None
    assert s.detection_precision == approx(1.0)
    assert s.detection_f1 == approx(2 / 3)  # 2*1 / (2*1 + 0 + 1)


def test_all_failing() -> None:
    cases = [
        fault_case("a", verdict=False, device=False, itf=False, ftype=False, outcome="agent_timeout"),
        fault_case("b", interface=None, verdict=False, device=False, ftype=False, outcome="agent_error"),
        healthy_case("h", verdict=False, outcome="invalid_result"),
    ]
    s = summarize(cases)
    assert s.scored_cases == 3  # agent failures are the agent's: they stay in the denominators
    assert s.pass_rate == 0 and s.mean_score == 0 and s.strict_accuracy == 0
    assert s.detection_precision == 0  # the one "positive" answer (h) was a false alarm
    assert s.detection_recall == 0 and s.detection_f1 == 0
    assert s.detection_macro_f1 == 0
    assert s.false_positive_rate == 1
    assert s.device_localization_rate == 0 and s.interface_localization_rate == 0


def test_only_excluded_cases_gives_no_agent_metric() -> None:
    s = summarize([fault_case("a", outcome="infra_error"), healthy_case("h", outcome="skipped")])
    assert (s.cases, s.scored_cases, s.excluded_cases) == (2, 0, 2)
    assert s.mean_score is None and s.pass_rate is None and s.detection_f1 is None
    assert s.mean_agent_seconds is None and s.p90_agent_seconds is None
    assert s.cost_usd is None


def test_empty() -> None:
    s = summarize([])
    assert s.cases == 0 and s.mean_score is None and s.detection_accuracy is None


def test_interface_credit_needs_the_right_device() -> None:
    # a scorer bug or a hand-made record must not give interface credit on the wrong device
    s = summarize([fault_case("a", device=False, itf=True, score=0.0)])
    assert s.interface_localization_rate == 0


def test_breakdowns_by_hand() -> None:
    b = breakdowns(mixed_run())
    assert sorted(b) == ["difficulty", "fault_type", "kind", "scale"]
    ft = b["fault_type"]
    assert list(ft) == sorted(ft)
    assert ft["healthy"].cases == 2 and ft["healthy"].false_positive_rate == approx(0.5)
    assert ft["link_down"].cases == 2 and ft["link_down"].scored_cases == 1
    assert ft["link_down"].mean_score == approx(1.0)
    assert ft["packet_loss"].interface_localization_rate == 0
    assert ft["device_down"].detection_recall == 0
    assert b["scale"]["s"].cases == 1 and b["scale"]["xs"].cases == 6
    assert b["difficulty"]["easy"].cases == 4  # f1, f4, h1, h2
    assert b["difficulty"]["hard"].fault_type_accuracy == 1
