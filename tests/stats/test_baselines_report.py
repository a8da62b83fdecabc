"""The trivial baselines next to the agent in reports: the comparison's arithmetic per tier and
scale, and every view that carries it (report.json, the terminal table, the HTML page, JUnit
properties, regrade, merge, rebuild, and reports written before baselines existed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.report import (
    BaselineScore,
    BenchmarkReport,
    CaseRecord,
    RunMeta,
    baseline_properties,
    build_report,
    load_report,
    merge_reports,
    rebuild_report,
    regrade_cases,
    render_report_html,
    render_table,
)
from pytest_netopsbench.report._rundir import RunDir
from pytest_netopsbench.scoring import baseline_comparison

from ._cases import fault_case, healthy_case

HEALTHY, WORST = "baseline-healthy", "baseline-worst-pair"


def _b(score: float, diagnosis: DiagnosisResult | None = None) -> BaselineScore:
    return BaselineScore(
        score=score, passed=score >= 1.0, outcome="correct" if score >= 1.0 else "wrong", diagnosis=diagnosis
    )


def _with(case: CaseRecord, healthy: float, worst: float, **extra: object) -> CaseRecord:
    return case.model_copy(update={"baselines": {HEALTHY: _b(healthy), WORST: _b(worst)}, **extra})


def _cases() -> list[CaseRecord]:
    """standard/xs: 2 faults + 1 healthy; hard/s: 1 fault; plus a harness failure and a case from a
    run without baselines, which the comparison must leave out."""
    return [
        _with(fault_case("a"), 0.0, 0.5),  # agent 1.0
        _with(fault_case("b", verdict=False), 0.0, 1.0),  # agent 0.0
        _with(healthy_case("h"), 1.0, 1.0),  # agent 1.0
        _with(fault_case("c", scale="s", itf=False), 0.0, 0.0, tier="hard"),  # agent 0.5
        _with(fault_case("x", outcome="infra_error"), 0.0, 0.0),
        fault_case("n"),  # no baselines: not compared
    ]


def test_comparison_per_tier_and_scale_then_all() -> None:
    rows = baseline_comparison(_cases())
    assert [(r.tier, r.scale) for r in rows] == [("standard", "xs"), ("hard", "s"), ("all", "all")]
    std, hard, every = rows
    assert std.agent.cases == 3 and std.agent.mean_score == pytest.approx(2 / 3)
    assert std.agent.passed == 2 and std.agent.pass_rate == pytest.approx(2 / 3)
    assert std.baselines[HEALTHY].mean_score == pytest.approx(1 / 3)
    assert std.baselines[WORST].mean_score == pytest.approx(2.5 / 3)
    assert std.baselines[WORST].pass_rate == pytest.approx(2 / 3)
    assert hard.agent.mean_score == 0.5 and hard.agent.pass_rate == 0.0
    assert hard.baselines[HEALTHY].mean_score == 0.0
    assert every.agent.cases == 4 and every.agent.mean_score == pytest.approx(2.5 / 4)
    assert every.baselines[HEALTHY].mean_score == pytest.approx(1 / 4)
    assert every.baselines[WORST].mean_score == pytest.approx(2.5 / 4)


def test_agent_failures_count_as_zero_and_missing_baselines_as_absent() -> None:
    crashed = _with(fault_case("t", verdict=False, outcome="agent_timeout"), 0.0, 0.5)
    partial = fault_case("p").model_copy(update={"baselines": {HEALTHY: _b(0.0)}})
    every = baseline_comparison([crashed, partial])[-1]
    assert every.agent.cases == 2 and every.agent.mean_score == 0.5
    assert every.baselines[HEALTHY].cases == 2 and every.baselines[WORST].cases == 1
    assert every.baselines[WORST].mean_score == 0.5
    assert baseline_comparison([fault_case("n"), healthy_case("m")]) == []


def test_report_and_terminal_table() -> None:
    report = build_report(RunMeta(run_id="r", agent="reference"), _cases(), resamples=20)
    assert report.baselines == baseline_comparison(report.cases)
    text = render_table(report)
    # the strongest baseline first, then the weaker
    assert (
        "vs baselines" in text
        and "reference 0.625 | baseline-worst-pair 0.625 | baseline-healthy 0.250" in text
    )
    lines = text.splitlines()
    head = lines.index("against the trivial baselines on the same episodes (mean score / pass rate)")
    table = lines[head + 1 :]
    assert table[0].split() == ["tier", "scale", "cases", "reference", WORST, HEALTHY]
    assert table[3].split() == [
        "hard",
        "s",
        "1",
        "0.500",
        "/",
        "0.0%",
        "0.000",
        "/",
        "0.0%",
        "0.000",
        "/",
        "0.0%",
    ]
    assert table[-1].split()[:6] == ["all", "all", "4", "0.625", "/", "50.0%"]
    # the JSON round trip keeps the comparison
    again = BenchmarkReport.model_validate_json(report.model_dump_json(by_alias=True))
    assert again.baselines == report.baselines


def test_a_report_without_baselines_loads_and_shows_no_comparison(tmp_path: Path) -> None:
    report = build_report(RunMeta(run_id="old"), [fault_case("a"), healthy_case("h")], resamples=20)
    data = json.loads(report.model_dump_json(by_alias=True))
    data.pop("baselines")
    for case in data["cases"]:
        case.pop("baselines")
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    old = load_report(path)
    assert old.baselines == [] and all(c.baselines == {} for c in old.cases)
    text = render_table(old)
    assert "baselines" not in text
    assert baseline_properties(old) == {}


def test_junit_properties() -> None:
    report = build_report(RunMeta(run_id="r", agent="reference"), _cases(), resamples=20)
    props = baseline_properties(report)
    assert props["baselines"] == "reference 0.625 | baseline-worst-pair 0.625 | baseline-healthy 0.250"
    assert (
        props["baselines.pass_rate"] == "reference 0.500 | baseline-worst-pair 0.500 | baseline-healthy 0.250"
    )
    assert props["baselines.hard.s"] == "reference 0.500 | baseline-healthy 0.000 | baseline-worst-pair 0.000"
    assert set(props) == {"baselines", "baselines.pass_rate", "baselines.hard.s", "baselines.standard.xs"}


def test_html_page_shows_the_comparison_and_each_case(tmp_path: Path) -> None:
    report = build_report(RunMeta(run_id="r", agent="reference"), _cases(), resamples=20)
    page = render_report_html(report, tmp_path / "page.html")
    assert "against the trivial baselines on the same episodes" in page
    assert "<th>baselines</th>" in page
    assert "baseline-healthy 0, baseline-worst-pair 0.5" in page


def test_regrade_rescores_the_baselines_answers() -> None:
    # link_down at leaf1:eth1; worst-pair names leaf1 without an interface (0.5); healthy says 0
    worst = DiagnosisResult(verdict="fault_detected", device="leaf1")
    healthy = DiagnosisResult(verdict="network_healthy")
    case = fault_case("a").model_copy(
        update={
            "baselines": {
                HEALTHY: _b(0.0, healthy),
                WORST: BaselineScore(score=0.0, outcome="wrong", diagnosis=worst),  # stale score
                "broken": BaselineScore(outcome="agent_error", message="diagnose() raised"),
            }
        }
    )
    result = regrade_cases(RunMeta(run_id="r", pass_score=1.0), [case], pass_score=0.5, resamples=20)
    got = result.report.cases[0].baselines
    assert (got[WORST].score, got[WORST].passed, got[WORST].outcome) == (0.5, True, "correct")
    assert (got[HEALTHY].score, got[HEALTHY].passed) == (0.0, False)
    assert got["broken"].outcome == "agent_error"  # nothing saved to rescore
    assert result.report.baselines[-1].baselines[WORST].pass_rate == 1.0


def test_merge_and_rebuild_combine_the_cases_baselines(tmp_path: Path) -> None:
    cases = _cases()
    a = build_report(RunMeta(run_id="a", agent="reference"), cases[:2], resamples=20)
    b = build_report(RunMeta(run_id="b", agent="reference"), cases[2:], resamples=20)
    merged = merge_reports([a, b])
    assert merged.baselines == baseline_comparison(cases)

    run = RunDir.create(tmp_path / "runs", "run-rebuild-1")
    for case in cases:
        run.append_case(case)
    rebuilt, _ = rebuild_report(run.root)
    assert rebuilt.baselines == baseline_comparison(cases)


def test_report_show_prints_the_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = build_report(RunMeta(run_id="r", agent="reference"), _cases(), resamples=20)
    path = tmp_path / "report.json"
    path.write_text(report.model_dump_json(by_alias=True))
    assert main(["report", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "reference 0.625 | baseline-worst-pair 0.625 | baseline-healthy 0.250" in out


def test_trace_viewer_index_names_the_comparison(tmp_path: Path) -> None:
    from pytest_netopsbench.report import render_viewer_index

    report = build_report(RunMeta(run_id="r", agent="reference"), _cases(), resamples=20)
    trials = {c.case_id: f"trial-{i}" for i, c in enumerate(report.cases)}
    page = render_viewer_index(report, trials, tmp_path)
    assert "vs baselines reference 0.625 | baseline-worst-pair 0.625 | baseline-healthy 0.250" in page
