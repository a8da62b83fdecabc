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
    from ..report import BenchmarkReport, CaseRecord

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
        self.swept: list[str] = []
        self.cleanup_errors: list[str] = []
        self.interrupted: tuple[str, str] | None = None  # (reason, detail)
        self.crashes: list[str] = []
        self.read_problems: list[str] = []

    # xdist: every worker uses the controller's run id, so all of them write one run directory.
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["netopsbench_run_id"] = self.run.run_id
        node.workerinput["netopsbench_run_root"] = str(self.run.root)
        from ._resume import RESUME

        node.workerinput["netopsbench_resume"] = self.config.stash[RESUME].model_dump(mode="json")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        if output.get("netopsbench_error"):
            self.usage_error = str(output["netopsbench_error"])

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

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, CASE_ATTR, None)
        if report.when != "teardown" or not isinstance(data, dict):
            return
        from ..report import CaseRecord

        self.cases.append(CaseRecord.model_validate(data))
        agent = getattr(report, "netopsbench_agent", "")
        if agent:
            self.agents.add(str(agent))

    def _meta(self) -> Any:
        from .._version import __version__
        from ..report import RunMeta

        workers = getattr(self.config.option, "numprocesses", None) or 1
        return RunMeta(
            run_id=self.run.run_id,
            agent=", ".join(sorted(self.agents)) or (self.settings.agent or ""),
            runtime=self.settings.runtime,
            netopsbench_version=__version__,
            python=platform.python_version(),
            pytest=pytest.__version__,
            frr=_frr_version(),
            host=socket.gethostname(),
            workers=int(workers) if isinstance(workers, int) else 1,
            started=self.started,
            ended=time.time(),
            argv=list(sys.argv),
            pass_score=self.settings.pass_score,
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
        self.swept = self._sweep_orphans()
        from ..report import build_report
        from ..report._accounting import make_accounting
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
        extra = [str(self.settings.report)] if self.settings.report else []
        run.write_report(report, *extra)
        self.report = report
        self.report_paths = [str(run.report_path), *extra]

    def _sweep_orphans(self) -> list[str]:
        """Labs of *this* run whose owning process is gone (an xdist worker that crashed never ran
        its session teardown). Matched by exact run id, so other runs' labs are never touched;
        skipped with --netopsbench-keep-lab, whose labs are meant to outlive their workers."""
        if self.settings.keep_lab:
            return []
        from ..runtime import list_labs, teardown_lab

        swept: list[str] = []
        for info in list_labs():
            if info.run_id == self.run.run_id and info.state == "stale":
                try:
                    teardown_lab(info.name)
                    swept.append(info.name)
                except Exception as exc:  # report, never fail the run over cleanup
                    self.cleanup_errors.append(f"{info.name}: {exc}")
        return swept

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.usage_error:
            terminalreporter.write_line(f"ERROR: {self.usage_error}", red=True, bold=True)
        if self.report is None:
            return
        from ..report import render_table

        terminalreporter.section("netopsbench")
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
        if self.swept:
            terminalreporter.write_line(f"removed labs left by crashed workers: {', '.join(self.swept)}")
        for problem in self.cleanup_errors:
            terminalreporter.write_line(f"could not remove an orphaned lab: {problem}", yellow=True)
        for path in self.report_paths[1:]:
            terminalreporter.write_line(f"report also written to: {path}")


def _frr_version() -> str:
    try:
        from ..runtime.capabilities import detect

        return detect().frr_version or ""
    except Exception:  # metadata only; never fail a run over it
        return ""
