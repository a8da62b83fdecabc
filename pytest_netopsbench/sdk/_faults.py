"""``FaultManager`` and ``EvaluatorManager``: the fault catalogue, and offline scoring of a
diagnosis against a scenario with the exact rules a run uses."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from ..diagnosis import DiagnosisResult, GroundTruth
from ..faults import Fault, FaultInfo, describe_faults
from ..scenario import Scenario
from ..scoring import CaseScore, score_case
from ..topology import build_topology
from ._scenarios import ScenarioManager, ScenarioRef

__all__ = ["EvaluatorManager", "FaultInfo", "FaultManager"]


def _registry() -> Any:
    from ..faults import registry

    return registry


class FaultManager:
    def list(self) -> list[FaultInfo]:
        """Every registered fault: targets, parameters (with defaults), and whether this host can
        inject it (the same rows as ``netopsbench fault list --json``)."""
        return describe_faults()

    def names(self) -> builtins.list[str]:
        return list(_registry().names())

    def get(self, name: str) -> type[Fault]:
        return _registry().get(name)  # type: ignore[no-any-return]

    def register(self, cls: type[Fault]) -> type[Fault]:
        """Add a fault class for this process (plugin runs with one worker see it too; for xdist
        workers register it through the ``netopsbench.faults`` entry point, see docs/faults.md)."""
        return _registry().register(cls)  # type: ignore[no-any-return]

    def unregister(self, name: str) -> None:
        _registry().unregister(name)


class EvaluatorManager:
    """Score a ``DiagnosisResult`` against a scenario without a lab: ground truth comes from the
    scenario's faults (``build_fault(...).ground_truth()``, combined with ``GroundTruth.compound``
    for a compound case), healthy scenarios expect
    ``network_healthy``, and the score is ``scoring.score_case`` (the rule a run applies)."""

    def __init__(self, scenarios: ScenarioManager) -> None:
        self._scenarios = scenarios

    def ground_truth(self, scenario: Scenario | ScenarioRef | str | Path) -> GroundTruth | None:
        sc = self._scenario(scenario)
        if sc.healthy:
            return None
        topology = build_topology(sc.scale)
        faults: list[Fault] = [
            _registry().build_fault(f.type, f.target, f.params, topology) for f in sc.fault_specs
        ]
        return GroundTruth.compound([f.ground_truth() for f in faults])

    def evaluate_scenario(
        self,
        scenario: Scenario | ScenarioRef | str | Path,
        diagnosis: DiagnosisResult | dict[str, Any],
    ) -> CaseScore:
        sc = self._scenario(scenario)
        result = (
            diagnosis if isinstance(diagnosis, DiagnosisResult) else DiagnosisResult.model_validate(diagnosis)
        )
        return score_case(self.ground_truth(sc), result, build_topology(sc.scale))

    def evaluate_suite(
        self,
        pairs: list[tuple[Scenario | ScenarioRef | str | Path, DiagnosisResult | dict[str, Any]]],
    ) -> list[CaseScore]:
        return [self.evaluate_scenario(s, d) for s, d in pairs]

    def _scenario(self, scenario: Scenario | ScenarioRef | str | Path) -> Scenario:
        if isinstance(scenario, Scenario):
            return scenario
        if isinstance(scenario, ScenarioRef):
            return scenario.scenario
        return self._scenarios.validate(scenario).scenario
