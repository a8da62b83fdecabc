"""Collection: scenario files become ``ScenarioFile`` collectors, each yielding one
``ScenarioItem`` per trial. Items are real ``pytest.Function``s built with ``from_parent(...,
callobj=...)``, so fixtures, ``usefixtures``, ``-k``/``-m`` and plugins work without private APIs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import NetopsbenchError, ScenarioError

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from ..scenario import Scenario

__all__ = [
    "SCENARIO",
    "TRIAL",
    "ScenarioFile",
    "ScenarioItem",
    "collect_file",
    "scenario_markers",
    "shuffle_within_scale",
]

SCENARIO = pytest.StashKey["Scenario"]()
TRIAL = pytest.StashKey[int]()
SCALE_ORDER = ("xs", "s", "m", "l", "xl")


def collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix.lower() not in (".yaml", ".yml"):
        return None
    # imported here, not at module level: most pytest sessions never see a YAML file
    from ..scenario import is_scenario_file

    if is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _register_marker(config: pytest.Config, name: str, what: str) -> None:
    registered = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}
    if name not in registered:
        config.addinivalue_line("markers", f"{name}: netopsbench {what}")


def scenario_markers(config: pytest.Config, scenario: Scenario) -> list[str]:
    """Markers of a scenario: scale, difficulty, fault type (canonical name) or ``healthy``,
    and its tags. Each is registered, so ``--strict-markers`` runs accept them."""
    marks: list[tuple[str, str]] = [(scenario.scale, "scale"), (scenario.difficulty, "difficulty")]
    if scenario.fault is None:
        marks.append(("healthy", "scenario without a fault (negative case)"))
    else:
        from ..faults import normalize_fault_type

        marks.append((normalize_fault_type(scenario.fault.type), "fault type"))
    marks += [(tag, "scenario tag") for tag in scenario.tags]
    names: list[str] = []
    for name, what in marks:
        if name not in names:
            _register_marker(config, name, what)
            names.append(name)
    return names


class ScenarioFile(pytest.File):
    """A scenario YAML file (one scenario per file)."""

    def collect(self) -> list[pytest.Item]:
        from ..scenario import load_scenario, validate_scenario
        from . import _runner

        _runner.register_faults_once(self.config)
        scenario = load_scenario(self.path)
        validate_scenario(scenario, self.path)
        repeat = self.config.stash.get(_runner.REPEAT, 1)
        markers = scenario_markers(self.config, scenario)
        items: list[pytest.Item] = []
        trials = [0] if repeat == 1 else list(range(1, repeat + 1))
        for trial in trials:
            name = scenario.scenario_id if trial == 0 else f"{scenario.scenario_id}[trial{trial}]"
            item = ScenarioItem.from_parent(self, name=name, callobj=_runner.run_scenario)
            item.stash[SCENARIO] = scenario
            item.stash[TRIAL] = trial
            for marker in markers:
                item.add_marker(marker)
            item.extra_keyword_matches.update({scenario.scenario_id, scenario.scale})
            items.append(item)
        return items

    def repr_failure(
        self,
        excinfo: ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioError):
            # name the file as pytest does (relative to the rootdir), not by its absolute path
            return f"invalid scenario file: {str(excinfo.value).replace(str(self.path), self.nodeid)}"
        return super().repr_failure(excinfo)


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


def sort_key(item: pytest.Item) -> tuple[int, str]:
    """Scenario items by scale (xs first), keeping their collection order within a scale."""
    scenario = item.stash.get(SCENARIO, None)
    if scenario is None:
        return (-1, "")
    scale = scenario.scale
    return (SCALE_ORDER.index(scale) if scale in SCALE_ORDER else len(SCALE_ORDER), "")


def shuffle_within_scale(items: list[pytest.Item], seed: int) -> None:
    """Shuffle the scenario items of each scale in place (``items`` already sorted by
    :func:`sort_key`), so the hand-off order says nothing about file names while each worker still
    meets one scale at a time and reuses its lab. Same seed and items, same order: xdist needs
    every worker to collect the same order."""
    import random

    rng = random.Random(seed)
    start = 0
    while start < len(items):
        key = sort_key(items[start])
        end = start
        while end < len(items) and sort_key(items[end]) == key:
            end += 1
        if key[0] >= 0:
            group = items[start:end]
            rng.shuffle(group)
            items[start:end] = group
        start = end
