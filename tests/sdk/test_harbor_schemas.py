"""The Harbor export validates against JSON Schemas generated from Harbor 0.26's own pydantic models
(``shared/schemas/harbor/``, beside the checkout; NETOPSBENCH_HARBOR_SCHEMAS points elsewhere), with
format checks (UUIDs, RFC 3339 dates), for every case outcome. Records are real CaseRecords written
through the real run-directory writers; no lab."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from stats._cases import fault_case, healthy_case

from pytest_netopsbench.report import RunMeta, build_report
from pytest_netopsbench.report._rundir import RunDir
from pytest_netopsbench.sdk import ArtifactManager
from pytest_netopsbench.trace._atif import (
    AtifAgent,
    Observation,
    ObservationResult,
    Step,
    ToolCall,
    Trajectory,
)


def _schemas_dir() -> Path | None:
    if os.environ.get("NETOPSBENCH_HARBOR_SCHEMAS"):
        return Path(os.environ["NETOPSBENCH_HARBOR_SCHEMAS"])
    # shared/ sits beside the checkout (CI clones next to it); a git worktree is one level deeper
    for parent in Path(__file__).resolve().parents[2].parents:
        candidate = parent / "shared" / "schemas" / "harbor"
        if candidate.is_dir():
            return candidate
    return None


SCHEMAS = _schemas_dir()
OUTCOMES = ("correct", "wrong", "agent_error", "agent_timeout", "invalid_result", "infra_error", "skipped")


def _validator(name: str) -> jsonschema.Draft202012Validator:
    if SCHEMAS is None or not (SCHEMAS / f"{name}.schema.json").is_file():
        pytest.skip("Harbor schemas (shared/schemas/harbor) not found beside the checkout")
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _valid(name: str, path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator(name).iter_errors(data)]
    assert not errors, f"{path} is not a valid Harbor {name}:\n" + "\n".join(errors)
    return data


def _trajectory(run: RunDir, case_id: str) -> str:
    steps = [
        Step(step_id=1, source="user", message="Diagnose the network."),
        Step(
            step_id=2,
            source="agent",
            message="checking",
            tool_calls=[ToolCall(tool_call_id="t1", function_name="ping_mesh", arguments={})],
            observation=Observation(results=[ObservationResult(source_call_id="t1", content="loss 0%")]),
            llm_call_count=1,
        ),
    ]
    path = run.trajectory_path(case_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    traj = Trajectory(session_id=case_id, agent=AtifAgent(name="ref", version="1"), steps=steps)
    path.write_text(traj.model_dump_json(exclude_none=True))
    return str(path.relative_to(run.root))


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, list[str]]:
    """A run with one case per outcome, exported; returns the job dir and the trial names."""
    run = RunDir.create(tmp_path / "runs", "run-20261201T000000Z-abcdef")
    times: dict[str, Any] = {"started": 1795700000.0, "ended": 1795700030.0}
    cases = [
        fault_case("sc-correct", **times),
        fault_case("sc-wrong", verdict=False, device=False, ftype=False, **times),
        fault_case("sc-agent-error", outcome="agent_error", score=0.0, message="agent raised X", **times),
        fault_case("sc-timeout", outcome="agent_timeout", score=0.0, message="timed out after 300 s"),
        fault_case("sc-invalid", outcome="invalid_result", score=0.0, message="not a diagnosis", **times),
        healthy_case("sc-infra", outcome="infra_error", message="lab did not converge", **times),
        healthy_case("sc-skipped", outcome="skipped", message="skipped: needs tc"),
    ]
    assert sorted(c.outcome for c in cases) == sorted(OUTCOMES)
    for case in cases:
        if case.outcome in ("correct", "wrong", "agent_timeout"):
            case.trace_path = _trajectory(run, case.case_id)
        run.append_case(case)
    meta = RunMeta(run_id=run.run_id, agent="ref-agent", workers=2, started=1795700000.0, ended=1795700100.0)
    run.write_report(build_report(meta, cases, resamples=50))
    summary = ArtifactManager(tmp_path / "runs").export_traces(run.run_id, tmp_path / "out")
    assert summary.trials == 7 and summary.with_trajectory == 3
    return summary.job_dir, sorted(p.name for p in summary.job_dir.iterdir() if p.is_dir())


def test_job_files_validate(exported: tuple[Path, list[str]]) -> None:
    job_dir, _ = exported
    _valid("job-config", job_dir / "config.json")
    result = _valid("job-result", job_dir / "result.json")
    assert uuid.UUID(result["id"]).version == 5
    assert result["n_total_trials"] == 7
    stats = result["stats"]
    assert (stats["n_errored_trials"], stats["n_cancelled_trials"]) == (4, 1)
    (evals,) = stats["evals"].values()
    assert evals["n_errors"] == 4
    assert {k: [t.split("__")[0] for t in v] for k, v in evals["exception_stats"].items()} == {
        "agent_error": ["sc-agent-error"],
        "agent_timeout": ["sc-timeout"],
        "invalid_result": ["sc-invalid"],
        "infra_error": ["sc-infra"],
    }
    # infra errors and skips carry no agent score: out of the histogram and the mean
    assert sum(len(v) for v in evals["reward_stats"]["reward"].values()) == 5
    assert evals["metrics"] == [{"mean": 0.2}]


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_trial_files_validate(exported: tuple[Path, list[str]], outcome: str) -> None:
    job_dir, trials = exported
    slug = {"correct": "correct", "wrong": "wrong", "agent_error": "agent-error", "agent_timeout": "timeout"}
    slug |= {"invalid_result": "invalid", "infra_error": "infra", "skipped": "skipped"}
    (name,) = [t for t in trials if t.startswith(f"sc-{slug[outcome]}__")]
    trial_dir = job_dir / name
    config = _valid("trial-config", trial_dir / "config.json")
    result = _valid("trial-result", trial_dir / "result.json")
    job = json.loads((job_dir / "result.json").read_text())
    assert config["job_id"] == job["id"] == result["config"]["job_id"]
    assert result["task_id"]["name"] == result["task_name"] == name.split("__")[0]
    assert len(result["task_checksum"]) == 64
    errored = outcome in ("agent_error", "agent_timeout", "invalid_result", "infra_error")
    if errored:
        info = result["exception_info"]
        assert info["exception_type"] == outcome and info["exception_traceback"] and info["occurred_at"]
    else:
        assert result["exception_info"] is None
    assert (result["verifier_result"] is None) == (outcome in ("infra_error", "skipped"))
    trajectory = trial_dir / "agent" / "trajectory.json"
    if outcome in ("correct", "wrong", "agent_timeout"):
        data = _valid("atif-trajectory", trajectory)
        assert data["schema_version"] == "ATIF-v1.7"
    else:
        assert not trajectory.exists()


def test_ids_are_stable_across_exports(tmp_path: Path, exported: tuple[Path, list[str]]) -> None:
    job_dir, trials = exported
    runs = job_dir.parents[1] / "runs"
    first = {t: json.loads((job_dir / t / "result.json").read_text())["id"] for t in trials}
    again = ArtifactManager(runs).export_traces(job_dir.name, tmp_path / "again").job_dir
    assert {t: json.loads((again / t / "result.json").read_text())["id"] for t in trials} == first
    assert len(set(first.values())) == len(trials)
