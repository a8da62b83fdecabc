"""Read-only tools a troubleshooting agent uses on a lab, as Python methods, OpenAI-style function
specs and an MCP server.

``Toolkit(lab, store, window)`` binds the tools to one lab, its evidence store and the observation
window; ``toolkit.call(name, args)`` is the agent-facing entry (errors come back as data);
``build_mcp_server(toolkit)`` / ``serve_mcp_http(toolkit)`` expose the same tools over MCP.
"""

from ._guard import LAB_SPACE, Guard
from ._mcp import McpHandle, build_mcp_server, serve_mcp_http
from ._models import ToolCallRecord, ToolCallSink, ToolLimits, ToolSpec, ToolStats, ToolTally
from ._toolkit import Toolkit

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
