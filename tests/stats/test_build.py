"""build_report and render_table on synthetic records."""

from __future__ import annotations

import pytest

from pytest_netopsbench.report import BenchmarkReport, RunMeta, build_report, render_table

from ._cases import fault_case, healthy_case, mixed_run


def test_build_report_single_trial() -> None:
    report = build_report(RunMeta(run_id="r1", agent="scripted", campaign_version="2026.11-1"), mixed_run())
    assert report.repeats is None  # no case has trial > 0
    assert report.summary.scored_cases == 6
    assert set(report.breakdowns) == {"fault_type", "scale", "difficulty", "kind"}
    assert {"mean_score", "detection_f1", "device_localization_rate", "interface_localization_rate"} <= set(
        report.confidence
    )
    assert [c.scenario_id for c in report.cases] == sorted(c.scenario_id for c in report.cases)
    # round trip through JSON, with the "schema" alias
    text = report.model_dump_json(by_alias=True)
    assert '"schema":"netopsbench-report/1"' in text
    assert BenchmarkReport.model_validate_json(text) == report


def test_build_report_is_independent_of_case_order() -> None:
    cases = mixed_run()
    meta = RunMeta(run_id="r1")
    assert build_report(meta, cases) == build_report(meta, list(reversed(cases)))


def test_build_report_with_repeats() -> None:
    cases = [fault_case("a", trial=t, device=t != 1) for t in range(3)] + [
        healthy_case("h", trial=t) for t in range(3)
    ]
    report = build_report(RunMeta(run_id="r2"), cases)
    assert report.repeats is not None
    assert report.repeats.k == 3 and report.repeats.flaky_cases == ["a"]
    assert report.repeats.pass_at_k == pytest.approx(1.0)
    assert report.repeats.pass_hat_k == pytest.approx(0.5)  # a: C(2,3)=0; h: 1


def test_render_table() -> None:
    report = build_report(RunMeta(run_id="r1", agent="scripted", campaign_version="2026.11-1"), mixed_run())
    text = render_table(report)
    lines = text.splitlines()
    assert "campaign 2026.11-1" in lines[0]
    header = next(line for line in lines if line.startswith("fault type"))
    for column in ("cases", "pass rate", "mean score", "mean agent"):
        assert column in header
    rows = {
        line.split()[0]: line
        for line in lines
        if line and line.split()[0] in {"link_down", "packet_loss", "healthy", "all"}
    }
    assert "excluded" in header  # mixed_run has an infra_error case
    assert rows["healthy"].split()[1:5] == ["2", "0", "1", "50.0%"]  # cases, excluded, passed, rate
    assert rows["all"].split()[1:4] == ["7", "1", "2"]
    assert rows["link_down"].split()[1:5] == ["2", "1", "1", "100.0%"]
    # healthy is listed after the fault types, "all" last
    assert lines.index(rows["healthy"]) > lines.index(rows["packet_loss"])
    score_line = next(line for line in lines if "mean score" in line and "[" in line)
    ci = report.confidence["mean_score"]
    assert f"[{ci.low:.3f}, {ci.high:.3f}]" in score_line
    assert "excluded (harness)" in text and "1 case(s)" in text
    assert "pass@" not in text


def test_render_table_repeats_and_usage() -> None:
    cases = [fault_case("a", trial=t, input_tokens=10, output_tokens=1, cost_usd=0.5) for t in range(2)]
    text = render_table(build_report(RunMeta(run_id="r3"), cases))
    assert "pass@2 / pass^2" in text and "100.0% / 100.0%" in text
    assert "tokens in / out" in text and "$1.0000" in text
    assert "excluded" not in text  # no harness failure, no column


def test_campaign_version_is_lifted_from_cases() -> None:
    cases = [fault_case("a", campaign="2026.11-1"), healthy_case("h", campaign="2026.11-1")]
    assert build_report(RunMeta(run_id="r"), cases).run.campaign_version == "2026.11-1"
    mixed = [fault_case("a", campaign="v1"), healthy_case("h", campaign="v2")]
    assert build_report(RunMeta(run_id="r"), mixed).run.campaign_version is None
    assert build_report(RunMeta(run_id="r", campaign_version="x"), cases).run.campaign_version == "x"


def test_breakdown_prefers_the_scenario_fault_type() -> None:
    # an infra_error before ground truth existed still lands under its fault type
    case = fault_case("a", outcome="infra_error")
    case = case.model_copy(update={"expected": None, "fault_type": "mtu_mismatch"})
    report = build_report(RunMeta(run_id="r"), [case])
    assert list(report.breakdowns["fault_type"]) == ["mtu_mismatch"]
