"""Read-only tools a troubleshooting agent uses on a lab, as Python methods, OpenAI-style function
specs and an MCP server.

``Toolkit(lab, store, window)`` binds the tools to one lab, its evidence store and the observation
window; ``toolkit.call(name, args)`` is the agent-facing entry (errors come back as data);
``build_mcp_server(toolkit)`` / ``serve_mcp_http(toolkit)`` expose the same tools over MCP.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._guard import LAB_SPACE, Guard
from ._models import ToolCallRecord, ToolCallSink, ToolLimits, ToolSpec, ToolStats, ToolTally
from ._toolkit import Toolkit

if TYPE_CHECKING:
    from ._mcp import McpHandle, build_mcp_server, serve_mcp_http

__all__ = [
    "LAB_SPACE",
    "Guard",
    "McpHandle",
    "ToolCallRecord",
    "ToolCallSink",
    "ToolLimits",
    "ToolSpec",
    "ToolStats",
    "ToolTally",
    "Toolkit",
    "build_mcp_server",
    "serve_mcp_http",
]

# The MCP SDK costs ~0.5 s to import; a sandboxed agent that only needs ToolSpec should not pay it.
_LAZY = {"McpHandle", "build_mcp_server", "serve_mcp_http"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("._mcp", __name__), name)
