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
        self.telemetry: dict[str, Any] = {}  # worker id -> its live mirror's counts

    # xdist: every worker uses the controller's run id, so all of them write one run directory.
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["netopsbench_run_id"] = self.run.run_id
        node.workerinput["netopsbench_run_root"] = str(self.run.root)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        if output.get("netopsbench_error"):
            self.usage_error = str(output["netopsbench_error"])
        from ._mirror import WORKER_KEY

        if isinstance(output.get(WORKER_KEY), dict):
            self.telemetry[str(node.gateway.id)] = output[WORKER_KEY]

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
            telemetry=telemetry(self.settings, mirrored),
        )

    @pytest.hookimpl(tryfirst=True)  # before pytest-html renders its summary from our report
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.usage_error:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
        if not self.cases:
            return
        self._junit_properties()
        from ..report import build_report

        report = build_report(self._meta(), self.cases)
        self.config.hook.pytest_netopsbench_amend_report(report=report, config=self.config)
        run = rundir(self.config)
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
