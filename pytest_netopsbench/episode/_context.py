"""``DiagnosticContext``: everything an agent gets for one case, and nothing that gives it away.

The case id is random (derived from nothing an agent can see), healthy and fault cases get
the same fields, windows of the same length and the same tools, so nothing but the network's
behaviour tells them apart.
"""

from __future__ import annotations

import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..evidence import SymptomReport, Window
from ..toolkit import Toolkit
from ..topology import Topology
from ..trace import TraceRecorder

__all__ = ["DiagnosticContext", "McpAccess", "new_case_id"]


def new_case_id() -> str:
    """``case-<12 hex>``, random per case. A hash of the run id, node id and trial was reversible
    from what an agent can see (scenario files, the run id), so nothing is derived: logs, traces
    and reports line up through the record, which holds the id and the node id."""
    return f"case-{secrets.token_hex(6)}"


class McpAccess(BaseModel):
    """How to reach an MCP server bound to this case's lab, evidence and observation window.

    ``url`` is a Streamable HTTP endpoint on 127.0.0.1 that lives for the agent phase;
    ``stdio_command`` starts an equivalent stdio server (for agents that spawn their tools)."""

    model_config = ConfigDict(frozen=True)
    transport: Literal["streamable-http"] = "streamable-http"
    url: str | None = None
    stdio_command: list[str] = Field(default_factory=list)


class DiagnosticContext(BaseModel):
    """The input of ``agent.diagnose(context)``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    case_id: str
    topology: Topology
    symptoms: SymptomReport = Field(
        description="ping-mesh anomalies of the observation window vs the baseline"
    )
    window: Window = Field(description="the observation window the symptoms and tools refer to")
    tools: Toolkit = Field(description="read-only diagnostic tools bound to this case")
    mcp: McpAccess = Field(default_factory=McpAccess)
    budget_s: float = Field(description="seconds the agent has before it is abandoned")
    trace: TraceRecorder = Field(description="record LLM calls here (tool calls are recorded for you)")
