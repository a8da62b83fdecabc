"""The pytest plugin's side of sandbox mode: options from settings, the agent from its spec
(validated in the pytest process, imported only in a sandbox), fixture objects sent by pickle."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from ..sandbox import (
    INSTALL_HINT,
    AgentEnvError,
    AgentLoadError,
    SandboxedAgent,
    SandboxOptions,
    agent_environment,
    bwrap_path,
)

__all__ = ["OPTIONS", "build_options", "load_sandboxed", "sandboxed"]

OPTIONS = pytest.StashKey[SandboxOptions]()


def build_options(config: pytest.Config, scenario_files: Iterable[Path] = ()) -> SandboxOptions:
    """Check bwrap and the agent's environment once; a problem is one usage error."""
    if OPTIONS in config.stash:
        return config.stash[OPTIONS]
    from ._item import RUN, SETTINGS

    settings, run = config.stash[SETTINGS], config.stash[RUN]
    bwrap = bwrap_path()
    if bwrap is None:
        raise pytest.UsageError(f"netopsbench: {INSTALL_HINT}")
    try:
        env = agent_environment(settings.agent_env, settings.agent_env_vars)
    except AgentEnvError as exc:
        raise pytest.UsageError(f"netopsbench: {exc}") from None
    hidden = [run.root, config.rootpath / "scenarios", *(Path(f).parent for f in scenario_files)]
    options = SandboxOptions(bwrap=bwrap, env=env, hidden=tuple(dict.fromkeys(p.resolve() for p in hidden)))
    config.stash[OPTIONS] = options
    return options


def load_sandboxed(config: pytest.Config, spec: str) -> SandboxedAgent:
    """Validate the spec here (its form, or a registered short name: entry-point metadata only),
    build the agent once inside a sandbox (its import errors come back as one usage error), never
    import it in this process."""
    from ..agents import AgentSpecError, agent_target

    try:
        agent_target(spec)
    except AgentSpecError as exc:
        raise pytest.UsageError(str(exc)) from None
    options = build_options(config)
    try:
        agent = SandboxedAgent.for_spec(spec, options)
        agent.check()
    except AgentLoadError as exc:
        raise pytest.UsageError(f"netopsbench: agent {spec!r} (in its sandbox): {exc}") from None
    return agent


def sandboxed(config: pytest.Config, agent: Any) -> SandboxedAgent:
    """The agent the item will call: a fixture- or plugin-provided object travels by pickle."""
    if isinstance(agent, SandboxedAgent):
        return agent
    return SandboxedAgent.from_object(agent, build_options(config))
