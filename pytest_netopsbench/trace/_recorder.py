"""``TraceRecorder``: what an agent did in one case (tool calls, LLM calls, messages), in order.

The toolkit and the MCP server call :meth:`TraceRecorder.record_tool_call` for every tool call,
so tool counts never depend on the agent reporting them. LLM agents call
:meth:`TraceRecorder.record_llm_call` themselves (no provider SDK is monkeypatched). Counts are
kept even when tracing is off; only the recorded contents are dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._atif import (
    AtifAgent,
    FinalMetrics,
    Metrics,
    Observation,
    ObservationResult,
    Step,
    ToolCall,
    Trajectory,
)
from ._redact import sanitize

__all__ = ["TraceEvent", "TraceRecorder", "TraceTotals", "response_text", "usage_counts"]


class TraceEvent(BaseModel):
    kind: Literal["tool", "llm", "message"]
    at: float
    seconds: float = 0.0
    name: str = ""  # tool name or model name
    role: str = ""  # message role
    arguments: dict[str, Any] = Field(default_factory=dict)
    content: str = ""  # tool result, LLM response text or message text
    error: str | None = None
    prompt: Any = None  # LLM request messages (sanitized)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None


class TraceTotals(BaseModel):
    tool_calls: int = 0
    tool_errors: int = 0
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def _json_text(value: Any) -> str:
    import json

    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def response_text(response: Any) -> str:
    """The text of an LLM response in the common shapes (plain text, OpenAI ``choices``,
    LangChain messages with ``content``)."""
    if isinstance(response, str):
        return response
    if isinstance(response, Mapping):
        choices = response.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
            message = choices[0].get("message") or {}
            if isinstance(message, Mapping):
                parts = [str(message.get("content") or "")]
                if message.get("tool_calls"):
                    parts.append(_json_text(message["tool_calls"]))
                return "\n".join(p for p in parts if p)
        if "content" in response:
            return _json_text(response["content"])
        return _json_text(dict(response))
    content = getattr(response, "content", None)
    if content is not None:
        return _json_text(content)
    return repr(response)


def usage_counts(usage: Any) -> tuple[int, int, float | None]:
    if usage is None:
        return 0, 0, None
    if isinstance(usage, BaseModel):
        usage = usage.model_dump()
    if not isinstance(usage, Mapping):
        return 0, 0, None
    inp = usage.get("input_tokens", usage.get("prompt_tokens", 0)) or 0
    out = usage.get("output_tokens", usage.get("completion_tokens", 0)) or 0
    cost = usage.get("cost_usd")
    return int(inp), int(out), (float(cost) if cost is not None else None)


class TraceRecorder:
    """Thread-safe recorder for one case. ``enabled=False`` keeps counts but stores no content."""

    def __init__(self, *, enabled: bool = True, max_field_chars: int | None = None) -> None:
        self.enabled = enabled
        self._limit = max_field_chars
        self._lock = threading.Lock()
        self._events: list[TraceEvent] = []
        self._totals = TraceTotals()

    # -- recording ---------------------------------------------------------------------------
    def record_tool_call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        result: Any,
        error: str | None,
        seconds: float,
    ) -> None:
        event = TraceEvent(kind="tool", at=time.time(), seconds=float(seconds), name=str(name))
        if self.enabled:
            event.arguments = sanitize(dict(arguments or {}), limit=self._limit)
            event.content = sanitize(_json_text(sanitize(result, limit=self._limit)), limit=self._limit)
            event.error = sanitize(error, limit=self._limit) if error else None
        with self._lock:
            self._totals.tool_calls += 1
            self._totals.tool_errors += 1 if error else 0
            self._events.append(event)

    def record_llm_call(
        self,
        model: str,
        messages: Any,
        response: Any,
        usage: Any = None,
        seconds: float = 0.0,
    ) -> None:
        inp, out, cost = usage_counts(usage)
        event = TraceEvent(
            kind="llm",
            at=time.time(),
            seconds=float(seconds),
            name=str(model),
            input_tokens=inp,
            output_tokens=out,
            cost_usd=cost,
        )
        if self.enabled:
            event.prompt = sanitize(messages, limit=self._limit)
            event.content = sanitize(response_text(response), limit=self._limit)
        with self._lock:
            self._totals.llm_calls += 1
            self._totals.input_tokens += inp
            self._totals.output_tokens += out
            if cost is not None:
                self._totals.cost_usd = (self._totals.cost_usd or 0.0) + cost
            self._events.append(event)

    def record_message(self, role: str, content: Any) -> None:
        """A free-form note from the agent (a plan, a thought it wants kept)."""
        if not self.enabled:
            return
        event = TraceEvent(
            kind="message",
            at=time.time(),
            role=str(role),
            content=sanitize(_json_text(content), limit=self._limit),
        )
        with self._lock:
            self._events.append(event)

    # -- reading -----------------------------------------------------------------------------
    @property
    def totals(self) -> TraceTotals:
        with self._lock:
            return self._totals.model_copy()

    @property
    def events(self) -> list[TraceEvent]:
        with self._lock:
            return list(self._events)

    def to_atif(
        self,
        *,
        agent_name: str,
        agent_version: str = "unknown",
        session_id: str | None = None,
        trajectory_id: str | None = None,
        context: Any = None,
        final: Any = None,
        extra: Mapping[str, Any] | None = None,
        started: float | None = None,
    ) -> Trajectory:
        """The case as an ATIF v1.7 trajectory: step 1 is the context the agent was given (a
        ``user`` step), then one ``agent`` step per LLM call or tool call, and a final step with
        the diagnosis. Ground truth is never part of it."""
        steps: list[Step] = []
        models = sorted({e.name for e in self.events if e.kind == "llm"})

        def add(**kw: Any) -> None:
            steps.append(Step(step_id=len(steps) + 1, **kw))

        if context is not None:
            add(
                timestamp=_iso(started or time.time()),
                source="user",
                message=_json_text(sanitize(context, limit=self._limit)),
                extra={"is_copied_context": True},
            )
        for index, ev in enumerate(self.events, start=1):
            ts = _iso(ev.at)
            if ev.kind == "tool":
                call_id = f"call-{index}"
                add(
                    timestamp=ts,
                    source="agent",
                    message="",
                    llm_call_count=0,
                    tool_calls=[
                        ToolCall(tool_call_id=call_id, function_name=ev.name, arguments=ev.arguments)
                    ],
                    observation=Observation(
                        results=[
                            ObservationResult(
                                source_call_id=call_id,
                                content=ev.error or ev.content,
                                extra={
                                    "status": "error" if ev.error else "success",
                                    "seconds": round(ev.seconds, 4),
                                },
                            )
                        ]
                    ),
                )
            elif ev.kind == "llm":
                add(
                    timestamp=ts,
                    source="agent",
                    message=ev.content,
                    model_name=ev.name or None,
                    llm_call_count=1,
                    metrics=Metrics(
                        prompt_tokens=ev.input_tokens,
                        completion_tokens=ev.output_tokens,
                        cost_usd=ev.cost_usd,
                        extra={"seconds": round(ev.seconds, 4)},
                    ),
                    extra={"request_messages": ev.prompt} if ev.prompt is not None else None,
                )
            else:
                source: Literal["system", "user", "agent"] = (
                    ev.role if ev.role in ("system", "user") else "agent"  # type: ignore[assignment]
                )
                add(
                    timestamp=ts,
                    source=source,
                    message=ev.content,
                    llm_call_count=0 if source == "agent" else None,
                    extra={"role": ev.role},
                )
        if final is not None:
            add(
                timestamp=_iso(time.time()),
                source="agent",
                llm_call_count=0,
                message="Final diagnosis: " + _json_text(sanitize(final, limit=self._limit)),
            )
        totals = self.totals
        return Trajectory(
            session_id=session_id,
            trajectory_id=trajectory_id,
            agent=AtifAgent(
                name=agent_name,
                version=agent_version,
                model_name=models[0] if len(models) == 1 else None,
                extra={"models": models} if len(models) > 1 else None,
            ),
            steps=steps,
            final_metrics=FinalMetrics(
                total_prompt_tokens=totals.input_tokens,
                total_completion_tokens=totals.output_tokens,
                total_cost_usd=totals.cost_usd,
                total_steps=len(steps),
                extra={
                    "tool_calls": totals.tool_calls,
                    "tool_errors": totals.tool_errors,
                    "llm_calls": totals.llm_calls,
                },
            ),
            extra=sanitize(dict(extra), limit=self._limit) if extra else None,
        )
