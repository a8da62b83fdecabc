"""Importable agents for SDK tests (module-level, so xdist workers can rebuild them)."""

from __future__ import annotations

from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult


class HealthyAgent:
    """Always answers network_healthy; counts calls and closes."""

    name = "always-healthy"

    def __init__(self) -> None:
        self.calls = 0
        self.closed = 0

    def diagnose(self, context: Any) -> DiagnosisResult:
        self.calls += 1
        return DiagnosisResult(verdict="network_healthy", reasoning="no anomaly looked for")

    def close(self) -> None:
        self.closed += 1


class AsyncAgent:
    def __init__(self) -> None:
        self.closed = False

    async def diagnose(self, context: Any) -> dict[str, Any]:
        location = {"device": "leaf1", "interface": "eth1"}
        return {"verdict": "fault_detected", "findings": {"fault_type": "link_down", "location": location}}

    async def aclose(self) -> None:
        self.closed = True


def make_healthy() -> HealthyAgent:
    return HealthyAgent()
