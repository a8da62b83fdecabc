"""``netopsbench mcp serve --lab NAME``: the read-only toolkit of a running lab over MCP, for
interactive agent development (the lab comes from ``netopsbench runtime up``). The serving itself
is ``toolkit.mcp.serve``, shared with each case's stdio MCP command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "mcp",
        help="serve a lab's diagnostic tools over MCP",
        description="Model Context Protocol access to a running lab's read-only tools.",
    )
    msub = p.add_subparsers(dest="mcp_command", metavar="SUBCOMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    s = msub.add_parser(
        "serve",
        help="serve the toolkit of a lab (stdio by default, --http for Streamable HTTP)",
        description="Serve the read-only toolkit of a running lab over MCP. Evidence (ping mesh, "
        "counters, logs) is collected while serving; ping-mesh tools look at the last 60 s. "
        "stdio by default (for clients that spawn the server); --http serves "
        "http://HOST:PORT/mcp on loopback only. Ctrl-C stops; the lab stays up.",
    )
    s.add_argument(
        "--lab", required=True, metavar="NAME", help="a running lab (see `netopsbench runtime list`)"
    )
    s.add_argument("--http", action="store_true", help="Streamable HTTP instead of stdio")
    s.add_argument("--host", default="127.0.0.1", help="HTTP bind address; loopback only (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765; 0 picks a free one)")
    s.add_argument(
        "--traffic",
        default="light",
        choices=("light", "standard", "stress"),
        help="background traffic while serving (default light)",
    )
    s.add_argument(
        "--store",
        type=Path,
        metavar="PATH",
        help="evidence SQLite file (default: a temporary file removed on exit)",
    )
    s.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from ..toolkit.mcp import serve

    http = (args.host, args.port) if args.http else None
    return serve(args.lab, store=args.store, http=http, traffic=args.traffic)
