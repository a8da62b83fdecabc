"""The trivial baselines next to the agent in reports: the comparison's arithmetic per tier and
scale, and every view that carries it (report.json, the terminal table, the HTML page, JUnit
properties, regrade, merge, rebuild, ``report compare``'s context, and reports written before
baselines existed or with ``--netopsbench-no-baselines``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.report import (
    BaselineContext,
    BaselineScore,
    BenchmarkReport,
    CaseRecord,
    RunMeta,
    baseline_properties,
    build_report,
    compare_reports,
    load_report,
    merge_reports,
    rebuild_report,
    regrade_cases,
    render_report_html,
    render_table,
    save_report,
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


def _compared_runs() -> tuple[BenchmarkReport, BenchmarkReport]:
    """Two runs sharing scenarios a, b, h, c, n. A: the agent 1, 0, 1, 0.5 (and 1 on n, which has
    no baseline scores, so the context leaves it out), baseline-healthy 0, 0, 1, 0, baseline-worst-
    pair 0.5, 1, 1, 0.5. B: the agent 1, 1, 0, 1, 1, baseline-healthy 0, 0, 1, 0, 0, baseline-worst-
    pair 0, 0.5, 0, 0, 0. Each also has a scenario of its own with baseline scores, which must not
    enter, and A a harness failure."""
    a = [
        _with(fault_case("a"), 0.0, 0.5),
        _with(fault_case("b", verdict=False), 0.0, 1.0),
        _with(healthy_case("h"), 1.0, 1.0),
        _with(fault_case("c", itf=False), 0.0, 0.5),
        fault_case("n"),
        _with(fault_case("x", outcome="infra_error"), 1.0, 1.0),
        _with(fault_case("only-a", verdict=False), 1.0, 1.0),
    ]
    b = [
        _with(fault_case("a"), 0.0, 0.0),
        _with(fault_case("b"), 0.0, 0.5),
        _with(healthy_case("h", verdict=False), 1.0, 0.0),
        _with(fault_case("c"), 0.0, 0.0),
        _with(fault_case("n"), 0.0, 0.0),
        _with(healthy_case("only-b"), 1.0, 1.0),
    ]
    return (
        build_report(RunMeta(run_id="run-a", agent="reference"), a, resamples=20),
        build_report(RunMeta(run_id="run-b", agent="llm"), b, resamples=20),
    )


def _no_baselines(report: BenchmarkReport, run_id: str) -> BenchmarkReport:
    """The same cases as a run with --netopsbench-no-baselines records them: no baseline scores."""
    cases = [c.model_copy(update={"baselines": {}}) for c in report.cases]
    return build_report(report.run.model_copy(update={"run_id": run_id}), cases, resamples=20)


def test_compare_puts_each_run_next_to_the_baselines_on_its_compared_cases() -> None:
    a, b = _compared_runs()
    cmp = compare_reports(a, b, resamples=20)
    assert cmp.shared_scenarios == 5 and (cmp.a_cases, cmp.b_cases) == (5, 5)
    assert cmp.a_baselines == BaselineContext(
        cases=4, agent=0.625, baselines={HEALTHY: 0.25, WORST: 0.75}, best=WORST, margin=-0.125
    )
    ctx = cmp.b_baselines
    assert ctx is not None and (ctx.cases, ctx.best) == (5, HEALTHY)
    assert ctx.agent == pytest.approx(0.8) and ctx.margin == pytest.approx(0.6)
    assert ctx.baselines == {HEALTHY: pytest.approx(0.2), WORST: pytest.approx(0.1)}
    # the JSON form carries it; a run without baseline scores is null there, never zeros
    again = compare_reports(a, _no_baselines(b, "run-c"), resamples=20)
    data = json.loads(again.model_dump_json())
    assert data["a_baselines"]["margin"] == -0.125 and data["b_baselines"] is None


CONTEXT_LINES = [
    "context: each run's agent and the trivial baselines on its compared cases (mean score)",
    "  run  cases  agent  baseline-healthy  baseline-worst-pair  margin over the better baseline",
    "  A        4  0.625             0.250                0.750  -0.125 (baseline-worst-pair)",
    "  B        5  0.800             0.200                0.100  +0.600 (baseline-healthy)",
]


def _saved(tmp_path: Path, *reports: BenchmarkReport) -> list[str]:
    paths = []
    for report in reports:
        paths.append(str(save_report(report, tmp_path / report.run.run_id / "report.json")))
    return paths


def test_report_compare_prints_the_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _compared_runs()
    c = _no_baselines(b, "run-c")
    pa, pb, pc = _saved(tmp_path, a, b, c)
    assert main(["report", "compare", pa, pb]) == 0
    out = capsys.readouterr().out.splitlines()
    at = out.index(CONTEXT_LINES[0])
    assert out[at : at + 5] == [*CONTEXT_LINES, ""]
    # a run built with --netopsbench-no-baselines says so, in either place
    assert main(["report", "compare", pa, pc]) == 0
    out = capsys.readouterr().out.splitlines()
    at = out.index(CONTEXT_LINES[0])
    assert out[at + 2 : at + 4] == [CONTEXT_LINES[2], "  B    no baselines recorded"]
    assert main(["report", "compare", pc, pa]) == 0
    out = capsys.readouterr().out.splitlines()
    at = out.index(CONTEXT_LINES[0])
    assert out[at + 2 : at + 4] == [
        "  A    no baselines recorded",
        "  B        4  0.625             0.250                0.750  -0.125 (baseline-worst-pair)",
    ]
    assert main(["report", "compare", pc, pc]) == 0
    assert "context: no baselines recorded in either run" in capsys.readouterr().out.splitlines()
    assert main(["report", "compare", pa, pc, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["a_baselines"]["agent"] == 0.625 and data["b_baselines"] is None


def test_report_compare_html_shows_the_context(tmp_path: Path) -> None:
    a, b = _compared_runs()
    pa, pb, pc = _saved(tmp_path, a, b, _no_baselines(b, "run-c"))
    page = tmp_path / "site" / "compare.html"
    assert main(["report", "compare", pa, pb, "--html", str(page)]) == 0
    text = page.read_text()
    assert "<h2>Context: the trivial baselines on the same episodes</h2>" in text
    assert (
        "<thead><tr><th>run</th><th>cases</th><th>agent</th><th>baseline-healthy</th>"
        "<th>baseline-worst-pair</th><th>margin over the better baseline</th></tr></thead>"
    ) in text
    assert (
        '<tr><td>A</td><td class="num">4</td><td class="num">0.625</td><td class="num">0.250</td>'
        '<td class="num">0.750</td><td>-0.125 (baseline-worst-pair)</td></tr>'
        '<tr><td>B</td><td class="num">5</td><td class="num">0.800</td><td class="num">0.200</td>'
        '<td class="num">0.100</td><td>+0.600 (baseline-healthy)</td></tr>'
    ) in text
    assert main(["report", "compare", pa, pc, "--html", str(page)]) == 0
    text = page.read_text()
    assert '<tr><td>B</td><td colspan="5">no baselines recorded</td></tr>' in text
    assert "0.000" not in text[text.index("<h2>Context") : text.index("<h2>Pass rate")]
    assert main(["report", "compare", pc, pc, "--html", str(page)]) == 0
    assert "<p>no baselines recorded in either run</p>" in page.read_text()


def test_report_show_html_header_names_the_baselines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = build_report(RunMeta(run_id="r", agent="reference"), _cases(), resamples=20)
    (path,) = _saved(tmp_path, report)
    page = tmp_path / "site" / "run.html"
    assert main(["report", "show", path, "--html", str(page)]) == 0
    assert "reference 0.625 | baseline-worst-pair 0.625 | baseline-healthy 0.250" in capsys.readouterr().out
    text = page.read_text()
    header = text[text.index('<p class="header">') :]
    header = header[: header.index("</p>")]
    line = "vs baselines reference 0.625 | baseline-worst-pair 0.625 | baseline-healthy 0.250"
    assert header.endswith(line)
    # without baseline scores: no line, no table, no crash
    (bare,) = _saved(tmp_path, _no_baselines(report, "bare"))
    assert main(["report", "show", bare, "--html", str(page)]) == 0
    assert "baselines" not in capsys.readouterr().out
    text = page.read_text()
    assert "vs baselines" not in text and "against the trivial baselines" not in text
