"""Report files, compare and merge on synthetic reports, and the ``netopsbench report`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.errors import ReportError
from pytest_netopsbench.report import (
    BenchmarkReport,
    CaseRecord,
    RunMeta,
    build_report,
    compare_reports,
    load_report,
    merge_reports,
    render_comparison,
    save_report,
)

from ._cases import fault_case, healthy_case


def _run(fixed: int) -> list[CaseRecord]:
    """Ten link_down scenarios of which the first ``fixed`` are right, plus two healthy ones."""
    return [fault_case(f"s{i}", device=i < fixed, interface=None, ended=float(i)) for i in range(10)] + [
        healthy_case("h0"),
        healthy_case("h1", verdict=False),
    ]


def _report(run_id: str, fixed: int) -> BenchmarkReport:
    return build_report(
        RunMeta(run_id=run_id, agent="scripted", campaign_version="2026.11-1"), _run(fixed), resamples=500
    )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    report = _report("r1", 5)
    path = save_report(report, tmp_path / "run" / "report.json")
    assert load_report(path) == report
    assert load_report(path.parent) == report  # a run directory works too
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]  # no temp file left behind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a netopsbench report"),
        ('{"schema": "other/9"}', "incompatible"),
        ('{"schema": "netopsbench-report/1", "run": {}}', "invalid report field"),
    ],
)
def test_load_errors_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(ReportError, match=message) as info:
        load_report(bad)
    assert str(bad) in str(info.value)


def test_load_missing(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no such file"):
        load_report(tmp_path / "nope.json")
    with pytest.raises(ReportError, match=r"has no report\.json"):
        load_report(tmp_path)


def test_compare_by_hand() -> None:
    a, b = _report("a", 5), _report("b", 8)
    b.cases.append(fault_case("only-b"))
    cmp = compare_reports(a, b, resamples=500)
    assert cmp.shared_scenarios == 12 and cmp.only_in_b == ["only-b"] and cmp.only_in_a == []
    score = next(m for m in cmp.metrics if m.metric == "mean_score")
    assert score.a == pytest.approx(6 / 12) and score.b == pytest.approx(9 / 12)
    assert score.diff.value == pytest.approx(3 / 12)
    assert score.diff.low is not None and score.diff.low >= 0  # B never worse on any case
    assert [d.scenario_id for d in cmp.disagreements] == ["s5", "s6", "s7"]
    assert cmp.disagreements[0].a_outcomes == ["wrong"] and cmp.disagreements[0].b_passed == 1
    text = render_comparison(cmp)
    assert "s6: A wrong 0.00 (fault_detected)" in text and "mean_score" in text


def test_compare_identical_runs_finds_no_difference() -> None:
    a = _report("a", 5)
    cmp = compare_reports(a, a, resamples=200)
    assert cmp.disagreements == [] and all(m.better == "" for m in cmp.metrics)
    assert "no case where the runs disagree" in render_comparison(cmp)


def test_merge_shards() -> None:
    cases = _run(5)
    meta = RunMeta(run_id="s", agent="scripted", campaign_version="2026.11-1", workers=2)
    shard1 = build_report(
        meta.model_copy(update={"run_id": "s1", "host": "h1", "started": 10, "ended": 20}), cases[:6]
    )
    shard2 = build_report(
        meta.model_copy(update={"run_id": "s2", "host": "h2", "started": 5, "ended": 30}), cases[6:]
    )
    merged = merge_reports([shard1, shard2])
    whole = build_report(RunMeta(run_id="w"), cases)
    assert merged.summary == whole.summary and merged.confidence == whole.confidence
    assert merged.run.merged_from == ["s1", "s2"] and merged.run.workers == 4
    assert (merged.run.started, merged.run.ended, merged.run.host) == (5, 30, "h1,h2")
    assert merged.run.run_id == merge_reports([shard2, shard1]).run.run_id  # order-independent id


def test_merge_dedup_rule() -> None:
    meta = RunMeta(run_id="m", agent="x", campaign_version="v")
    infra = fault_case(
        "a", verdict=False, device=False, itf=False, ftype=False, outcome="infra_error", ended=100.0
    )
    rerun = fault_case("a", ended=50.0)
    older = fault_case("b", device=False, ended=1.0)
    newer = fault_case("b", ended=2.0)
    one = build_report(meta.model_copy(update={"run_id": "one"}), [infra, older])
    two = build_report(meta.model_copy(update={"run_id": "two"}), [rerun, newer])
    for order in ([one, two], [two, one]):
        merged = merge_reports(order)
        by = {c.scenario_id: c for c in merged.cases}
        assert by["a"].outcome == "correct"  # a scored record beats a harness failure, even if older
        assert by["b"].ended == 2.0  # otherwise the newer record wins
        assert len(merged.cases) == 2


def test_merge_refuses_different_campaigns_unless_forced() -> None:
    a = _report("a", 5)
    b = build_report(RunMeta(run_id="b", agent="scripted", campaign_version="2027.01-1"), [fault_case("z")])
    with pytest.raises(ReportError, match=r"different campaign versions.*--force"):
        merge_reports([a, b], names=["a.json", "b.json"])
    merged = merge_reports([a, b], force=True)
    assert len(merged.cases) == 13


def test_merge_refuses_different_agents() -> None:
    a = _report("a", 5)
    b = build_report(RunMeta(run_id="b", agent="other", campaign_version="2026.11-1"), [fault_case("z")])
    with pytest.raises(ReportError, match="different agents"):
        merge_reports([a, b])


def test_cli_show_compare_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = save_report(_report("a", 5), tmp_path / "a" / "report.json")
    b = save_report(_report("b", 8), tmp_path / "b" / "report.json")
    assert main(["report", "show", str(a)]) == 0
    out = capsys.readouterr().out
    assert "link_down" in out and "mean score" in out
    assert main(["report", "show", str(a.parent), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run"]["run_id"] == "a"
    assert main(["report", "compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "cases where the runs disagree (3)" in out
    # these runs scored no baselines: the context says so instead of showing zeros
    assert "context: no baselines recorded in either run" in out.splitlines()
    assert main(["report", "compare", str(a), str(b), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["disagreements"]) == 3
    assert data["a_baselines"] is None and data["b_baselines"] is None
    other = save_report(
        build_report(RunMeta(run_id="c", agent="scripted", campaign_version="old"), [fault_case("q")]),
        tmp_path / "c.json",
    )
    out_path = tmp_path / "merged.json"
    assert main(["report", "merge", str(a), str(other), "-o", str(out_path)]) == 1
    err = capsys.readouterr().err
    assert "different campaign versions" in err and str(other) in err and not out_path.exists()
    assert main(["report", "merge", str(a), str(other), "-o", str(out_path), "--force"]) == 0
    assert len(load_report(out_path).cases) == 13
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["report", "show", str(bad)]) == 1
    assert str(bad) in capsys.readouterr().err


def test_compare_single_run_with_repeated_run() -> None:
    """Pairs are scenarios: trial numbering (0 for one run, 1..N with repeats) does not matter."""

    def case(sid: str, trial: int = 0, ok: bool = True) -> CaseRecord:
        return fault_case(sid, trial=trial, device=ok, interface=None)

    single = build_report(RunMeta(run_id="one"), [case("a"), case("b", ok=False)])
    repeated = build_report(
        RunMeta(run_id="rep"),
        [
            case("a", 1),
            case("a", 2, ok=False),
            case("b", 1, ok=False),
            case("b", 2, ok=False),
        ],
    )
    cmp = compare_reports(single, repeated, resamples=200)
    assert cmp.shared_scenarios == 2 and (cmp.a_cases, cmp.b_cases) == (2, 4)
    score = next(m for m in cmp.metrics if m.metric == "mean_score")
    assert score.a == pytest.approx(0.5) and score.b == pytest.approx(0.25)
    assert [d.scenario_id for d in cmp.disagreements] == ["a"]  # b fails everywhere in both
    assert cmp.disagreements[0].b_outcomes == ["correct", "wrong"]


def test_compare_ahead_needs_an_interval_excluding_zero_and_enough_scenarios() -> None:
    a, b = _report("a", 0), _report("b", 10)
    # A raises a false alarm on both healthy scenarios, B on neither
    a.cases = [c if not c.healthy else healthy_case(c.scenario_id, verdict=False) for c in a.cases]
    b.cases = [c if not c.healthy else healthy_case(c.scenario_id) for c in b.cases]
    cmp = compare_reports(build_report(a.run, a.cases), build_report(b.run, b.cases), resamples=300)
    by = {m.metric: m for m in cmp.metrics}
    # ten fault scenarios, all fixed by B: an interval of [+1, +1] on enough scenarios is real
    assert (by["mean_score"].scenarios, by["mean_score"].better) == (12, "b")
    assert (by["device_localization_rate"].scenarios, by["device_localization_rate"].better) == (10, "b")
    # two healthy scenarios: B's lower false-positive rate ([-1, -1]) excludes 0 but is too few
    fpr = by["false_positive_rate"]
    assert fpr.scenarios == 2 and fpr.diff.high is not None and fpr.diff.high < 0 and fpr.better == ""


def test_compare_one_shared_healthy_case_is_never_ahead() -> None:
    a = build_report(RunMeta(run_id="a"), [healthy_case("h", verdict=False)])
    b = build_report(RunMeta(run_id="b"), [healthy_case("h")])
    cmp = compare_reports(a, b, resamples=100)
    score = next(m for m in cmp.metrics if m.metric == "mean_score")
    assert (score.diff.low, score.diff.high) == (1.0, 1.0) and score.better == ""
    assert all(m.better == "" for m in cmp.metrics)


def test_compare_header_and_nothing_shared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = save_report(_report("run-a", 5), tmp_path / "a.json")
    b = save_report(_report("run-b", 8), tmp_path / "b.json")
    assert main(["report", "compare", str(a), str(b)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "A: run-a (12 cases) vs B: run-b (12 cases); 12 shared scenarios, 0 only in A, 0 only in B"
    )
    other = build_report(RunMeta(run_id="run-c"), [fault_case("x1"), fault_case("x2")])
    c = save_report(other, tmp_path / "c.json")
    assert main(["report", "compare", str(a), str(c)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "A: run-a (12 cases) vs B: run-c (2 cases); 0 shared scenarios, 12 only in A, 2 only in B"
    )
    assert "nothing to compare" in captured.out and "share no scored scenario" in captured.err
    assert "[" not in captured.out  # no table of dashes


def test_compare_and_merge_refuse_mixed_pass_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = _report("plain", 5)
    strict_meta = plain.run.model_copy(update={"run_id": "strict", "pass_requires_type": True})
    strict = build_report(strict_meta, plain.cases)
    with pytest.raises(ReportError, match=r"different fault-type pass rules.*--force"):
        compare_reports(plain, strict)
    with pytest.raises(ReportError, match="different fault-type pass rules"):
        merge_reports([plain, strict])
    assert merge_reports([plain, strict], force=True).run.pass_requires_type is False
    a, b = save_report(plain, tmp_path / "a.json"), save_report(strict, tmp_path / "b.json")
    assert main(["report", "compare", str(a), str(b)]) == 1
    assert "regrade" in capsys.readouterr().err
    assert main(["report", "compare", str(a), str(b), "--force"]) == 0
    loose = build_report(plain.run.model_copy(update={"run_id": "loose", "pass_score": 0.5}), plain.cases)
    with pytest.raises(ReportError, match="different pass scores"):
        compare_reports(plain, loose)
