"""``RunHandle``: a benchmark run going on in the background (pytest in a thread of this process)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest

from ..errors import NetopsbenchError, RunFailedError
from ..records import BenchmarkReport

__all__ = ["RunHandle", "RunStatus"]

RunStatus = Literal["pending", "running", "completed", "failed", "cancelled"]

# pytest.main is not re-entrant across threads (capture, the plugin manager's hook state), so
# runs in one process take turns. Parallelism inside a run comes from xdist workers.
_PYTEST_LOCK = threading.Lock()

_EXIT_MEANING = {
    2: "interrupted",
    3: "pytest internal error",
    4: "pytest usage error (bad option or path)",
    5: "no scenarios were collected",
}


class _Control:
    """Plugin object given to ``pytest.main``: lets ``cancel`` stop the session between cases."""

    def __init__(self) -> None:
        self.session: pytest.Session | None = None
        self.cancel_reason: str | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        if self.cancel_reason:
            session.shouldstop = self.cancel_reason

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logfinish(self) -> None:
        if self.cancel_reason and self.session is not None:
            self.session.shouldstop = self.cancel_reason

    def cancel(self, reason: str) -> None:
        self.cancel_reason = reason
        if self.session is not None:
            self.session.shouldstop = reason
            dsession = self.session.config.pluginmanager.getplugin("dsession")
            if dsession is not None:  # xdist controller: stop scheduling, let workers finish their case
                dsession.shouldstop = reason


class RunHandle:
    """One run. ``status``: pending -> running -> completed | failed | cancelled.

    A run is *completed* when pytest finished and wrote the report, even if the agent got cases
    wrong (that is a result, not a failure). It is *failed* when pytest could not run (usage error,
    no scenarios, crash), no report was written, or a case hit an infrastructure error."""

    def __init__(
        self,
        *,
        run_id: str,
        mode: str,
        args: list[str],
        artifact_dir: Path,
        report_path: Path,
        scenario_ids: list[str],
        runtime: list[str],
        cleanup: Callable[[], None] = lambda: None,
    ) -> None:
        self.id = run_id
        self.mode = mode
        self.args = args
        self.artifact_dir = artifact_dir
        self.report_path = report_path
        self.scenario_ids = scenario_ids
        self.runtime = runtime
        self.status: RunStatus = "pending"
        self.started_at: float | None = None
        self.completed_at: float | None = None
        self.exit_code: int | None = None
        self.error: str | None = None
        self._cleanup = cleanup
        self._control = _Control()
        self._report: BenchmarkReport | None = None
        # Not a daemon: if the caller's main thread ends, the interpreter still lets pytest finish
        # its teardown (clear faults, remove labs) instead of killing it mid-case.
        self._thread = threading.Thread(target=self._main, name=f"netopsbench-run-{run_id}")

    # -- running ------------------------------------------------------------------------------
    def start(self) -> RunHandle:
        self._thread.start()
        return self

    def _main(self) -> None:
        try:
            with _PYTEST_LOCK:
                if self._control.cancel_reason:
                    self.status = "cancelled"
                    return
                self.status = "running"
                self.started_at = time.time()
                try:
                    # a copy: pytest prepends ini addopts to the list it is given
                    self.exit_code = int(pytest.main(list(self.args), plugins=[self._control]))
                except BaseException as exc:  # a crash must still end the handle in a final state
                    self.error = f"pytest crashed: {type(exc).__name__}: {exc}"
            self._finish()
        finally:
            self.completed_at = time.time()
            try:
                self._cleanup()
            except Exception as exc:
                self.error = (self.error + "; " if self.error else "") + f"cleanup failed: {exc}"

    def _finish(self) -> None:
        self._report = self._load()
        if self._control.cancel_reason:
            self.status = "cancelled"
        elif self.error is None and self.exit_code in (0, 1) and self._report is not None:
            infra = [c.scenario_id for c in self._report.cases if c.outcome == "infra_error"]
            if infra:
                self.error = f"{len(infra)} case(s) hit an infrastructure error: {', '.join(infra[:5])}"
            self.status = "failed" if infra else "completed"
        else:
            if self.error is None:
                meaning = _EXIT_MEANING.get(self.exit_code or 0, f"exit code {self.exit_code}")
                self.error = (
                    f"pytest ended with {meaning}"
                    if self.exit_code not in (0, 1)
                    else f"no report was written at {self.report_path}"
                )
            self.status = "failed"

    def _load(self) -> BenchmarkReport | None:
        if not self.report_path.is_file():
            return None
        from ..report import load_report

        try:
            return load_report(self.report_path)
        except NetopsbenchError as exc:
            self.error = str(exc)
            return None

    # -- observing ----------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.status in ("completed", "failed", "cancelled") and not self._thread.is_alive()

    def wait(self, timeout: float | None = None, *, raise_on_failure: bool = False) -> BenchmarkReport | None:
        """Block until the run ends or ``timeout`` seconds pass (then ``TimeoutError``; the run goes
        on). Returns the report (``None`` if none was written). With ``raise_on_failure``, a failed
        or cancelled run raises ``RunFailedError`` carrying whatever report exists."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(
                f"run {self.id} still {self.status} after {timeout:g}s; call wait() again or cancel() it"
            )
        if raise_on_failure and self.status != "completed":
            raise RunFailedError(
                f"run {self.id} {self.status}: {self.error or 'cancelled'} (artifacts: {self.artifact_dir})",
                report=self._report,
            )
        return self._report

    def report(self) -> BenchmarkReport | None:
        """The report if the run has written one (``None`` while running)."""
        return self._report if self.done else None

    def cancel(self, reason: str = "cancelled via RunHandle.cancel()") -> None:
        """Stop after the case(s) in progress; labs are still cleaned up by the plugin."""
        self._control.cancel(reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mode": self.mode,
            "status": self.status,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "artifact_dir": str(self.artifact_dir),
            "report_path": str(self.report_path),
            "scenario_ids": self.scenario_ids,
            "runtime": self.runtime,
            "exit_code": self.exit_code,
            "error": self.error,
        }

    def __repr__(self) -> str:
        return f"RunHandle({self.id!r}, {self.status}, {len(self.scenario_ids)} scenario(s))"
