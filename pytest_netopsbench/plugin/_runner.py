"""What runs on every pytest process that executes scenarios (xdist workers, or the single
process without xdist): the item function, the fixtures, and the per-item report plumbing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._item import RUN, SETTINGS, RunInfo, ScenarioItem

if TYPE_CHECKING:
    from ..episode import Episode
    from ..records import Attempt, CaseRecord, Outcome
    from ..report import RunDir

__all__ = ["CASE", "REPEAT", "RUN", "SETTINGS", "SHIPPING", "CaseState", "RunInfo", "run_scenario"]

PROPERTY_PREFIX = "netopsbench."


class CaseState:
    """Per-item state shared by the fixture, the item function and the report hook."""

    def __init__(self) -> None:
        self.episode: Episode | None = None
        self.record: CaseRecord | None = None
        self.agent_name = ""
        self.written = False
        #: attempt number within the run (0 first; resumes and retries count up), None until setup
        self.attempt: int | None = None
        #: earlier attempts at this case in this session (in-run retries)
        self.earlier: list[Attempt] = []
        #: what the crash marker says before the episode has a record
        self.marker_record: CaseRecord | None = None


REPEAT = pytest.StashKey[int]()
CASE = pytest.StashKey[CaseState]()
_FAULTS_REGISTERED = pytest.StashKey[bool]()
_RUNDIR = pytest.StashKey["RunDir"]()
#: True on an xdist worker on another host than the controller (plugin/_ship.py)
SHIPPING = pytest.StashKey[bool]()


def register_faults_once(config: pytest.Config) -> bool:
    """Let plugins register their faults; True the first time (when it did so)."""
    if config.stash.get(_FAULTS_REGISTERED, False):
        return False
    from ..faults import register_fault

    config.stash[_FAULTS_REGISTERED] = True
    config.hook.pytest_netopsbench_register_faults(register=register_fault)
    return True


def rundir(config: pytest.Config) -> RunDir:
    if _RUNDIR not in config.stash:
        from ..report import RunDir

        info = config.stash[RUN]
        run = RunDir.create(info.root, info.run_id)
        if config.stash.get(SHIPPING, False):  # a remote worker stages cases to ship them (_ship)
            from ._ship import StagingRunDir

            run = StagingRunDir(run.root)
        config.stash[_RUNDIR] = run
    return config.stash[_RUNDIR]


def _failure_text(record: CaseRecord, detail: str) -> str:
    label = {
        "wrong": "wrong diagnosis",
        "agent_error": "agent error",
        "agent_timeout": "agent timeout",
        "invalid_result": "invalid result",
    }.get(record.outcome, record.outcome)
    text = f"netopsbench {label}: {record.message}"
    return f"{text}\n{detail}" if detail else text


def run_scenario(
    netopsbench_agent: Any, netopsbench_episode: Episode, request: pytest.FixtureRequest
) -> None:
    """The body of every scenario item: ask the agent, score, pass or fail."""
    from ..episode import agent_name

    state = request.node.stash[CASE]
    agent = netopsbench_agent
    if request.config.stash[SETTINGS].isolation == "sandbox":
        from ._sandbox import sandboxed

        agent = sandboxed(request.config, agent)
    state.agent_name = agent_name(agent)
    record = netopsbench_episode.diagnose(agent)
    state.agent_name = agent_name(agent)  # a sandboxed agent's name is what its sandbox reported
    state.record = record
    if not record.passed:
        call = netopsbench_episode.agent_call
        detail = call.detail if call is not None and call.kind == "error" else ""
        pytest.fail(_failure_text(record, detail), pytrace=False)


# -- per-item report plumbing -------------------------------------------------------------------
def _s(value: object) -> object:
    # JUnit readers (Jenkins, junitparser) expect XML booleans, not Python's True/False
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def case_properties(record: CaseRecord, run_root: Path | None = None) -> list[tuple[str, object]]:
    """The ``netopsbench.*`` JUnit properties of a case. A harness error (infra_error, skipped)
    has no score property: it says nothing about the agent. ``trace`` is absolute when the run
    directory is known, so CI can open it without knowing where the run was written."""
    from .. import scoring

    d, exp = record.diagnosis, record.expected
    trace: object = record.trace_path
    if record.trace_path and run_root is not None:
        trace = str(run_root / record.trace_path)
    props: dict[str, object] = {
        "score": record.score,
        "outcome": record.outcome,
        "verdict": d.verdict if d else "",
        "expected_verdict": record.expected_verdict,
        "fault_type": _s(d.fault_type if d else None),
        "expected_fault_type": exp.fault_type if exp else "",
        "fault_type_correct": _s(record.fault_type_correct),
        "device": _s(d.device if d else None),
        "expected_device": exp.device if exp else "",
        "interface": _s(d.interface if d else None),
        "expected_interface": _s(exp.interface if exp else None),
        "scale": record.scale,
        "tier": record.tier,
        "kind": scoring.case_kind(record),
        "agent_seconds": record.agent_seconds,
        "tool_calls": record.tool_calls,
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "worker": record.worker,
        "isolation": record.isolation,
        "trace": _s(trace),
    }
    if record.baselines:  # the trivial baselines on this episode: "baseline-healthy 0, ..."
        props["baselines"] = ", ".join(f"{n} {b.score:g}" for n, b in sorted(record.baselines.items()))
    if not scoring.is_scored(record):
        del props["score"]
    from ..trace import sanitize

    return [(PROPERTY_PREFIX + k, sanitize(v, secret_keys=False)) for k, v in props.items()]


def set_properties(item: pytest.Item, record: CaseRecord) -> None:
    """Rewrite this plugin's entries of ``item.user_properties`` (appending directly avoids the
    record_property fixture's xunit2 warning; JUnit reads the teardown report's copy)."""
    kept = [p for p in item.user_properties if not str(p[0]).startswith(PROPERTY_PREFIX)]
    item.user_properties[:] = [*kept, *case_properties(record, rundir(item.config).root)]


def case_id_for(item: ScenarioItem) -> str:
    """The case id of this attempt: a rerun (resume, retry) gets a new one, so its trace and
    evidence never overwrite the earlier attempt's."""
    from ..episode import new_case_id

    return new_case_id()  # random: nothing the agent sees may be derived from the node id


