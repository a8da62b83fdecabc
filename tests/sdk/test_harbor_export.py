"""Harbor export from a report and its run directory, without a lab (records built by hand)."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.report import CaseRecord, Outcome, RunDir, RunMeta, build_report
from pytest_netopsbench.sdk import ArtifactManager


def _case(sid: str, outcome: Outcome, score: float, *, trace: str | None) -> CaseRecord:
    return CaseRecord(
        case_id=f"case-{sid[-1] * 12}",
        scenario_id=sid,
        scale="xs",
        healthy=False,
        expected=GroundTruth(fault_type="link_down", device="leaf1", interface="eth1"),
        expected_verdict="fault_detected",
        outcome=outcome,
        score=score,
        passed=score >= 1.0,
        diagnosis=DiagnosisResult(verdict="fault_detected", device="leaf1"),
        input_tokens=100,
        output_tokens=10,
        llm_calls=2,
        cost_usd=0.001,
        trace_path=trace,
        message="expected ...; got ...",
        started=1795700000.0,
        ended=1795700010.0,
    )


def test_export_layout(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    run = RunDir.create(runs, "run-test-1")
    traj = run.trajectory_path("case-aaaaaaaaaaaa")
    traj.parent.mkdir(parents=True)
    traj.write_text(
        json.dumps({"schema_version": "ATIF-v1.7", "agent": {"name": "a", "version": "1"}, "steps": []})
    )
    cases = [
        _case("s-a", "correct", 1.0, trace=str(traj.relative_to(run.root))),
        _case("s-b", "agent_timeout", 0.0, trace=None),
    ]
    for c in cases:
        run.append_case(c)
    run.write_report(
        build_report(RunMeta(run_id="run-test-1", agent="my-agent", workers=2), cases, resamples=50)
    )
    artifacts = ArtifactManager(runs)
    assert [r.run_id for r in artifacts.runs()] == ["run-test-1"]
    summary = artifacts.export_traces("latest", tmp_path / "out")
    assert (summary.trials, summary.with_trajectory, summary.mean_reward) == (2, 1, 0.5)
    job = tmp_path / "out" / "run-test-1"
    result = json.loads((job / "result.json").read_text())
    evals = result["stats"]["evals"]["my-agent__netopsbench-xs"]
    assert result["n_total_trials"] == 2 and evals["n_errors"] == 1
    histogram = {"1.0": ["s-a__case-aaaaaaaaaaaa"], "0.0": ["s-b__case-bbbbbbbbbbbb"]}
    assert evals["reward_stats"]["reward"] == histogram
    ok = job / "s-a__case-aaaaaaaaaaaa"
    assert json.loads((ok / "agent" / "trajectory.json").read_text())["schema_version"] == "ATIF-v1.7"
    assert (ok / "verifier" / "reward.txt").read_text().strip() == "1"
    trial = json.loads((ok / "result.json").read_text())
    assert trial["agent_result"]["n_input_tokens"] == 100 and trial["exception_info"] is None
    timed_out = json.loads((job / "s-b__case-bbbbbbbbbbbb" / "result.json").read_text())
    assert timed_out["exception_info"]["exception_type"] == "agent_timeout"
    assert not (job / "s-b__case-bbbbbbbbbbbb" / "agent").exists()
    # Ground truth only under verifier/, never next to the trajectory.
    assert "leaf1" in (ok / "verifier" / "result.json").read_text()
    # Exporting again replaces the job.
    assert artifacts.export_traces("run-test-1", tmp_path / "out").trials == 2
