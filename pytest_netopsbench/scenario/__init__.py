"""Scenario files (format v1): the model, loading and validation against the topology."""

from ._model import FORMAT_VERSION, FaultSpec, Scenario, Timing, TopologySpec

__all__ = ["FORMAT_VERSION", "FaultSpec", "Scenario", "Timing", "TopologySpec"]
