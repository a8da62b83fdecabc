"""pytest-netopsbench: benchmark AI agents on troubleshooting real emulated leaf-spine networks.

The public contract is importable from here. pytest imports this package at startup through the
plugin entry point, so only the light names (errors, version) are imported eagerly; the rest are
loaded on first use (PEP 562 ``__getattr__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    CapabilityError,
    FaultError,
    LabError,
    NetopsbenchError,
    ReportError,
    RunFailedError,
    ScenarioError,
    ToolInputError,
)

if TYPE_CHECKING:
    from .diagnosis import DiagnosisResult, Finding, GroundTruth, Location, Usage, Verdict
    from .episode import Agent, DiagnosticContext, McpAccess
    from .records import BenchmarkReport, CaseRecord, Summary
    from .scenario import Scenario, load_scenario
    from .scoring import CaseScore, score_case
    from .topology import Topology, build_topology
    from .trace import TraceRecorder

__all__ = [
    "Agent",
    "BenchmarkReport",
    "CapabilityError",
    "CaseRecord",
    "CaseScore",
    "DiagnosisResult",
    "DiagnosticContext",
    "FaultError",
    "Finding",
    "GroundTruth",
    "LabError",
    "Location",
    "McpAccess",
    "NetopsbenchError",
    "ReportError",
    "RunFailedError",
    "Scenario",
    "ScenarioError",
    "Summary",
    "ToolInputError",
    "Topology",
    "TraceRecorder",
    "Usage",
    "Verdict",
    "__version__",
    "build_topology",
    "load_scenario",
    "score_case",
]

_LAZY = {
    "DiagnosisResult": "diagnosis",
    "Finding": "diagnosis",
    "Usage": "diagnosis",
    "Verdict": "diagnosis",
    "Agent": "episode",
    "DiagnosticContext": "episode",
    "McpAccess": "episode",
    "GroundTruth": "diagnosis",
    "Location": "diagnosis",
    "BenchmarkReport": "records",
    "CaseRecord": "records",
    "Summary": "records",
    "Scenario": "scenario",
    "load_scenario": "scenario",
    "CaseScore": "scoring",
    "score_case": "scoring",
    "Topology": "topology",
    "build_topology": "topology",
    "TraceRecorder": "trace",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_netopsbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
