"""Export a run's traces as a Harbor job directory, so Harbor's viewer and tooling can read it.

Layout (``<output>/<run_id>/``)::

    config.json                    job config: name, dataset, agent, trial count
    result.json                    job result: counts, mean reward, reward histogram
    <scenario_id>__<case_id>/      one trial per case
        config.json                trial config: task name, agent
        result.json                trial result: rewards, token counts, cost, timings, exception
        agent/trajectory.json      the ATIF v1.7 trajectory, copied unchanged
        verifier/reward.txt        the case score
        verifier/result.json       {reward, outcome, expected, got}

Field names follow Harbor's JobResult/TrialResult so its loaders find what they look for; the
files are built from our typed ``CaseRecord``s, never from Harbor's own models (Harbor needs
Python >= 3.12 and many dependencies).
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..report import BenchmarkReport, CaseRecord
from ..trace import sanitized_json

__all__ = ["ExportSummary", "export_harbor_job"]


class ExportSummary(BaseModel):
    job_dir: Path
    trials: int
    with_trajectory: int
    mean_reward: float | None


def _iso(ts: float) -> str | None:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat() if ts else None


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sanitized_json(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _trial_name(case: CaseRecord) -> str:
    trial = f"-t{case.trial}" if case.trial else ""
    return f"{case.scenario_id}{trial}__{case.case_id}"


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
    agent_info = {"name": report.run.agent or "agent", "version": report.run.netopsbench_version or "unknown"}
    _write(
        trial_dir / "config.json",
        {
            "trial_name": name,
            "task": {"name": case.scenario_id, "dataset": dataset},
            "agent": agent_info,
            "job_id": report.run.run_id,
        },
    )
    errored = case.outcome in ("agent_error", "agent_timeout", "invalid_result", "infra_error")
    _write(
        trial_dir / "result.json",
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{report.run.run_id}/{name}")),
            "task_name": case.scenario_id,
            "trial_name": name,
            "trial_uri": trial_dir.resolve().as_uri(),
            "source": dataset,
            "agent_info": agent_info,
            "agent_result": {
                "n_input_tokens": case.input_tokens,
                "n_output_tokens": case.output_tokens,
                "cost_usd": case.cost_usd,
                "metadata": {
                    "tool_calls": case.tool_calls,
                    "tool_errors": case.tool_errors,
                    "llm_calls": case.llm_calls,
                    "agent_seconds": case.agent_seconds,
                },
            },
            "verifier_result": {"rewards": {"reward": case.score}},
            "exception_info": (
                {"exception_type": case.outcome, "exception_message": case.message} if errored else None
            ),
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
    scales = sorted({c.scale for c in report.cases}) or ["none"]
    dataset = f"netopsbench-{'-'.join(scales)}"
    with_traj = sum(_trial(c, run_dir, job_dir, report, dataset) for c in report.cases)
    rewards = [c.score for c in report.cases if c.outcome not in ("infra_error", "skipped")]
    mean = sum(rewards) / len(rewards) if rewards else None
    histogram: dict[str, list[str]] = {}
    for case in report.cases:
        histogram.setdefault(str(float(case.score)), []).append(_trial_name(case))  # "1.0" as Harbor keys
    errors = sum(
        c.outcome in ("agent_error", "agent_timeout", "invalid_result", "infra_error") for c in report.cases
    )
    key = f"{report.run.agent or 'agent'}__{dataset}"
    _write(
        job_dir / "config.json",
        {
            "job_name": report.run.run_id,
            "datasets": [{"name": dataset}],
            "agents": [{"name": report.run.agent or "agent"}],
            "n_attempts": 1,
            "n_concurrent_trials": report.run.workers,
        },
    )
    _write(
        job_dir / "result.json",
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, report.run.run_id)),
            "started_at": _iso(report.run.started),
            "finished_at": _iso(report.run.ended),
            "n_total_trials": len(report.cases),
            "stats": {
                "n_trials": len(report.cases),
                "n_errors": errors,
                "evals": {
                    key: {
                        "n_trials": len(report.cases),
                        "n_errors": errors,
                        "metrics": [{"mean": mean}],
                        "reward_stats": {"reward": histogram},
                    }
                },
            },
        },
    )
    return ExportSummary(
        job_dir=job_dir, trials=len(report.cases), with_trajectory=with_traj, mean_reward=mean
    )
