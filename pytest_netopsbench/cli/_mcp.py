"""``netopsbench mcp serve --lab NAME``: the read-only toolkit of a running lab over MCP, for
interactive agent development (the lab comes from ``netopsbench runtime up``)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..errors import NetopsbenchError

__all__ = ["register"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


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


def _log(message: str) -> None:
    # stdout is the MCP channel in stdio mode: everything human goes to stderr
    print(f"netopsbench mcp: {message}", file=sys.stderr, flush=True)


def _serve(args: argparse.Namespace) -> int:
    from ..evidence import Collector, EvidenceStore
    from ..runtime import attach_lab
    from ..toolkit import Toolkit, build_mcp_server, serve_mcp_http

    if args.http and args.host not in _LOOPBACK:
        raise NetopsbenchError(
            f"--host {args.host} is not a loopback address; the tools reach a lab, "
            "so serve on 127.0.0.1 and tunnel if you need remote access"
        )
    if not 0 <= args.port <= 65535:
        raise NetopsbenchError(f"--port {args.port} is not a TCP port (0-65535)")
    lab = attach_lab(args.lab)
    health = lab.health()
    if not health.healthy:
        _log(f"warning: lab {lab.name} is not healthy ({'; '.join(health.problems[:3])}); serving anyway")
    tmp = None
    if args.store is None:
        tmp = tempfile.TemporaryDirectory(prefix=f"netopsbench-mcp-{lab.name}-")
        store_path = Path(tmp.name) / "evidence.sqlite"
    else:
        store_path = args.store
    store = EvidenceStore(store_path)
    collector = Collector(lab, store, traffic=args.traffic)
    try:
        collector.start()
        toolkit = Toolkit(lab, store)
        if args.http:
            try:
                handle = serve_mcp_http(toolkit, host=args.host, port=args.port)
            except OSError as exc:
                raise NetopsbenchError(
                    f"cannot listen on {args.host}:{args.port} ({exc}); pick another --port"
                ) from None
            _log(f"serving lab {lab.name} at {handle.url} (Ctrl-C to stop)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                _log("stopping")
            finally:
                handle.stop()
        else:
            _log(f"serving lab {lab.name} over stdio")
            build_mcp_server(toolkit).run()
    finally:
        collector.stop()
        store.close()
        if tmp is not None:
            tmp.cleanup()
    return 0
