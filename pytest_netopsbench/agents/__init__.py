"""The built-in agents and how an agent spec is resolved.

Each built-in agent has a short name (entry-point group ``netopsbench.agents``) that
``--netopsbench-agent``, ``netopsbench run --agent`` and ``bench.agents.wrap`` accept:

- ``reference``: :class:`ReferenceAgent`, the deterministic operator baseline;
- ``llm``: :class:`ToolCallingAgent`, an LLM with function calling on an OpenAI-compatible endpoint;
- ``baseline-healthy``: :class:`AlwaysHealthyAgent`, always ``network_healthy``;
- ``baseline-worst-pair``: :class:`WorstPairAgent`, blames the ping mesh's worst pair's leaf.

Every case also scores both baselines on its own episode (:func:`baseline_agents`).

The plugin imports this package at start-up to resolve a spec, so the agents themselves are loaded
on first use (PEP 562 ``__getattr__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._spec import ENTRY_POINT_GROUP, AgentSpecError, agent_target, load_agent_spec, registered_agents

if TYPE_CHECKING:
    from .baselines import AlwaysHealthyAgent, WorstPairAgent, baseline_agents
    from .llm import LLMRequestError, ToolCallingAgent
    from .reference import ReferenceAgent

__all__ = [
    "ENTRY_POINT_GROUP",
    "AgentSpecError",
    "AlwaysHealthyAgent",
    "LLMRequestError",
    "ReferenceAgent",
    "ToolCallingAgent",
    "WorstPairAgent",
    "agent_target",
    "baseline_agents",
    "load_agent_spec",
    "registered_agents",
]

_LAZY = {
    "AlwaysHealthyAgent": "baselines",
    "WorstPairAgent": "baselines",
    "baseline_agents": "baselines",
    "LLMRequestError": "llm",
    "ToolCallingAgent": "llm",
    "ReferenceAgent": "reference",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
