"""The toolkit as an MCP server (official ``mcp`` SDK v2 ``MCPServer``): stdio or Streamable HTTP.

Every MCP tool goes through ``Toolkit.call``, so MCP calls are validated, counted and traced exactly
like in-process calls; a refused or failed call comes back as an MCP tool error with the message.
"""

from __future__ import annotations

import inspect
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_type_hints

import uvicorn
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from ..errors import NetopsbenchError
from ._toolkit import Toolkit

__all__ = ["McpHandle", "build_mcp_server", "serve_mcp_http"]

_INSTRUCTIONS = (
    "Read-only tools for a leaf-spine data-center network. Start with get_pingmesh_summary, "
    "get_pingmesh_hotspots and get_topology, then inspect devices. Nothing here changes the network."
)


def _handler(toolkit: Toolkit, name: str) -> Callable[..., str]:
    target = inspect.unwrap(getattr(Toolkit, name))
    hints = get_type_hints(target)
    params = [
        p.replace(annotation=hints[p.name])
        for p in inspect.signature(target).parameters.values()
        if p.name != "self"
    ]

    def handler(**kwargs: Any) -> str:
        result = toolkit.call(name, kwargs)
        if isinstance(result, dict) and set(result) == {"error"}:
            raise ToolError(str(result["error"].get("message", result["error"])))
        return json.dumps(result, default=str)

    handler.__name__ = name
    handler.__doc__ = target.__doc__
    handler.__signature__ = inspect.Signature(params, return_annotation=str)  # type: ignore[attr-defined]
    handler.__annotations__ = {p.name: p.annotation for p in params} | {"return": str}
    return handler


def build_mcp_server(toolkit: Toolkit, *, name: str = "network-tools") -> MCPServer:
    """An ``MCPServer`` exposing every toolkit tool with the same names, schemas and descriptions."""
    server: MCPServer = MCPServer(name=name, instructions=_INSTRUCTIONS)
    for spec in toolkit.tool_specs():
        server.add_tool(
            _handler(toolkit, spec.name),
            name=spec.name,
            description=spec.description,
            structured_output=False,
        )
    return server


@dataclass
class McpHandle:
    """A Streamable HTTP MCP server running in a background thread; ``stop()`` shuts it down."""

    url: str
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> McpHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_mcp_http(
    toolkit: Toolkit,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    secret: str | None = None,
    ready_timeout: float = 10.0,
) -> McpHandle:
    """Serve the toolkit over Streamable HTTP at ``http://host:port/mcp``; port 0 picks a free port.

    With ``secret`` the endpoint is ``/<secret>/mcp`` and every other path answers 404: loopback is
    shared by every process on the host (a sandboxed agent included), so a case's server must not
    answer a neighbour who only scanned the ports; the URL is the capability."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise NetopsbenchError(
            f"refusing to serve MCP on {host!r}: bind to 127.0.0.1 (the tools reach a lab)"
        )
    if secret is not None and (len(secret) < 16 or not secret.replace("-", "").replace("_", "").isalnum()):
        raise NetopsbenchError("an MCP secret must be at least 16 URL-safe characters")
    path = f"/{secret}/mcp" if secret else "/mcp"
    app = build_mcp_server(toolkit).streamable_http_app(host=host, streamable_http_path=path)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    actual = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mcp-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise NetopsbenchError(
                f"MCP HTTP server on {host}:{actual} did not start within {ready_timeout} s"
            )
        time.sleep(0.02)
    return McpHandle(url=f"http://{host}:{actual}{path}", _server=server, _thread=thread)
