"""Accounting on the processes that run cases (docs/reliability.md): the selection and resume
deselection at collection, the crash marker kept with the current phase, and in-run retries of
harness failures."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel, Field

from ._collect import ScenarioItem
from ._runner import CASE, RUN, SETTINGS, CaseState, placeholder_record, rundir

if TYPE_CHECKING:
    from ..report import RunDir
    from ._labs import LabPool

__all__ = ["POOL", "RESUME", "ResumeState", "mark_phase", "resolve_resume", "run_with_retries", "select"]


class ResumeState(BaseModel):
    """What a resumed run already has, snapshotted once by the controller (workers get a copy, so
    every process deselects the same items however the run directory changes meanwhile)."""

    active: bool = False
    #: node ids finished with an outcome other than infra_error: not run again
    done: list[str] = Field(default_factory=list)
    #: node id -> records already written for it (the next attempt's number)
    attempts: dict[str, int] = Field(default_factory=dict)
    sessions: int = 0


RESUME = pytest.StashKey[ResumeState]()
POOL: pytest.StashKey[LabPool] = pytest.StashKey()


def resolve_resume(spec: str, runs_root: Path) -> tuple[Path, str]:
    """(runs root, run id) of RUN: a run directory, or a run id under the runs root."""
    path = Path(spec)
    if not path.is_dir():
        path = runs_root / spec
    if not path.is_dir() or not ((path / "cases.jsonl").exists() or (path / "selection.json").exists()):
        raise pytest.UsageError(
            f"netopsbench: cannot resume {spec!r}: no run directory with cases.jsonl or selection.json "
            f"(looked in {path})"
        )
    path = path.resolve()
    return path.parent, path.name


def snapshot(run: RunDir) -> ResumeState:
    from ..report import case_key, latest_attempts, load_report

    records = list(run.iter_cases())
    attempts: dict[str, int] = {}
    for record in records:
        key = case_key(record)
        attempts[key] = attempts.get(key, 0) + 1 + len(record.attempts)
    done = [case_key(r) for r in latest_attempts(records) if r.outcome != "infra_error"]
    sessions = 1
    if run.report_path.is_file():
        try:
            accounting = load_report(run.report_path).accounting
            sessions = accounting.sessions if accounting is not None else 1
        except Exception:  # a damaged report only loses the session count
            sessions = 1
    return ResumeState(active=True, done=done, attempts=attempts, sessions=sessions)


def refuse_reuse(root: Path, run_id: str) -> None:
    """A run id names one run: appending a second run's cases would duplicate case ids."""
    path = root / run_id
    if (path / "cases.jsonl").exists() or (path / "report.json").exists():
        raise pytest.UsageError(
            f"netopsbench: run {run_id!r} already has results in {path}; finish it with "
            f"--netopsbench-resume {run_id}, or choose another --netopsbench-run-id"
        )


def _agent_identity(config: pytest.Config) -> str:
    """The agent as a resume compares it: its spec, or for an SDK in-process agent (whose spec is
    a fresh token every run) the agent's class."""
    spec = config.stash[SETTINGS].agent or ""
    if not spec.startswith("pytest_netopsbench.sdk._inproc:"):
        return spec
    agent = config.hook.pytest_netopsbench_load_agent(config=config, spec=spec)
    return f"sdk:{type(agent).__module__}.{type(agent).__qualname__}"


