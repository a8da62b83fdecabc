"""The scenario test item and the stash keys it carries: below both collection (which builds items)
and the runner (which reads them), so neither imports the other."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel, ConfigDict

from ..errors import NetopsbenchError
from ..settings import Settings

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from ..scenario import Scenario

__all__ = ["RUN", "SCENARIO", "SETTINGS", "TRIAL", "RunInfo", "ScenarioItem"]


class RunInfo(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    run_id: str
    root: Path
    worker: str
    seed: int = 0  # of the case order; the controller's, so every xdist worker collects alike


SCENARIO = pytest.StashKey["Scenario"]()
TRIAL = pytest.StashKey[int]()
SETTINGS = pytest.StashKey[Settings]()
RUN = pytest.StashKey[RunInfo]()


class ScenarioItem(pytest.Function):
    """One trial of one scenario."""

    @property
    def scenario(self) -> Scenario:
        return self.stash[SCENARIO]

    @property
    def trial(self) -> int:
        return self.stash.get(TRIAL, 0)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.name} ({self.scenario.scale})"

    def repr_failure(
        self,
        excinfo: ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | TerminalRepr:
        # Harness errors are explained by their message; a traceback into the plugin helps no one.
        if isinstance(excinfo.value, NetopsbenchError):
            return f"{type(excinfo.value).__name__}: {excinfo.value}"
        return super().repr_failure(excinfo)
