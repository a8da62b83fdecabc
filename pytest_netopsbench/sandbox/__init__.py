"""Running the agent out of process, in a bubblewrap sandbox (``--netopsbench-isolation=sandbox``,
the default). See docs/isolation.md for what the agent can and cannot reach, and why.

The harness side (:class:`SandboxedAgent`) starts one sandbox per case, serves the case's tools
over a unix socket with a per-case token, waits for the answer until the deadline and kills the
sandbox's whole pid namespace afterwards, whatever the agent did. The names are loaded on first
use: the sandbox's own entry point (``_child``) lives in this package and must start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._bwrap import INSTALL_HINT, bwrap_path
    from ._env import AgentEnvError, agent_environment, read_env_file
    from ._host import AGENT_OUTPUT_CAP, AgentLoadError, SandboxedAgent, SandboxOptions

__all__ = [
    "AGENT_OUTPUT_CAP",
    "INSTALL_HINT",
    "AgentEnvError",
    "AgentLoadError",
    "SandboxOptions",
    "SandboxedAgent",
    "agent_environment",
    "bwrap_path",
    "read_env_file",
]

_LAZY = {
    "INSTALL_HINT": "_bwrap",
    "bwrap_path": "_bwrap",
    "AgentEnvError": "_env",
    "agent_environment": "_env",
    "read_env_file": "_env",
    "AGENT_OUTPUT_CAP": "_host",
    "AgentLoadError": "_host",
    "SandboxOptions": "_host",
    "SandboxedAgent": "_host",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
