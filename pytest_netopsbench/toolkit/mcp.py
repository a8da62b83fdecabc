"""Serve a deployed lab's toolkit over MCP: ``python -m pytest_netopsbench.toolkit.mcp --lab NAME``.

The evidence store defaults to ``<lab run dir>/evidence.db`` (where a collector for that lab writes);
the observation window comes from ``--window-file`` (JSON ``{"start_time", "end_time"}``), else the
ping-mesh tools fall back to ``NETOPSBENCH_PINGMESH_CONTEXT_FILE`` and the other documented sources.
Transport is stdio unless ``--http PORT`` is given (Streamable HTTP on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..errors import NetopsbenchError
from ..evidence import EvidenceStore, Window, default_store_path
from ..runtime import attach_lab
from ._mcp import build_mcp_server, serve_mcp_http
from ._toolkit import Toolkit

__all__ = ["main"]


def _window(path: str | None) -> Window | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text())
        return Window(start=float(data["start_time"]), end=float(data["end_time"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NetopsbenchError(
            f"--window-file {path}: expected JSON {{start_time, end_time}}: {exc}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_netopsbench.toolkit.mcp", description="Serve a lab's read-only tools over MCP."
    )
    parser.add_argument(
        "--lab", required=True, help="name of a deployed lab (see `netopsbench runtime list`)"
    )
    parser.add_argument("--store", help="evidence store path (default: <lab run dir>/evidence.db)")
    parser.add_argument("--window-file", help="JSON file with start_time/end_time of the observation window")
    parser.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP on 127.0.0.1:PORT")
    args = parser.parse_args(argv)
    try:
        lab = attach_lab(args.lab)
        store = EvidenceStore(args.store or default_store_path(lab.run_dir))
        toolkit = Toolkit(lab, store, _window(args.window_file))
    except NetopsbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.http is None:
            build_mcp_server(toolkit).run()
            return 0
        handle = serve_mcp_http(toolkit, port=args.http)
        print(handle.url, file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            handle.stop()
        return 0
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
