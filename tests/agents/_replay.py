"""Replaying recorded tool answers (tests/agents/data/*.json) as a diagnostic context."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pytest_netopsbench.agents.reference._recording import ReplayTools
from pytest_netopsbench.evidence import SymptomReport, Window
from pytest_netopsbench.topology import build_topology


def replay_context(fx: dict[str, Any]) -> tuple[SimpleNamespace, ReplayTools]:
    """A context with exactly what a real one gives the agent (topology, symptoms, window, tools),
    the tools answering from the recording."""
    tools = ReplayTools(fx["answers"])
    ctx = SimpleNamespace(
        case_id="case-replay",
        topology=build_topology(fx["scale"]),
        symptoms=SymptomReport.model_validate(fx["symptoms"]),
        window=Window.model_validate(fx["window"]),
        tools=tools,
    )
    return ctx, tools
