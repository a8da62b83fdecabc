"""A stdio MCP server bound to one case: the command in ``DiagnosticContext.mcp.stdio_command``.

``python -m pytest_netopsbench.episode.mcp_stdio --lab NAME --store PATH --window START:END
[--calls FILE]`` attaches to the running lab, opens its evidence store read-side and serves the
same tools as the case's Streamable HTTP server. Tool calls are appended to ``--calls`` (JSON
lines) so the episode can fold them into the case's trace and counts after the agent returns.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..trace import sanitize

__all__ = ["CallFile", "main"]


class CallFile:
    """A ``ToolCallSink`` that appends each call to a JSON-lines file (one process, many threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record_tool_call(
        self, name: str, arguments: dict[str, Any], result: object, error: str | None, seconds: float
    ) -> None:
        row = {
            "name": name,
            "arguments": sanitize(arguments),
            "result": sanitize(result),
            "error": error,
            "seconds": seconds,
        }
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, default=str) + "\n")

    @staticmethod
    def replay(path: Path, sink: Any) -> int:
        """Feed the recorded calls to ``sink.record_tool_call``; returns how many there were."""
        if not path.exists():
            return 0
        count = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                sink.record_tool_call(
                    row["name"], row["arguments"], row["result"], row["error"], row["seconds"]
                )
                count += 1
        return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_netopsbench.episode.mcp_stdio",
        description="Serve one case's diagnostic tools over MCP stdio.",
    )
    parser.add_argument("--lab", required=True, help="name of the running lab")
    parser.add_argument("--store", required=True, type=Path, help="the lab's evidence.sqlite")
    parser.add_argument("--window", required=True, help="observation window START:END (epoch seconds)")
    parser.add_argument("--calls", type=Path, help="append tool calls to this JSON-lines file")
    args = parser.parse_args(argv)
    from ..evidence import EvidenceStore, Window
    from ..runtime import attach_lab
    from ..toolkit import Toolkit, build_mcp_server

    start, sep, end = str(args.window).partition(":")
    if not sep:
        parser.error(f"--window must be START:END, got {args.window!r}")
    lab = attach_lab(args.lab)
    store = EvidenceStore(args.store)
    toolkit = Toolkit(
        lab,
        store,
        Window(start=float(start), end=float(end)),
        recorder=CallFile(args.calls) if args.calls else None,
    )
    build_mcp_server(toolkit).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
