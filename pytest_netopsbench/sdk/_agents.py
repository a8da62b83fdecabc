"""Agents in the SDK: ``AgentHandle`` (one lifecycle boundary per agent) and ``AgentManager``."""

from __future__ import annotations

import asyncio
import inspect
import threading
from pathlib import Path
from typing import Any

from ..agents import load_agent_spec
from ..diagnosis import DiagnosisResult
from ..errors import AgentError
from . import _inproc

__all__ = ["AgentError", "AgentHandle", "AgentManager", "load_agent_spec"]


def _run_coro(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside a running loop (a notebook): run on a fresh loop in another thread.
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="netopsbench-agent")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class AgentHandle:
    """A wrapped agent. ``diagnose`` adapts async agents and checks the result type; ``close``
    releases the agent's resources (``close()``/``aclose()`` when it has them) exactly once.

    ``spec`` (a registered name or ``module:attr``) is how workers rebuild the agent; without one,
    the object itself is pickled for workers (see docs/sdk.md, "Agents and workers")."""

    def __init__(self, agent: Any, *, name: str | None = None, spec: str | None = None) -> None:
        if not hasattr(agent, "diagnose"):
            raise AgentError(
                f"{type(agent).__qualname__} has no diagnose(context) method; it is not an agent"
            )
        self.agent = agent
        self.spec = spec
        self.name = name or str(getattr(agent, "name", "") or type(agent).__name__)
        self._closed = False
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._closed

    def get_capabilities(self) -> dict[str, Any]:
        fn = self.agent.diagnose
        return {
            "name": self.name,
            "class": f"{type(self.agent).__module__}.{type(self.agent).__qualname__}",
            "async": inspect.iscoroutinefunction(fn),
            "spec": self.spec,
            "closable": hasattr(self.agent, "close") or hasattr(self.agent, "aclose"),
        }

    def diagnose(self, context: Any) -> DiagnosisResult:
        if self._closed:
            raise AgentError(f"agent {self.name} is closed; wrap a new one")
        result = self.agent.diagnose(context)
        if inspect.isawaitable(result):
            result = _run_coro(result)
        if isinstance(result, DiagnosisResult):
            return result
        if isinstance(result, dict):
            return DiagnosisResult.model_validate(result)
        raise AgentError(f"agent {self.name} returned {type(result).__name__}; return a DiagnosisResult")

    def plugin_spec(self, workers: int, scratch: Path) -> str:
        """The ``--netopsbench-agent`` value that gets this agent to ``workers`` pytest workers."""
        if self._closed:
            raise AgentError(f"agent {self.name} is closed; wrap a new one")
        if workers <= 1:
            return _inproc.publish_object(self.agent)
        if self.spec:
            return self.spec
        try:
            return _inproc.publish_pickle(self.agent, scratch)
        except TypeError as exc:
            raise AgentError(str(exc)) from None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        aclose = getattr(self.agent, "aclose", None)
        close = getattr(self.agent, "close", None)
        if callable(aclose):
            _run_coro(aclose())
        elif callable(close):
            result = close()
            if inspect.isawaitable(result):
                _run_coro(result)

    def __enter__(self) -> AgentHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AgentHandle({self.name!r}{', closed' if self._closed else ''})"


class AgentManager:
    """Wraps agents and closes every handle it made when the ``NetOpsBench`` block exits."""

    def __init__(self) -> None:
        self._handles: list[AgentHandle] = []

    def wrap(self, agent: Any, *, name: str | None = None) -> AgentHandle:
        """Wrap an agent object, an ``AgentHandle`` (returned as is) or a spec: a registered name
        (``"reference"``) or ``"module:attr"``, resolved as ``--netopsbench-agent`` is."""
        if isinstance(agent, AgentHandle):
            return agent
        spec = None
        if isinstance(agent, str):
            spec = agent
            agent = load_agent_spec(agent)
        handle = AgentHandle(agent, name=name, spec=spec)
        self._handles.append(handle)
        return handle

    def list(self) -> list[AgentHandle]:
        return [h for h in self._handles if not h.closed]

    def close(self) -> None:
        errors: list[str] = []
        for handle in self._handles:
            try:
                handle.close()
            except Exception as exc:  # close every handle even when one fails
                errors.append(f"{handle.name}: {exc}")
        if errors:
            raise AgentError("closing agents failed: " + "; ".join(errors))
