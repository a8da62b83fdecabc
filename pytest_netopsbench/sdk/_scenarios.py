"""Scenario files in the SDK: load, validate, list (the same loader the plugin collects with)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..errors import ScenarioError
from ..scenario import Scenario, iter_scenarios, load_scenario, validate_scenario
from ..topology import normalize_scale

__all__ = ["ScenarioManager", "ScenarioRef"]


class ScenarioRef(BaseModel):
    """A scenario and the file it came from."""

    model_config = ConfigDict(frozen=True)
    path: Path
    scenario: Scenario

    @property
    def scenario_id(self) -> str:
        return self.scenario.scenario_id

    @property
    def scale(self) -> str:
        return self.scenario.scale


class ScenarioManager:
    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def _path(self, path: str | Path) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.workspace / p

    def load(self, path: str | Path) -> ScenarioRef:
        """Parse and schema-check one file (``ScenarioError`` names file, field and line)."""
        p = self._path(path)
        return ScenarioRef(path=p, scenario=load_scenario(p))

    def validate(self, path: str | Path) -> ScenarioRef:
        """Load and check against the topology and the fault registry."""
        ref = self.load(path)
        validate_scenario(ref.scenario, ref.path)
        return ref

    def list(
        self,
        paths: str | Path | Iterable[str | Path] | None = None,
        *,
        scale: str | None = None,
        validate: bool = False,
    ) -> list[ScenarioRef]:
        """Every scenario file under ``paths`` (default ``<workspace>/scenarios``), optionally of one
        scale, sorted by path."""
        if paths is None:
            roots: list[Path] = [self.workspace / "scenarios"]
        elif isinstance(paths, str | Path):
            roots = [self._path(paths)]
        else:
            roots = [self._path(p) for p in paths]
        wanted = normalize_scale(scale) if scale else None
        refs = [
            ScenarioRef(path=p, scenario=s)
            for p, s in iter_scenarios(roots, validate=validate)
            if wanted is None or s.scale == wanted
        ]
        return refs

    def resolve(
        self,
        scenarios: str | Path | ScenarioRef | Iterable[str | Path | ScenarioRef] | None,
        *,
        scale: str | None,
    ) -> builtins.list[ScenarioRef]:
        """What a session runs: explicit files/directories/refs, else ``scenarios/generated/<scale>``."""
        if scenarios is None:
            if not scale:
                raise ScenarioError("name scenarios (files or directories) or a scale (e.g. scale='xs')")
            root = self.workspace / "scenarios" / "generated" / normalize_scale(scale)
            if not root.is_dir():
                raise ScenarioError(
                    f"{root} does not exist; run `netopsbench benchmark prepare --scales {scale}` "
                    "or pass scenario paths"
                )
            scenarios = [root]
        items = [scenarios] if isinstance(scenarios, str | Path | ScenarioRef) else list(scenarios)
        refs: builtins.list[ScenarioRef] = []
        for item in items:
            if isinstance(item, ScenarioRef):
                refs.append(item)
            else:
                refs.extend(self.list(item, scale=scale, validate=True))
        if not refs:
            raise ScenarioError(
                f"no scenario files found in {', '.join(str(i) for i in items)}"
                + (f" for scale {scale}" if scale else "")
            )
        seen: dict[str, Path] = {}
        for ref in refs:
            if ref.scenario_id in seen:
                raise ScenarioError(
                    f"scenario id {ref.scenario_id!r} is in both {seen[ref.scenario_id]} and "
                    f"{ref.path}; ids must be unique in one run"
                )
            seen[ref.scenario_id] = ref.path
        return refs
