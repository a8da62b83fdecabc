"""Typed values of the toolkit: tool specs for function calling and MCP, per-call records, limits,
and the ``ToolCallSink`` protocol a trace recorder implements."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ToolCallRecord", "ToolCallSink", "ToolLimits", "ToolSpec", "ToolStats", "ToolTally"]


@runtime_checkable
class ToolCallSink(Protocol):
    """Anything that wants every tool call (a per-case trace recorder)."""

    def record_tool_call(
        self, name: str, arguments: dict[str, Any], result: object, error: str | None, seconds: float
    ) -> None: ...


class ToolSpec(BaseModel):
    """One tool as an LLM or MCP client sees it; ``parameters`` is a JSON schema object."""

    name: str
    description: str
    parameters: dict[str, Any]

    def openai(self) -> dict[str, Any]:
        """The OpenAI ``tools=[...]`` entry for this tool."""
        fn = {"name": self.name, "description": self.description, "parameters": self.parameters}
        return {"type": "function", "function": fn}


class ToolLimits(BaseModel):
    """Size and count caps, so no answer floods an agent's context."""

    model_config = ConfigDict(frozen=True)
    max_items: int = Field(default=200, ge=1, description="list entries per answer")
    max_lines: int = Field(default=400, ge=1, description="text lines per answer")
    max_chars: int = Field(default=60_000, ge=1000, description="JSON characters per answer")
    max_ping_count: int = Field(default=20, ge=1)
    max_log_lines: int = Field(default=500, ge=1)
    max_hotspots: int = Field(default=50, ge=1)
    command_timeout_s: float = Field(default=10.0, gt=0)


class ToolCallRecord(BaseModel):
    name: str
    arguments: dict[str, Any]
    seconds: float
    error: str | None = None
    started: float


class ToolTally(BaseModel):
    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


class ToolStats(BaseModel):
    """Per-case tool usage, for the report."""

    calls: list[ToolCallRecord] = Field(default_factory=list)
    total_calls: int = 0
    total_errors: int = 0
    total_seconds: float = 0.0
    by_tool: dict[str, ToolTally] = Field(default_factory=dict)