def select(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Record the selection (once per run directory) and, on a resume, check the run's
    fingerprint and deselect what already finished."""
    from ..report import Selection, read_json_model

    settings = config.stash[SETTINGS]
    scenarios = [i for i in items if isinstance(i, ScenarioItem)]
    selection = Selection(
        selected=[i.nodeid for i in scenarios],
        agent=_agent_identity(config),
        pass_score=settings.pass_score,
        scales=sorted({i.scenario.scale for i in scenarios}),
        campaigns=sorted({i.scenario.campaign for i in scenarios if i.scenario.campaign}),
    )
    run = rundir(config)
    resume = config.stash.get(RESUME, ResumeState())
    stored = read_json_model(run.selection_path, Selection)
    if resume.active and stored is not None and not settings.resume_force:
        differences = selection.differences(stored)
        if differences:
            raise pytest.UsageError(
                f"netopsbench: refusing to resume run {run.run_id}: it ran with "
                + "; ".join(differences)
                + ". Pass --netopsbench-resume-force to resume anyway"
            )
    if stored is None:
        run.write_selection(selection)
    done = set(resume.done)
    finished = [i for i in scenarios if i.nodeid in done]
    if finished:
        config.hook.pytest_deselected(items=finished)
        items[:] = [i for i in items if not (isinstance(i, ScenarioItem) and i.nodeid in done)]


def start_attempt(item: ScenarioItem) -> CaseState:
    state = item.stash.setdefault(CASE, CaseState())
    if state.attempt is None:
        resume = item.config.stash.get(RESUME, ResumeState())
        state.attempt = resume.attempts.get(item.nodeid, 0)
    return state


def mark_phase(item: ScenarioItem, phase: str) -> None:
    """Keep ``inprogress/<worker>.json`` at the current phase (see ``InProgress``)."""
    from ..report import InProgress

    state = start_attempt(item)
    record = state.record
    if record is None:
        if state.marker_record is None:
            state.marker_record = placeholder_record(item, "infra_error", "")
        record = state.marker_record
    worker = item.config.stash[RUN].worker
    marker = InProgress(worker=worker, phase=phase, record=record, updated=time.time(), pid=os.getpid())
    rundir(item.config).write_marker(worker, marker)


def _retryable(item: ScenarioItem) -> bool:
    state = item.stash.get(CASE, None)
    record = state.record if state is not None else None
    session = item.session
    stopping = session.shouldstop or session.shouldfail
    return record is not None and record.outcome == "infra_error" and not stopping


def _reset(item: ScenarioItem) -> None:
    """What ``runtestprotocol`` does after an item, so the next attempt gets fresh fixtures."""
    item._request = False  # type: ignore[assignment]
    item.funcargs = None  # type: ignore[assignment]


def run_with_retries(item: ScenarioItem, nextitem: pytest.Item | None) -> bool:
    """``pytest_runtest_protocol`` for ``--netopsbench-retries N``: an attempt that ends in
    infra_error is torn down (its record kept in cases.jsonl), its lab marked for a rebuild, and
    the item run again; only the last attempt's reports reach pytest (one JUnit test case)."""
    from _pytest.runner import call_and_report

    from ..report import as_attempt

    retries = item.config.stash[SETTINGS].retries
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    earlier: list[Any] = []
    base = start_attempt(item).attempt or 0
    for n in range(retries + 1):
        if n:
            item.stash[CASE] = state = CaseState()
            state.attempt, state.earlier = base + n, list(earlier)
            item._initrequest()  # as pytest-rerunfailures does
        reports = [call_and_report(item, "setup", log=False)]
        if reports[0].passed:
            reports.append(call_and_report(item, "call", log=False))
        if n < retries and _retryable(item):
            # tear down this item's fixtures only: the session's lab pool stays, minus the lab
            call_and_report(item, "teardown", log=False, nextitem=item.parent)
            state = item.stash[CASE]
            if state.record is not None:
                earlier.append(as_attempt(state.record))
                pool = item.config.stash.get(POOL, None)
                if pool is not None:
                    why = f"retrying {item.name} after: {state.record.message}"
                    pool.mark_broken(item.scenario.scale, why)
            _reset(item)
            continue
        for report in reports:
            item.ihook.pytest_runtest_logreport(report=report)
        if item.session.shouldfail or item.session.shouldstop:
            nextitem = None
        call_and_report(item, "teardown", log=True, nextitem=nextitem)
        _reset(item)
        break
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
