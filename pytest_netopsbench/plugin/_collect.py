"""Collection: scenario files become ``ScenarioFile`` collectors, each yielding one
``ScenarioItem`` per trial. Items are real ``pytest.Function``s built with ``from_parent(...,
callobj=...)``, so fixtures, ``usefixtures``, ``-k``/``-m`` and plugins work without private APIs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import ScenarioError
from ._item import SCENARIO, TRIAL, ScenarioItem

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from ..scenario import Scenario

__all__ = [
    "SCENARIO",
    "TRIAL",
    "ScenarioFile",
    "ScenarioItem",
    "collect_file",
    "register_campaign_tags",
    "register_fault_markers",
    "scenario_markers",
    "shuffle_within_scale",
    "tier_marker",
]

_IDS = pytest.StashKey[dict[str, Path]]()  # scenario_id -> the file that first used it
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


def register_fault_markers(config: pytest.Config) -> None:
    """Every registered fault type and alias, so ``pytest --markers`` lists what ``-m`` selects on
    and ``--strict-markers`` accepts them. Needs the fault registry (faults registered by plugins
    through ``pytest_netopsbench_register_faults`` too)."""
    from ..faults import fault_names, registry

    for name in fault_names():
        _register_marker(config, name, "fault type")
    for alias, name in registry.aliases().items():
        _register_marker(config, alias, f"fault type alias of {name}")


def register_campaign_tags(config: pytest.Config) -> None:
    """The tags of the rootdir's campaign file (``scenarios/campaign.yaml``), read as plain YAML:
    the tags of scenarios known before collection. Tags of other scenario files are registered
    when they are collected."""
    import yaml

    from ..campaign import DEFAULT_CAMPAIGN

    path = config.rootpath / DEFAULT_CAMPAIGN
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, yaml.YAMLError):
        return  # a broken campaign file is reported by `netopsbench benchmark`, not here
    faults = data.get("faults") if isinstance(data, dict) else None
    for entry in faults if isinstance(faults, list) else []:
        for tag in entry.get("tags") or [] if isinstance(entry, dict) else []:
            _register_marker(config, str(tag), "scenario tag")
    tiers = data.get("tiers") if isinstance(data, dict) else None
    for tier in ["standard", *(tiers if isinstance(tiers, dict) else [])]:
        _register_marker(config, tier_marker(str(tier)), f"campaign tier {tier}")


def tier_marker(tier: str) -> str:
    """The marker of a campaign tier: ``tier_<tier>``, since a bare ``hard`` is the difficulty."""
    return f"tier_{tier}"


def scenario_markers(config: pytest.Config, scenario: Scenario) -> list[str]:
    """Markers of a scenario: scale, difficulty, each fault type (canonical name) and its aliases,
    or ``healthy``, ``compound`` / ``intermittent`` / ``red_herrings`` for those kinds of case, its
    tags and ``tier_<tier>``. Each is registered, so ``--strict-markers`` runs accept them."""
    marks: list[tuple[str, str]] = [(scenario.scale, "scale"), (scenario.difficulty, "difficulty")]
    if scenario.healthy:
        marks.append(("healthy", "scenario without a fault (negative case)"))
    from ..faults import normalize_fault_type, registry

    for spec in scenario.fault_specs:
        canonical = normalize_fault_type(spec.type)
        marks.append((canonical, "fault type"))
        # `-m interface_down` selects link_down scenarios: an alias means the same fault
        alias_of = f"fault type alias of {canonical}"
        marks += [(a, alias_of) for a, name in registry.aliases().items() if name == canonical]
    if scenario.compound:
        marks.append(("compound", "compound case: several simultaneous faults"))
    if scenario.intermittent:
        marks.append(("intermittent", "a fault toggles on a schedule"))
    if scenario.red_herrings:
        marks.append(("red_herrings", "benign events before the agent starts"))
    marks += [(tag, "scenario tag") for tag in scenario.tags]
    marks.append((tier_marker(scenario.tier), f"campaign tier {scenario.tier}"))
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

        if _runner.register_faults_once(self.config):
            register_fault_markers(self.config)
        scenario = load_scenario(self.path)
        validate_scenario(scenario, self.path)
        self._claim_id(scenario.scenario_id)
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

    def _claim_id(self, scenario_id: str) -> None:
        """Ids are test ids and case ids: a second file with the same id would run the scenario
        twice and overwrite the first one's case directory."""
        first = self.config.stash.setdefault(_IDS, {}).setdefault(scenario_id, self.path)
        if first == self.path:
            return
        try:
            other = str(first.relative_to(self.config.rootpath))
        except ValueError:
            other = str(first)
        raise ScenarioError(
            f"duplicate scenario_id {scenario_id!r}: {other} uses it too "
            "(ids must be unique; they are the test ids)",
            file=str(self.path),
            field="scenario_id",
        )

    def repr_failure(
        self,
        excinfo: ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioError):
            # name the file as pytest does (relative to the rootdir), not by its absolute path
            return f"invalid scenario file: {str(excinfo.value).replace(str(self.path), self.nodeid)}"
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
