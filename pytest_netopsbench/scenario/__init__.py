"""Scenario files (format v1): the model, loading and validation against the topology."""

from ._load import MAX_FILE_BYTES, is_scenario_file, iter_scenarios, load_scenario, validate_scenario
from ._model import (
    FORMAT_VERSION,
    MAX_FAULTS,
    RESERVED_TAGS,
    FaultSpec,
    HerringSpec,
    Scenario,
    Schedule,
    Timing,
    TopologySpec,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_FAULTS",
    "MAX_FILE_BYTES",
    "RESERVED_TAGS",
    "FaultSpec",
    "HerringSpec",
    "Scenario",
    "Schedule",
    "Timing",
    "TopologySpec",
    "is_scenario_file",
    "iter_scenarios",
    "load_scenario",
    "validate_scenario",
]
