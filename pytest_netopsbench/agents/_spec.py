"""Resolving an agent spec into an agent object: a registered short name (entry-point group
``netopsbench.agents``, e.g. ``reference``) or ``module:attr``. The plugin (``--netopsbench-agent``),
the CLI (``--agent``) and the SDK (``bench.agents.wrap("...")``) all go through
:func:`load_agent_spec`."""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import entry_points
from typing import Any

from ..errors import AgentError

__all__ = ["ENTRY_POINT_GROUP", "AgentSpecError", "agent_target", "load_agent_spec", "registered_agents"]

ENTRY_POINT_GROUP = "netopsbench.agents"


class AgentSpecError(AgentError):
    """A spec names no usable agent; the message says what to fix. The plugin reports it as one
    ``pytest.UsageError``."""


def registered_agents() -> dict[str, str]:
    """Short name -> ``module:attr`` for every installed agent, sorted by name. A name that two
    distributions register with different targets maps to all of them, joined by `` | ``."""
    found: dict[str, list[str]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        targets = found.setdefault(ep.name, [])
        if ep.value not in targets:
            targets.append(ep.value)
    return {name: " | ".join(found[name]) for name in sorted(found)}


def agent_target(spec: str) -> str:
    """The ``module:attr`` a spec stands for: itself, or what its short name is registered as."""
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
        if not module_name or not attr:
            raise AgentSpecError(
                f"netopsbench: agent {spec!r} must look like module:attr (e.g. mypkg.agents:Agent)"
            )
        return spec
    registered = registered_agents()
    target = registered.get(spec)
    if target is None:
        names = ", ".join(registered) or "none"
        raise AgentSpecError(
            f"netopsbench: unknown agent {spec!r}. Registered names (entry-point group "
            f"{ENTRY_POINT_GROUP}): {names}; anything else must look like module:attr "
            "(e.g. mypkg.agents:Agent)"
        )
    if " | " in target:
        raise AgentSpecError(
            f"netopsbench: agent name {spec!r} is registered twice ({target}); pass module:attr instead"
        )
    return target.split("[", 1)[0].strip()  # drop an entry point's extras, "module:attr [extra]"


def _resolve(spec: str, target: str) -> Any:
    module_name, _, attr = target.partition(":")
    named = repr(spec) if spec == target else f"{spec!r} ({target})"
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise AgentSpecError(
            f"netopsbench: cannot import module {module_name!r} of agent {named}: "
            f"{type(exc).__name__}: {exc} (is it installed or on sys.path / pythonpath?)"
        ) from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            # keep a module's own explanation (the SDK's in-process registry gives one)
            detail = "" if str(exc).endswith(f"has no attribute {part!r}") else f": {exc}"
            raise AgentSpecError(
                f"netopsbench: {module_name!r} has no attribute {attr!r} (agent {named}){detail}"
            ) from None
    return obj


def load_agent_spec(spec: str) -> Any:
    """The agent a spec names. ``attr`` may be dotted. A class is instantiated with no arguments;
    a callable without ``diagnose`` is a factory and is called; anything else must have
    ``diagnose``. Raises :class:`AgentSpecError` saying what to fix."""
    spec = spec.strip()
    target = agent_target(spec)
    obj = _resolve(spec, target)
    try:
        # a class, or a factory (a callable that is not itself an agent)
        if inspect.isclass(obj) or (callable(obj) and not hasattr(obj, "diagnose")):
            obj = obj()
    except Exception as exc:
        raise AgentSpecError(
            f"netopsbench: building agent {spec!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    if not callable(getattr(obj, "diagnose", None)):
        raise AgentSpecError(
            f"netopsbench: agent {spec!r} resolved to {type(obj).__name__}, "
            "which has no diagnose(context) method"
        )
    return obj
