"""One case end to end: baseline -> inject -> verify -> observe -> context -> agent (under a
timeout) -> score -> clear -> verify healthy.

Healthy scenarios run the same phases with the same windows and no injection. A compound case
injects its faults in order, confirms each and clears them in reverse; an intermittent fault is
toggled on its schedule until cleared; red herrings play from the end of the baseline and are over
before the agent starts (``_schedule.py``). The episode is
split into ``prepare`` / ``diagnose`` / ``finish`` so the pytest plugin can run them in an item's
setup, call and teardown (harness failures become pytest errors, agent failures become
failures); :func:`run_episode` runs all three for other callers.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..diagnosis import DiagnosisResult, GroundTruth
from ..errors import FaultError, LabError
from ..faults import Fault, build_fault
from ..records import CaseRecord
from ..scenario import Scenario
from ..scoring import CaseScore, score_case
from ..settings import DEFAULT_AGENT_TIMEOUT_S, DEFAULT_PASS_SCORE
from ..topology import Topology
from ..trace import TraceRecorder
from ._agent import AgentCall, AgentRunner, call_agent
from ._baselines import run_baselines
from ._context import DiagnosticContext, McpAccess
from ._lab import LabSession
from ._record import append_message, new_case_record, record_score, record_usage
from ._schedule import HerringRun, Toggler, confirm_faults, where

__all__ = ["Episode", "EpisodeSettings", "InfraError", "run_episode"]

ScoreFn = Callable[[GroundTruth | None, DiagnosisResult, Topology], CaseScore]
ContextFn = Callable[[DiagnosticContext], DiagnosticContext]


class InfraError(FaultError):
    """The harness could not set the case up fairly (injection not confirmed, lab unhealthy)."""


class EpisodeSettings(BaseModel):
    agent_timeout_s: float = DEFAULT_AGENT_TIMEOUT_S
    pass_score: float = DEFAULT_PASS_SCORE
    pass_requires_type: bool = False
    trace: bool = True
    mcp: bool = True


class Episode:
    """One case on one lab session. Not thread-safe; one episode at a time per lab."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        session: LabSession,
        run_id: str,
        nodeid: str,
        trial: int = 0,
        worker: str = "master",
        settings: EpisodeSettings | None = None,
        case_dir: Path | None = None,
        make_context: ContextFn | None = None,
        score: ScoreFn | None = None,
        baselines: Sequence[Any] = (),
    ) -> None:
        self.scenario, self.session = scenario, session
        #: trivial agents scored on this episode after the agent (``record.baselines``)
        self.baselines = list(baselines)
        self.settings = settings or EpisodeSettings()
        self.case_dir = case_dir
        self._make_context, self._score = make_context, score or score_case
        self.topology = session.lab.topology
        specs = scenario.fault_specs
        #: the case's faults, in injection order (empty for a healthy case)
        self.faults: list[Fault] = [
            build_fault(s.type, dict(s.target), dict(s.params), self.topology) for s in specs
        ]
        self._schedules = {id(f): s.schedule for f, s in zip(self.faults, specs, strict=True) if s.schedule}
        self.truth: GroundTruth | None = (
            GroundTruth.compound([f.ground_truth() for f in self.faults]) if self.faults else None
        )
        from ..faults.herrings import build_herring

        self.herrings = HerringRun(
            [build_herring(h.type, h.target, h.params, self.topology) for h in scenario.red_herrings],
            session.lab,
        )
        #: the togglers of intermittent faults (stopped, not dropped, when the case ends)
        self.togglers: list[Toggler] = []
        self.recorder = TraceRecorder(enabled=self.settings.trace)
        self.context: DiagnosticContext | None = None
        self.agent_call: AgentCall | None = None
        self._mcp: Any = None
        self._injected: list[Fault] = []
        self._t0 = 0.0
        #: told each phase's name as it starts (the plugin keeps a crash marker with it)
        self.on_phase: Callable[[str], None] | None = None
        self.record: CaseRecord = new_case_record(
            scenario,
            run_id=run_id,
            nodeid=nodeid,
            trial=trial,
            worker=worker,
            lab=session.name,
            truth=self.truth,
        )

    @property
    def fault(self) -> Fault | None:
        """The first (for most cases the only) fault; ``faults`` has them all."""
        return self.faults[0] if self.faults else None

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        if self.on_phase is not None:
            self.on_phase(name)
        start = time.monotonic()
        try:
            yield
        finally:
            self.record.phases[name] = round(self.record.phases.get(name, 0.0) + time.monotonic() - start, 4)

    # -- setup: everything before the agent -------------------------------------------------------
    def prepare(self) -> DiagnosticContext:
        from ..evidence import Window, detect
        from ..toolkit import Toolkit

        timing = self.scenario.timing
        self._t0 = self.record.started = time.time()
        self._mark("baseline")
        with self._phase("baseline"):
            time.sleep(timing.baseline_s)
            baseline = Window(start=self._t0, end=time.time())
        self._mark("window")  # from injection (or not) to the agent's answer
        with self._phase("inject"):
            injected_at = time.time()
            # the herrings start with the injection, on their own thread, whatever the case holds
            self.herrings.start()
            self._inject_all()
            # settle counts from the start of injection, so the gap between the two windows is
            # the same for healthy and fault cases (it must not reveal that something was done)
            time.sleep(max(0.0, injected_at + timing.settle_s - time.time()))
        obs_start = time.time()
        with self._phase("observe"):
            time.sleep(max(0.0, obs_start + timing.observe_s - time.time()))
        window = Window(start=obs_start, end=time.time())
        if self.herrings.herrings:
            with self._phase("herrings"):
                window = self._await_herrings(window, timing.verify_timeout_s)
        with self._phase("verify"):
            window = self._verify(window, timing.verify_timeout_s)
        with self._phase("context"):
            symptoms = detect(self.session.store, self.topology, baseline, window)
            tools = Toolkit(
                self.session.lab, self.session.store, window, topology=self.topology, recorder=self.recorder
            )
            mcp = McpAccess(stdio_command=self._stdio_command(window))
            if self.settings.mcp:
                from ..toolkit import serve_mcp_http

                self._mcp = serve_mcp_http(tools, secret=secrets.token_urlsafe(24))
                mcp = McpAccess(url=self._mcp.url, stdio_command=mcp.stdio_command)
            context = DiagnosticContext(
                case_id=self.record.case_id,
                topology=self.topology,
                symptoms=symptoms,
                window=window,
                tools=tools,
                mcp=mcp,
                budget_s=self.settings.agent_timeout_s,
                trace=self.recorder,
            )
            if self._make_context is not None:
                context = self._make_context(context)
        with self._phase("handoff"):
            # Only fault cases are verified, and building the context takes longer for some
            # faults; with the context complete, the agent starts at one fixed delay after its
            # window for every case, so no time tells healthy from fault.
            time.sleep(max(0.0, window.end + timing.handoff_s - time.time()))
        self.context = context
        return context

    def _inject_all(self) -> None:
        """Inject every fault in order; an intermittent one starts toggling once injected."""
        for fault in self.faults:
            try:
                fault.inject(self.session.lab)
            except (FaultError, LabError) as exc:
                raise InfraError(f"injecting {where(fault)} failed: {exc}") from exc
            self._injected.append(fault)
            schedule = self._schedules.get(id(fault))
            if schedule is not None:
                toggler = Toggler(fault, schedule, self.session.lab)
                toggler.start()
                self.togglers.append(toggler)

    def _await_herrings(self, window: Any, timeout: float) -> Any:
        """Wait for the red herrings to be over (recovered); when they end after the window, the
        window slides to end after them, keeping its length, as verification's does."""
        from ..evidence import Window

        if not self.herrings.wait(window.end + timeout - time.time()):
            raise InfraError("; ".join(self.herrings.errors) + "; the case was not shown to the agent")
        if self.herrings.ended > window.end:
            now = time.time()
            return Window(start=now - (window.end - window.start), end=now)
        return window

    def _verify(self, window: Any, timeout: float) -> Any:
        """Confirm every fault from evidence (``confirm_faults``); InfraError if one is not."""
        try:
            return confirm_faults(self.faults, self.togglers, self.session, window, timeout)
        except FaultError as exc:
            raise InfraError(str(exc)) from exc

    def _stdio_command(self, window: Any) -> list[str]:
        import sys

        argv = [
            sys.executable,
            "-m",
            "pytest_netopsbench.toolkit.mcp",
            "--lab",
            self.session.name,
            "--store",
            str(self.session.store.path),
            "--window",
            f"{window.start:.3f}:{window.end:.3f}",
        ]
        if self.case_dir is not None:
            self.case_dir.mkdir(parents=True, exist_ok=True)
            argv += ["--calls", str(self._stdio_calls_path())]
        return argv

    def _stdio_calls_path(self) -> Path:
        assert self.case_dir is not None
        return self.case_dir / "stdio-tool-calls.jsonl"

    # -- call: the agent and the score ------------------------------------------------------------
    def diagnose(self, agent: Any) -> CaseRecord:
        if self.context is None:
            raise RuntimeError("Episode.diagnose() called before prepare()")
        with self._phase("agent"):
            if isinstance(agent, AgentRunner):
                output = self.case_dir / "agent-output.log" if self.case_dir is not None else None
                call = agent.run(self.context, self.settings.agent_timeout_s, output)
                self.record.isolation = "sandbox"
                self.record.agent_output = str(output) if output is not None and output.exists() else None
            else:
                call = call_agent(agent, self.context, self.settings.agent_timeout_s)
        self.agent_call = call
        if self.baselines:
            with self._phase("baseline_agents"):
                self.record.baselines = run_baselines(
                    self.baselines,
                    self.context,
                    lab=self.session.lab,
                    store=self.session.store,
                    topology=self.topology,
                    truth=self.truth,
                    score=self._score,
                    pass_score=self.settings.pass_score,
                    requires_type=self.settings.pass_requires_type,
                )
        with self._phase("context"):  # the context's teardown: stop its MCP server
            self._stop_mcp()
        if self.case_dir is not None:
            # tool calls an agent made through the stdio server (another process) count too
            from ..toolkit.mcp import CallFile

            CallFile.replay(self._stdio_calls_path(), self.recorder)
        rec = self.record
        record_usage(rec, call, self.recorder.totals)
        if call.kind != "ok" or call.diagnosis is None:
            rec.outcome = {"error": "agent_error", "timeout": "agent_timeout"}.get(
                call.kind, "invalid_result"
            )  # type: ignore[assignment]
            rec.score, rec.passed = 0.0, False
            rec.message = self._with_notes(call.message)
            return rec
        with self._phase("score"):
            result = self._score(self.truth, call.diagnosis, self.topology)
        rule = self.settings
        message = record_score(
            rec, call.diagnosis, result, pass_score=rule.pass_score, requires_type=rule.pass_requires_type
        )
        rec.message = self._with_notes(message)
        return rec

    def _with_notes(self, message: str) -> str:
        """The agent's result first, then harness notes set before it (e.g. a rebuilt lab)."""
        notes = self.record.message
        return f"{message}; {notes}" if notes else message

    def _stop_mcp(self) -> None:
        handle, self._mcp = self._mcp, None
        if handle is not None:
            handle.stop()

    # -- teardown: clear and prove the lab healthy again ------------------------------------------
    def finish(self) -> tuple[bool, str]:
        """Clear the faults and wait for the lab to be healthy. Returns (recovered, problem)."""
        self._stop_mcp()
        self._mark("recovery")
        with self._phase("clear_recover"):
            problem = "; ".join(self._clear_all())
            health = self.session.check_healthy(self.scenario.timing.recover_timeout_s)
        if not health.healthy:
            problem = "; ".join(
                p for p in (problem, "lab not healthy after the case: " + "; ".join(health.problems[:5])) if p
            )
        if self.case_dir is not None and self._t0:
            with self._phase("export"):
                from ..evidence import Window

                self.case_dir.mkdir(parents=True, exist_ok=True)
                dest = self.case_dir / "evidence.sqlite"
                self.session.store.export(Window(start=self._t0, end=time.time()), dest)
                self.record.evidence_path = str(dest)
        self.record.ended = time.time()
        self._mark("idle")
        return (not problem, problem)

    def _clear_all(self) -> list[str]:
        """Stop the toggling and the herrings, then clear every injected fault in reverse order,
        each even when an earlier clear failed. Returns the problems."""
        problems: list[str] = []
        for toggler in self.togglers:
            toggler.stop()
            problems += toggler.errors
        problems += self.herrings.close()
        for fault in reversed(self._injected):
            try:
                fault.clear(self.session.lab)
            except (FaultError, LabError) as exc:
                problems.append(f"clearing {where(fault)} failed: {exc}")
        self._injected.clear()
        return problems

    def _mark(self, phase: str) -> None:
        """Tag the live mirror's points from now on (the opaque case id, never the scenario's name)."""
        self.session.collector.mark(self.record.case_id if phase != "idle" else "", phase)


def run_episode(
    scenario: Scenario,
    session: LabSession,
    agent: Any,
    *,
    run_id: str,
    nodeid: str = "",
    trial: int = 0,
    worker: str = "master",
    settings: EpisodeSettings | None = None,
    case_dir: Path | None = None,
    baselines: Sequence[Any] = (),
) -> Episode:
    """Run every phase of one case; the returned episode holds the ``record`` (outcome
    ``infra_error`` with a message when the harness failed) and the ``recorder``."""
    episode = Episode(
        scenario=scenario,
        session=session,
        run_id=run_id,
        nodeid=nodeid or scenario.scenario_id,
        trial=trial,
        worker=worker,
        settings=settings,
        case_dir=case_dir,
        baselines=baselines,
    )
    try:
        episode.prepare()
        episode.diagnose(agent)
    except (FaultError, LabError) as exc:
        episode.record.outcome, episode.record.message = "infra_error", str(exc)
    finally:
        recovered, problem = episode.finish()
        if not recovered:
            append_message(episode.record, problem)
    return episode
