"""``netopsbench report regrade``: saved diagnoses rescored against saved ground truth with other pass
rules, no lab. The run is written through the real run-directory writers, scored by the real scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.errors import ReportError
from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.report import (
    CaseRecord,
    RunMeta,
    build_report,
    compare_reports,
    load_report,
    regrade_run,
)
from pytest_netopsbench.report._rundir import RunDir
from pytest_netopsbench.scoring import passes, score_case
from pytest_netopsbench.topology import build_topology
from pytest_netopsbench.trace._atif import AtifAgent, Step, Trajectory

LINK = GroundTruth(fault_type="link_down", device="leaf1", interface="eth1")


def _case(
    sid: str, diagnosis: DiagnosisResult | None, *, healthy: bool = False, outcome: str = ""
) -> CaseRecord:
    truth = None if healthy else LINK
    record = CaseRecord(
        case_id=f"case-{sid}",
        scenario_id=sid,
        scale="xs",
        healthy=healthy,
        fault_type=None if healthy else "link_down",
        expected=truth,
        expected_verdict="network_healthy" if healthy else "fault_detected",
        diagnosis=diagnosis,
        outcome=outcome or "wrong",  # type: ignore[arg-type]
        started=1795700000.0,
        ended=1795700010.0,
    )
    if diagnosis is None:
        return record
    result = score_case(truth, diagnosis, build_topology("xs"))
    passed = passes(result.score, result.fault_type_correct, pass_score=1.0, requires_type=False)
    return record.model_copy(
        update={
            "score": result.score,
            "passed": passed,
            "outcome": "correct" if passed else "wrong",
            "verdict_correct": result.verdict_correct,
            "device_correct": result.device_correct,
            "interface_correct": result.interface_correct,
            "fault_type_correct": result.fault_type_correct,
            "message": result.message,
        }
    )


def _diag(interface: str, fault_type: str = "link_down") -> DiagnosisResult:
    return DiagnosisResult(
        verdict="fault_detected", device="leaf1", interface=interface, fault_type=fault_type
    )


@pytest.fixture
def run(tmp_path: Path) -> RunDir:
    """A finished run: half-right location, right location with the wrong type, right, healthy
    right, a timeout, and a record whose saved score is stale (scored by an older rule)."""
    rd = RunDir.create(tmp_path / "runs", "run-regrade-1")
    stale = _case("stale", _diag("eth1")).model_copy(
        update={"score": 0.0, "passed": False, "outcome": "wrong"}
    )
    cases = [
        _case("half", _diag("eth2")),
        _case("wrong-type", _diag("eth1", "packet_loss")),
        _case("right", _diag("eth1")),
        _case("healthy", DiagnosisResult(verdict="network_healthy"), healthy=True),
        _case("timeout", None, outcome="agent_timeout"),
        stale,
    ]
    traj = Trajectory(agent=AtifAgent(name="a", version="1"), steps=[Step(step_id=1, source="user")])
    for case in cases:
        if case.diagnosis is not None:
            case.trace_path = str(rd.write_trace(case, traj, agent="a").relative_to(rd.root))
        rd.append_case(case)
    rd.write_report(build_report(RunMeta(run_id=rd.run_id, agent="a"), cases, resamples=50))
    return rd


def _outcomes(path: Path) -> dict[str, str]:
    return {c.scenario_id: c.outcome for c in load_report(path).cases}


def test_saved_ground_truth_and_diagnoses_are_on_disk(run: RunDir) -> None:
    rows = [json.loads(x) for x in (run.traces_dir / "results.jsonl").read_text().splitlines()]
    assert {r["scenario_id"] for r in rows} == {"half", "wrong-type", "right", "healthy", "stale"}
    assert all(r["expected_verdict"] and "diagnosis" in r for r in rows)


def test_same_rules_only_fix_stale_scores(run: RunDir) -> None:
    result = regrade_run(run.root, resamples=50)
    assert result.rescored == 5 and result.changed_score == ["case-stale"]
    assert result.changed_pass == ["case-stale"]
    assert result.report.run.regraded and result.report.run.pass_score == 1.0
    by = {c.scenario_id: c for c in result.report.cases}
    assert by["timeout"].outcome == "agent_timeout"  # no diagnosis: kept as it was
    assert by["stale"].outcome == "correct" and by["stale"].score == 1.0


def test_cli_lower_pass_score(run: RunDir, capsys: pytest.CaptureFixture[str]) -> None:
    before = _outcomes(run.report_path)
    assert before["half"] == "wrong"
    assert (
        main(["report", "regrade", run.run_id, "--runs-dir", str(run.root.parent), "--pass-score", "0.5"])
        == 0
    )
    out = capsys.readouterr().out
    assert "pass score 0.5" in out and "report.regraded.json" in out
    regraded = run.root / "report.regraded.json"
    after = _outcomes(regraded)
    assert (
        after["half"] == "correct"
        and after["wrong-type"] == "correct"
        and after["timeout"] == "agent_timeout"
    )
    assert _outcomes(run.report_path) == before  # the original report is untouched
    report = load_report(regraded)
    assert report.run.pass_score == 0.5 and report.summary.passed == 5
    assert report.summary.pass_rate == pytest.approx(5 / 6)
    half = next(c for c in report.cases if c.scenario_id == "half")
    assert half.score == 0.5 and half.message.startswith("score 0.5 (pass score 0.5)")


def test_cli_requires_type_and_compare_refuses_mixed(run: RunDir, tmp_path: Path) -> None:
    out = tmp_path / "strict.json"
    assert main(["report", "regrade", str(run.root), "--pass-requires-type", "-o", str(out)]) == 0
    strict = load_report(out)
    assert strict.run.pass_requires_type is True
    by = {c.scenario_id: c for c in strict.cases}
    assert by["wrong-type"].outcome == "wrong" and by["wrong-type"].score == 1.0
    assert by["right"].outcome == "correct" and by["healthy"].outcome == "correct"
    with pytest.raises(ReportError, match="fault-type pass rules"):
        compare_reports(load_report(run.report_path), strict)


def test_regrade_an_interrupted_run_from_cases_jsonl(run: RunDir) -> None:
    run.report_path.unlink()
    result = regrade_run(run.root, pass_score=0.5, resamples=50)
    assert len(result.report.cases) == 6 and result.report.run.run_id == "run-regrade-1"


def test_cli_rejects_a_bad_pass_score(run: RunDir, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "regrade", str(run.root), "--pass-score", "2"])
    assert "outside 0..1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("score", "type_ok", "requires", "expected"),
    [(1.0, False, False, True), (1.0, False, True, False), (1.0, None, True, True), (0.5, True, True, False)],
)
def test_pass_rule(score: float, type_ok: bool | None, requires: bool, expected: bool) -> None:
    assert passes(score, type_ok, pass_score=1.0, requires_type=requires) is expected