def placeholder_record(item: ScenarioItem, outcome: Outcome, message: str) -> CaseRecord:
    """A record for an item whose episode never started (skipped, lab deploy failed)."""
    from ..episode import new_case_record, scenario_truth

    info = item.config.stash[RUN]
    try:
        truth = scenario_truth(item.scenario)
    except Exception:  # the record is still useful without ground truth
        truth = None
    return new_case_record(
        item.scenario,
        run_id=info.run_id,
        nodeid=item.nodeid,
        trial=item.trial,
        worker=info.worker,
        truth=truth,
        outcome=outcome,
        message=message,
        finished=True,
        isolation=item.config.stash[SETTINGS].isolation,
    )


def _exception_text(call: pytest.CallInfo[None]) -> str:
    if call.excinfo is None:
        return ""
    exc = call.excinfo.value
    if isinstance(exc, pytest.skip.Exception):
        return str(exc.msg)
    return f"{type(exc).__name__}: {exc}"


def update_record(item: ScenarioItem, call: pytest.CallInfo[None]) -> CaseRecord:
    """The record after this phase: setup failures are harness errors (or skips), an unexpected
    exception in the call is reported as a harness error too (never charged to the agent)."""
    from ..episode import append_message

    state = item.stash.setdefault(CASE, CaseState())
    record = state.record
    if record is not None:
        record.isolation = item.config.stash[SETTINGS].isolation
    if call.when == "setup" and call.excinfo is not None:
        skipped = call.excinfo.errisinstance(pytest.skip.Exception)
        outcome: Outcome = "skipped" if skipped else "infra_error"
        text = _exception_text(call)
        if record is None:
            record = placeholder_record(item, outcome, text)
        else:
            record.outcome = outcome
            append_message(record, text)
        state.record = record
    elif record is None:
        record = state.record = placeholder_record(item, "infra_error", _exception_text(call) or "not run")
    elif (
        call.when == "call"
        and call.excinfo is not None
        and record.outcome == "infra_error"
        and not record.message
    ):
        record.message = _exception_text(call)
    return record


def write_case(item: ScenarioItem, record: CaseRecord) -> None:
    """Append the finished case to cases.jsonl and write its trace (once per item)."""
    state = item.stash[CASE]
    if state.written:
        return
    state.written = True
    if state.earlier:
        record.attempts = list(state.earlier)
    run = rundir(item.config)
    episode = state.episode
    settings = item.config.stash[SETTINGS]
    if episode is not None and episode.context is not None and settings.trace:
        ctx = episode.context
        trajectory = episode.recorder.to_atif(
            agent_name=state.agent_name or "agent",
            session_id=run.run_id,
            trajectory_id=f"{run.run_id}:{record.case_id}",
            started=record.started,
            context={
                "case_id": ctx.case_id,
                "topology": ctx.topology.summary(),
                "symptoms": ctx.symptoms,
                "window": ctx.window,
                "budget_s": ctx.budget_s,
            },
            final=record.diagnosis if record.diagnosis is not None else {"error": record.message},
            extra={
                "case_id": record.case_id,
                "worker": record.worker,
                "outcome_recorded_in": "results.jsonl",
            },
        )
        path = run.write_trace(record, trajectory, agent=state.agent_name)
        record.trace_path = str(path.relative_to(run.root))
    run.append_case(record)
    run.clear_marker(item.config.stash[RUN].worker)


def worker_id(config: pytest.Config) -> str:
    """xdist's id for this process (``gw0``...), or ``master``. Read from the config, not from
    PYTEST_XDIST_WORKER: a pytest run started inside an xdist worker (pytester, the SDK) inherits
    that variable without being a worker itself."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput is not None else "master"
