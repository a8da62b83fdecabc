"""Resolving ``--netopsbench-agent=module:attr`` into an agent object."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

__all__ = ["NO_AGENT_MESSAGE", "load_agent_spec"]

NO_AGENT_MESSAGE = (
    "netopsbench: scenarios were selected but no agent is configured. Pass "
    "--netopsbench-agent=module:attr (an object with diagnose(context), a class or a factory), set "
    "netopsbench_agent in pytest.ini/pyproject.toml, or override the `netopsbench_agent` fixture in a "
    "conftest.py. (--collect-only needs no agent.)"
)


def load_agent_spec(spec: str) -> Any:
    """Import ``module:attr`` (``attr`` may be dotted). A class is instantiated with no arguments;
    a callable without ``diagnose`` is a factory and is called; anything else must have
    ``diagnose``. Raises ``pytest.UsageError`` with what to fix."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise pytest.UsageError(
            f"netopsbench: agent {spec!r} must look like module:attr (e.g. mypkg.agents:Agent)"
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise pytest.UsageError(
            f"netopsbench: cannot import module {module_name!r} of agent {spec!r}: "
            f"{type(exc).__name__}: {exc} (is it installed or on sys.path / pythonpath?)"
        ) from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise pytest.UsageError(
                f"netopsbench: {module_name!r} has no attribute {attr!r} (agent {spec!r})"
            ) from None
    try:
        # a class, or a factory (a callable that is not itself an agent)
        if inspect.isclass(obj) or (callable(obj) and not hasattr(obj, "diagnose")):
            obj = obj()
    except Exception as exc:
        raise pytest.UsageError(
            f"netopsbench: building agent {spec!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    if not callable(getattr(obj, "diagnose", None)):
        raise pytest.UsageError(
            f"netopsbench: agent {spec!r} resolved to {type(obj).__name__}, "
            "which has no diagnose(context) method"
        )
    return obj
