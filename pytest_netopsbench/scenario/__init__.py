"""Scenario files (format v1): the model, loading and validation against the topology."""

from ._load import is_scenario_file, iter_scenarios, load_scenario, validate_scenario
from ._model import FORMAT_VERSION, FaultSpec, Scenario, Timing, TopologySpec

__all__ = [
    "FORMAT_VERSION",
    "FaultSpec",
    "Scenario",
    "Timing",
    "TopologySpec",
    "is_scenario_file",
    "iter_scenarios",
    "load_scenario",
    "validate_scenario",
]
