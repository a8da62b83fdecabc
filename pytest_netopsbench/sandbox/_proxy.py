"""``context.mcp.stdio_command`` inside the sandbox: an MCP stdio server whose tools are the
harness's, reached over the case's socket (so they are counted, traced and die at the deadline).

``python -m pytest_netopsbench.sandbox._proxy SOCKET TOKEN``: the socket path is the neutral
/run/agent/tools.sock and the token is the case's, which the agent already holds.
"""

from __future__ import annotations

import sys
from typing import Any, cast

from ..evidence import Window
from ..topology import Topology
from ._remote import RemoteToolkit, connect

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m pytest_netopsbench.sandbox._proxy SOCKET TOKEN", file=sys.stderr)
        return 2
    from ..toolkit import build_mcp_server

    conn, data = connect(args[0], args[1], "proxy")
    if not isinstance(data, dict):
        print("no case is being served", file=sys.stderr)
        return 1
    toolkit = RemoteToolkit(
        conn, data["tools"], Topology.model_validate(data["topology"]), Window.model_validate(data["window"])
    )
    server: Any = build_mcp_server(cast(Any, toolkit))
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
