"""Resolving ``--netopsbench-agent`` (a registered name or ``module:attr``) into an agent object.

The resolver itself lives in :mod:`pytest_netopsbench.agents`, shared with the CLI and SDK."""

from __future__ import annotations

from ..agents import load_agent_spec

__all__ = ["NO_AGENT_MESSAGE", "load_agent_spec"]

NO_AGENT_MESSAGE = (
    "netopsbench: scenarios were selected but no agent is configured. Pass a built-in agent's name "
    "(--netopsbench-agent=reference; also llm, baseline-healthy, baseline-worst-pair) or your own "
    "--netopsbench-agent=module:attr (an object with diagnose(context), a class or a factory), set "
    "netopsbench_agent in pytest.ini/pyproject.toml, or override the `netopsbench_agent` fixture in a "
    "conftest.py. (--collect-only needs no agent.)"
)
