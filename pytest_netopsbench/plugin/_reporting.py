"""Controller side: collect every case record from test reports (they arrive from xdist workers
as JSON), build ``report.json`` and the terminal summary. Never runs on a worker."""

from __future__ import annotations

import platform
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest

from ._options import Settings
from ._runner import RunInfo, rundir

if TYPE_CHECKING:
    from ..records import BenchmarkReport, CaseRecord

__all__ = ["CASE_ATTR", "Controller"]

#: the TestReport attribute carrying ``CaseRecord.model_dump(mode="json")``
CASE_ATTR = "netopsbench_case"


class Controller:
    def __init__(self, config: pytest.Config, settings: Settings, run: RunInfo) -> None:
        self.config, self.settings, self.run = config, settings, run
        self.cases: list[CaseRecord] = []
        self.started = time.time()
        self.report: BenchmarkReport | None = None
        self.report_paths: list[str] = []
        self.agents: set[str] = set()
        self.usage_error = ""
        self.interrupted: tuple[str, str] | None = None  # (reason, detail)
        self.crashes: list[str] = []
        self.read_problems: list[str] = []
        from ._ship import ShipStats

        self.shipped = ShipStats()
        self.telemetry: dict[str, Any] = {}  # worker id -> its live mirror's counts

    # xdist: every worker uses the controller's run id, so all of them write one run directory.
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["netopsbench_run_id"] = self.run.run_id
        node.workerinput["netopsbench_run_root"] = str(self.run.root)
        node.workerinput["netopsbench_seed"] = self.run.seed
        from ._resume import RESUME

        node.workerinput["netopsbench_resume"] = self.config.stash[RESUME].model_dump(mode="json")
        from ._ship import REMOTE_KEY, is_remote_spec

        # a worker on another host stages its cases and ships them back on the reports
        node.workerinput[REMOTE_KEY] = is_remote_spec(node.gateway.spec)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        if output.get("netopsbench_error"):
            self.usage_error = str(output["netopsbench_error"])
        from ._mirror import WORKER_KEY

        if isinstance(output.get(WORKER_KEY), dict):
            self.telemetry[str(node.gateway.id)] = output[WORKER_KEY]

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched: Any) -> None:
        """A worker died while running ``crashitem``: record the case from the worker's marker
        (agent_error if it died in the agent call, else infra_error) so it is never lost."""
        from ._accounting import record_crash

        node = getattr(report, "node", None)  # xdist sets it to the dead WorkerController
        worker = str(node.gateway.id) if node is not None else "unknown"
        record = record_crash(rundir(self.config), crashitem, worker)
        phase = record.message.rsplit(" during ", 1)[-1]
        self.crashes.append(f"{worker} crashed during {phase}: {crashitem}")
        self.cases.append(record)
        setattr(report, CASE_ATTR, record.model_dump(mode="json"))
        from ._runner import case_properties

        report.user_properties = case_properties(record)

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        from ._accounting import interrupt_reason

        self.interrupted = interrupt_reason(self.config, str(excinfo.value))

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """With ``--dist load`` (the default of ``-n``), keep each worker on one scale so it
        deploys as few labs as possible; other modes are left to xdist."""
        if config.getvalue("dist") != "load":
            return None
        from ._schedule import ScaleAffinityScheduling

        return ScaleAffinityScheduling(config, log)

    @pytest.hookimpl(tryfirst=True)  # before junitxml reads the report
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, CASE_ATTR, None)
        if not isinstance(data, dict):
            return
        if hasattr(report, "netopsbench_staging"):  # from a remote worker: store what it shipped
            from ._ship import unpack_report

            unpack_report(rundir(self.config), report, self.shipped)
        from ._junit import set_classname

        set_classname(self.config, report, data)
        if report.when != "teardown":
            return
        from ..records import CaseRecord

        self.cases.append(CaseRecord.model_validate(data))
        agent = getattr(report, "netopsbench_agent", "")
        if agent:
            self.agents.add(str(agent))

    def _meta(self) -> Any:
        from .._version import __version__
        from ..records import RunMeta
        from ._mirror import local_counts, redact_argv, telemetry

        mirrored = dict(self.telemetry)
        mine = local_counts(self.config)  # without xdist the controller ran the cases itself
        if mine is not None:
            mirrored[self.run.worker] = mine.model_dump()

        workers = getattr(self.config.option, "numprocesses", None) or 1
        return RunMeta(
            run_id=self.run.run_id,
            agent=", ".join(sorted(self.agents)) or (self.settings.agent or ""),
            runtime=self.settings.runtime,
            isolation=self.settings.isolation,
            netopsbench_version=__version__,
            python=platform.python_version(),
            pytest=pytest.__version__,
            frr=_frr_version(),
            host=socket.gethostname(),
            workers=int(workers) if isinstance(workers, int) else 1,
            started=self.started,
            ended=time.time(),
            argv=redact_argv(sys.argv),
            pass_score=self.settings.pass_score,
            pass_requires_type=self.settings.pass_requires_type,
            seed=self.run.seed,
            telemetry=telemetry(self.settings, mirrored),
        )

    @pytest.hookimpl(tryfirst=True)  # before pytest-html renders its summary from our report
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.usage_error:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
        from ._accounting import final_cases, stop_reason

        if session.exitstatus == pytest.ExitCode.USAGE_ERROR and not self.cases:
            return  # refused before any case ran (a bad option, a refused resume): nothing to report
        if not self.cases and not (self.run.root / self.run.run_id / "selection.json").is_file():
            return  # not a benchmark session: no scenario was selected for this run
        run = rundir(self.config)
        cases, selection, self.read_problems = final_cases(run, self.cases)
        self._junit_properties()
        from ..report import build_report, make_accounting
        from ._resume import RESUME

        interrupted = self.interrupted or stop_reason(session)
        resume = self.config.stash[RESUME]
        report = build_report(self._meta(), cases)
        report.accounting = make_accounting(
            selection.selected if selection is not None else [],
            cases,
            interrupted=interrupted[0] if interrupted else None,
            detail=interrupted[1] if interrupted else "",
            crashes=self.crashes,
            sessions=resume.sessions + 1 if resume.active else 1,
        )
        if resume.active and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            session.exitstatus = pytest.ExitCode.OK  # nothing was left to resume
        self.config.hook.pytest_netopsbench_amend_report(report=report, config=self.config)
        from ._accounting import junit_properties

        junit_properties(self.config, report)
        from ..report import baseline_properties
        from ._junit import add_suite_properties

        add_suite_properties(self.config, baseline_properties(report))
        extra = [str(self.settings.report)] if self.settings.report else []
        run.write_report(report, *extra)
        self.report = report
        self.report_paths = [str(run.report_path), *extra]

    def _junit_properties(self) -> None:
        from ._junit import add_suite_properties

        campaigns = sorted({c.campaign for c in self.cases if c.campaign})
        add_suite_properties(
            self.config,
            {
                "run_id": self.run.run_id,
                "run_dir": str(rundir(self.config).root.resolve()),
                "campaign": ", ".join(campaigns),
                "agent": ", ".join(sorted(self.agents)) or (self.settings.agent or ""),
            },
        )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.usage_error:
            terminalreporter.write_line(f"ERROR: {self.usage_error}", red=True, bold=True)
        if self.report is None:
            return
        from ..report import render_table

        terminalreporter.section("netopsbench")
        terminalreporter.write_line(f"isolation: {_ISOLATION[self.settings.isolation]}")
        for line in render_table(self.report).splitlines():
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"run directory: {rundir(self.config).root}")
        accounting = self.report.accounting
        if accounting is not None and not accounting.complete:
            terminalreporter.write_line(
                f"INCOMPLETE RUN: {accounting.describe()}; finish it with "
                f"--netopsbench-resume {self.run.run_id}",
                yellow=True,
                bold=True,
            )
        for crash in accounting.crashes if accounting is not None else []:
            terminalreporter.write_line(f"worker crash: {crash}", yellow=True)
        for problem in self.read_problems:
            terminalreporter.write_line(f"cases.jsonl: {problem}", yellow=True)
        ship = self.shipped
        if ship.cases or ship.failed:
            terminalreporter.write_line(
                f"artifacts shipped from remote workers: {ship.cases} cases, {ship.bytes} bytes compressed "
                f"({ship.raw_bytes} bytes unpacked)"
                + (f"; NOT stored for {', '.join(ship.failed)}" if ship.failed else "")
            )
        for path in self.report_paths[1:]:
            terminalreporter.write_line(f"report also written to: {path}")


_ISOLATION = {
    "sandbox": "sandbox (each case's agent in a bubblewrap sandbox; docs/isolation.md)",
    "none": "none (the agent ran in the pytest process: scores are not protected; docs/isolation.md)",
}


def _frr_version() -> str:
    try:
        from ..runtime.capabilities import detect

        return detect().frr_version or ""
    except Exception:  # metadata only; never fail a run over it
        return ""
