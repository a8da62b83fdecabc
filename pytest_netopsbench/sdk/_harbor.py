"""Export a run's traces as a Harbor job directory, so Harbor's viewer and tooling can read it.

Layout (``<output>/<run_id>/``)::

    config.json                    job config (Harbor JobConfig): name, dataset, agent, trial count
    result.json                    job result (Harbor JobResult): counts, mean reward, histogram,
                                   exception_stats
    <scenario_id>__<case_id>/      one trial per case
        config.json                trial config (Harbor TrialConfig): task, agent, job id
        result.json                trial result (Harbor TrialResult): task id and checksum, rewards,
                                   token counts, cost, timings, exception
        agent/trajectory.json      the ATIF v1.7 trajectory, copied unchanged
        verifier/reward.txt        the case score
        verifier/result.json       {reward, outcome, expected, got}

The files are built from our typed ``CaseRecord``s, never from Harbor's own models (Harbor needs
Python >= 3.12 and many dependencies); tests validate them against JSON Schemas generated from
Harbor 0.26's models. Ids are uuid5 of the run id (job) and run id + case id (trial), so a
re-export writes the same ids.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..records import BenchmarkReport, CaseRecord
from ..trace import sanitized_json

__all__ = ["ERROR_OUTCOMES", "ExportSummary", "export_harbor_job", "job_uuid", "trial_uuid"]

#: outcomes Harbor sees as an errored trial (exception_info set, counted in n_errors)
ERROR_OUTCOMES = ("agent_error", "agent_timeout", "invalid_result", "infra_error")
#: outcomes that carry no agent score: no verifier result, not in the reward histogram
_UNSCORED = ("infra_error", "skipped")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://netopsbench/harbor-export")


class ExportSummary(BaseModel):
    job_dir: Path
    trials: int
    with_trajectory: int
    mean_reward: float | None


def job_uuid(run_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, run_id))


def trial_uuid(run_id: str, case_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{run_id}/{case_id}"))


def _iso(ts: float) -> str | None:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat() if ts else None


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sanitized_json(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _trial_name(case: CaseRecord) -> str:
    trial = f"-t{case.trial}" if case.trial else ""
    return f"{case.scenario_id}{trial}__{case.case_id}"


def _task_checksum(case: CaseRecord) -> str:
    """What defines the task: the scenario, its campaign version and the answer it expects; two
    runs of the same scenario share it, a changed ground truth changes it."""
    task = {
        "scenario_id": case.scenario_id,
        "campaign": case.campaign,
        "expected_verdict": case.expected_verdict,
        "expected": case.expected.model_dump(mode="json") if case.expected else None,
    }
    return hashlib.sha256(json.dumps(task, sort_keys=True).encode()).hexdigest()


def _exception(case: CaseRecord) -> dict[str, Any] | None:
    if case.outcome not in ERROR_OUTCOMES:
        return None
    return {
        "exception_type": case.outcome,
        "exception_message": case.message or case.outcome,
        # the harness keeps the error message, not a Python traceback (the agent may not even be
        # Python); Harbor requires the field, so it carries the message again
        "exception_traceback": case.message or case.outcome,
        "occurred_at": _iso(case.ended or case.started) or _iso(1.0),
    }


def _trial(case: CaseRecord, run_dir: Path, job_dir: Path, report: BenchmarkReport, dataset: str) -> bool:
    name = _trial_name(case)
    trial_dir = job_dir / name
    trajectory = None
    if case.trace_path:
        p = Path(case.trace_path)
        trajectory = p if p.is_absolute() else run_dir / p
    has_traj = trajectory is not None and trajectory.is_file()
    if has_traj and trajectory is not None:
        (trial_dir / "agent").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(trajectory, trial_dir / "agent" / "trajectory.json")
    verifier = trial_dir / "verifier"
    verifier.mkdir(parents=True, exist_ok=True)
    (verifier / "reward.txt").write_text(f"{case.score:g}\n", encoding="utf-8")
    got = case.diagnosis.model_dump(mode="json") if case.diagnosis else None
    _write(
        verifier / "result.json",
        {
            "reward": case.score,
            "outcome": case.outcome,
            "passed": case.passed,
            "message": case.message,
            "expected": case.expected.model_dump(mode="json") if case.expected else None,
            "expected_verdict": case.expected_verdict,
            "got": got,
        },
    )
    agent_name = report.run.agent or "agent"
    agent_info = {"name": agent_name, "version": report.run.netopsbench_version or "unknown"}
    config = {
        "trial_name": name,
        "task": {"name": case.scenario_id, "source": dataset},
        "agent": {"name": agent_name},
        "job_id": job_uuid(report.run.run_id),
    }
    _write(trial_dir / "config.json", config)
    unscored = case.outcome in _UNSCORED
    _write(
        trial_dir / "result.json",
        {
            "id": trial_uuid(report.run.run_id, case.case_id),
            "task_name": case.scenario_id,
            "trial_name": name,
            "trial_uri": trial_dir.resolve().as_uri(),
            "task_id": {"org": "netopsbench", "name": case.scenario_id, "ref": case.campaign},
            "task_checksum": _task_checksum(case),
            "config": config,
            "source": dataset,
            "agent_info": agent_info,
            "agent_result": {
                "n_input_tokens": case.input_tokens,
                "n_output_tokens": case.output_tokens,
                "cost_usd": case.cost_usd,
                "metadata": {
                    "outcome": case.outcome,
                    "tool_calls": case.tool_calls,
                    "tool_errors": case.tool_errors,
                    "llm_calls": case.llm_calls,
                    "agent_seconds": case.agent_seconds,
                },
            },
            "verifier_result": None if unscored else {"rewards": {"reward": case.score}},
            "exception_info": _exception(case),
            "started_at": _iso(case.started),
            "finished_at": _iso(case.ended),
        },
    )
    return has_traj


def export_harbor_job(report: BenchmarkReport, run_dir: Path, output: Path) -> ExportSummary:
    """Write the Harbor job for ``report`` (whose run directory is ``run_dir``) under ``output``."""
    job_dir = output / report.run.run_id
    if job_dir.exists():
        shutil.rmtree(job_dir)  # re-export replaces, it never mixes two exports
    job_dir.mkdir(parents=True)
    cases = report.cases
    scales = sorted({c.scale for c in cases}) or ["none"]
    dataset = f"netopsbench-{'-'.join(scales)}"
    with_traj = sum(_trial(c, run_dir, job_dir, report, dataset) for c in cases)
    scored = [c for c in cases if c.outcome not in _UNSCORED]
    mean = sum(c.score for c in scored) / len(scored) if scored else None
    histogram: dict[str, list[str]] = {}
    for case in scored:
        histogram.setdefault(str(float(case.score)), []).append(_trial_name(case))  # "1.0" as Harbor keys
    exception_stats: dict[str, list[str]] = {}
    for case in cases:
        if case.outcome in ERROR_OUTCOMES:
            exception_stats.setdefault(case.outcome, []).append(_trial_name(case))
    errors = sum(len(v) for v in exception_stats.values())
    skipped = sum(c.outcome == "skipped" for c in cases)
    costs = [c.cost_usd for c in cases if c.cost_usd is not None]
    agent = report.run.agent or "agent"
    _write(
        job_dir / "config.json",
        {
            "job_name": report.run.run_id,
            "datasets": [{"name": dataset}],
            "agents": [{"name": agent}],
            "n_attempts": 1,
            "n_concurrent_trials": report.run.workers,
        },
    )
    _write(
        job_dir / "result.json",
        {
            "id": job_uuid(report.run.run_id),
            "started_at": _iso(report.run.started) or _iso(min((c.started for c in cases), default=0) or 1.0),
            "finished_at": _iso(report.run.ended),
            "n_total_trials": len(cases),
            "stats": {
                "n_completed_trials": len(cases) - skipped,
                "n_errored_trials": errors,
                "n_cancelled_trials": skipped,
                "n_input_tokens": sum(c.input_tokens for c in cases),
                "n_output_tokens": sum(c.output_tokens for c in cases),
                "cost_usd": sum(costs) if costs else None,
                "evals": {
                    f"{agent}__{dataset}": {
                        "n_trials": len(cases),
                        "n_errors": errors,
                        "metrics": [{"mean": mean}],
                        "reward_stats": {"reward": histogram},
                        "exception_stats": exception_stats,
                    }
                },
            },
        },
    )
    return ExportSummary(job_dir=job_dir, trials=len(cases), with_trajectory=with_traj, mean_reward=mean)
