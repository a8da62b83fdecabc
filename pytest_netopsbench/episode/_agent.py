"""Calling an agent under a hard time limit and turning whatever it returns into a
``DiagnosisResult`` (or a precise reason why not)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from ..diagnosis import DiagnosisResult

if TYPE_CHECKING:
    from ._context import DiagnosticContext

__all__ = ["Agent", "AgentCall", "AgentRunner", "agent_name", "call_agent", "coerce_result", "result_call"]


@runtime_checkable
class Agent(Protocol):
    """What NetOpsBench benchmarks: anything with ``diagnose(context)`` returning a
    ``DiagnosisResult`` (or an awaitable of one; a mapping with the same fields is accepted too).

    In sandbox mode (the default) ``context`` is the sandbox's ``DiagnosticContext`` twin with the
    same fields and tool methods (docs/isolation.md); annotate with ``DiagnosticContext`` either way."""

    def diagnose(self, context: DiagnosticContext) -> DiagnosisResult | Awaitable[DiagnosisResult]: ...


class AgentCall(BaseModel):
    kind: Literal["ok", "error", "timeout", "invalid"]
    diagnosis: DiagnosisResult | None = None
    message: str = ""
    detail: str = ""  # traceback or validation errors, for the failure report
    seconds: float = 0.0


class AgentRunner(ABC):
    """Runs an agent somewhere other than this process (the sandbox). The episode hands it the
    context and the budget instead of calling ``diagnose`` itself; a nominal base class, so an
    in-process agent cannot pass for one by growing a ``run`` method."""

    name: str

    @abstractmethod
    def run(self, context: Any, timeout_s: float, output_path: Path | None) -> AgentCall:
        """One case; ``output_path`` receives the agent's stdout and stderr."""


def agent_name(agent: object) -> str:
    name = getattr(agent, "name", None)
    if isinstance(name, str) and name:
        return name
    cls = type(agent)
    return f"{cls.__module__}.{cls.__qualname__}"


def coerce_result(value: Any) -> DiagnosisResult:
    """Accept a ``DiagnosisResult``, a mapping, another pydantic model or a dataclass with the same
    fields (NetOpsBench's ``findings`` shape included). Raises ``TypeError``/``ValidationError``."""
    if isinstance(value, DiagnosisResult):
        # validated again: fields assigned after construction skip the caps
        return DiagnosisResult.model_validate(value.model_dump())
    if isinstance(value, BaseModel):
        value = value.model_dump()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if not isinstance(value, Mapping):
        raise TypeError(
            f"diagnose() returned {type(value).__name__} ({str(value)[:80]!r}); expected a DiagnosisResult "
            "or a mapping with verdict, device, interface, fault_type"
        )
    return DiagnosisResult.model_validate(dict(value))


class _Runner:
    def __init__(self, agent: Any, context: Any) -> None:
        self.agent, self.context = agent, context
        self.result: Any = None
        self.error: BaseException | None = None
        self.tb = ""
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None

    def __call__(self) -> None:
        try:
            value = self.agent.diagnose(self.context)
            if inspect.isawaitable(value):
                value = self._await(value)
            self.result = value
        except BaseException as exc:  # everything the agent raises is the agent's failure
            self.error = exc
            self.tb = traceback.format_exc()

    def _await(self, awaitable: Any) -> Any:
        loop = asyncio.new_event_loop()
        self.loop = loop

        async def wrap() -> Any:
            return await awaitable

        try:
            self.task = loop.create_task(wrap())
            return loop.run_until_complete(self.task)
        finally:
            loop.close()

    def cancel(self) -> None:
        """Best effort: an async agent is cancelled; a sync one cannot be stopped and is abandoned
        (its daemon thread dies with the process)."""
        loop, task = self.loop, self.task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
                loop.call_soon_threadsafe(task.cancel)


def call_agent(agent: Any, context: Any, timeout_s: float) -> AgentCall:
    """Run ``agent.diagnose(context)`` in a worker thread and wait at most ``timeout_s``."""
    runner = _Runner(agent, context)
    thread = threading.Thread(target=runner, name="netopsbench-agent", daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(timeout_s)
    seconds = time.monotonic() - start
    if thread.is_alive():
        runner.cancel()
        thread.join(0.5)
        return AgentCall(
            kind="timeout",
            seconds=seconds,
            message=f"the agent did not answer within the {timeout_s:g} s budget "
            "(--netopsbench-agent-timeout); it was abandoned",
        )
    if runner.error is not None:
        exc = runner.error
        return AgentCall(
            kind="error",
            seconds=seconds,
            detail=runner.tb,
            message=f"diagnose() raised {type(exc).__name__}: {exc}",
        )
    return result_call(runner.result, seconds)


def result_call(value: Any, seconds: float) -> AgentCall:
    """What ``diagnose`` returned -> ``ok`` or ``invalid``: the one coercion, for both isolation modes."""
    try:
        diagnosis = coerce_result(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(result)'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        return AgentCall(
            kind="invalid",
            seconds=seconds,
            detail=str(exc),
            message=f"diagnose() returned a result that does not validate: {problems}",
        )
    except TypeError as exc:
        return AgentCall(kind="invalid", seconds=seconds, message=str(exc))
    return AgentCall(kind="ok", diagnosis=diagnosis, seconds=seconds)
