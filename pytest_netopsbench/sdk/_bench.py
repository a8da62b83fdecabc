"""``NetOpsBench``: the SDK entry point; a context manager owning the managers and their resources."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..records import DEFAULT_RUNS_DIR
from ._agents import AgentManager
from ._argv import RunOptions
from ._artifacts import ArtifactManager
from ._faults import EvaluatorManager, FaultManager
from ._runtimes import RuntimeManager
from ._scenarios import ScenarioManager
from ._sessions import SessionManager

__all__ = ["NetOpsBench"]


class NetOpsBench:
    """``with NetOpsBench(workspace=".") as bench: ...``

    ``defaults`` are run options (``RunOptions``: ``workers``, ``keep_lab``, ``artifacts``, ``scale``,
    ``trace``, ``agent_timeout``, ``pass_score``, ``repeat``, ``runtime``, ``pytest_args``, ...) every
    session call starts from.
    On exit: waits for unfinished runs, closes every wrapped agent, and tears down the labs
    provisioned without ``keep=True``."""

    def __init__(
        self,
        workspace: str | os.PathLike[str] = ".",
        *,
        defaults: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        self.workspace = Path(workspace).resolve()
        if not self.workspace.is_dir():
            raise NotADirectoryError(f"workspace {self.workspace} is not a directory")
        self.defaults = RunOptions(**{**(defaults or {}), **options})
        runs_root = self.defaults.artifacts or DEFAULT_RUNS_DIR
        runs_root = runs_root if runs_root.is_absolute() else self.workspace / runs_root
        self.scenarios = ScenarioManager(self.workspace)
        self.agents = AgentManager()
        self.runtimes = RuntimeManager(self.defaults.runtime)
        self.faults = FaultManager()
        self.evaluators = EvaluatorManager(self.scenarios)
        self.artifacts = ArtifactManager(runs_root)
        self.sessions = SessionManager(self.workspace, self.defaults, self.agents, self.scenarios)
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.sessions.wait_all()  # never leave pytest running against labs we are about to remove
        finally:
            try:
                self.agents.close()
            finally:
                self.runtimes.close()

    def __enter__(self) -> NetOpsBench:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None:
            # An error or Ctrl-C in the block: stop runs after their current case rather than
            # finishing whole suites, then wait for their cleanup as usual.
            for run in self.sessions.list():
                if not run.done:
                    run.cancel(f"the NetOpsBench block exited with {exc_type.__name__}")
        self.close()

    def __repr__(self) -> str:
        return f"NetOpsBench(workspace={str(self.workspace)!r})"
