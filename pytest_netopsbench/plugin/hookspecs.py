"""Extension hooks of the netopsbench pytest plugin (``pytest_netopsbench_*``).

Implement them in a ``conftest.py`` or a plugin. The firstresult hooks have a default
implementation in the plugin registered ``trylast``, so yours wins by returning a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..diagnosis import DiagnosisResult, GroundTruth
    from ..episode import DiagnosticContext
    from ..records import BenchmarkReport
    from ..scenario import Scenario
    from ..scoring import CaseScore
    from ..topology import Topology


@pytest.hookspec(firstresult=True)
def pytest_netopsbench_load_agent(config: pytest.Config, spec: str) -> Any:
    """Return the agent for ``spec`` (the ``--netopsbench-agent`` value, ``module:attr``).

    The default imports ``module``, takes ``attr`` and, when it is a class or a factory (a
    callable without ``diagnose``), calls it with no arguments. Return None to fall through."""


@pytest.hookspec(firstresult=True)
def pytest_netopsbench_make_context(
    context: DiagnosticContext,
    scenario: Scenario,
    item: pytest.Item,
) -> DiagnosticContext | None:
    """Return a replacement for the context about to be given to the agent (e.g. with extra
    tools), or None to keep it. Never put anything in it that reveals the scenario."""


@pytest.hookspec(firstresult=True)
def pytest_netopsbench_score_case(
    truth: GroundTruth | None,
    diagnosis: DiagnosisResult,
    topology: Topology,
    scenario: Scenario,
) -> CaseScore | None:
    """Score one diagnosis; return None to use the built-in rules (docs/scoring.md)."""


def pytest_netopsbench_amend_report(report: BenchmarkReport, config: pytest.Config) -> None:
    """Called on the controller with the finished report before it is written; change it in place
    (add metadata, extra breakdowns)."""


def pytest_netopsbench_register_faults(register: Any) -> None:
    """Called once per process before scenarios are collected; call ``register(FaultClass)`` to add
    fault types (the same as the ``netopsbench.faults`` entry point group, but from a conftest)."""
