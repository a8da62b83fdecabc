"""The one MCP entry point: serve a deployed lab's read-only toolkit over stdio or Streamable HTTP.

Three callers, one implementation (:func:`serve`):

- ``netopsbench mcp serve --lab NAME`` (interactive agent development; collects evidence and runs
  background traffic while serving, into a temporary store);
- a case's ``DiagnosticContext.mcp.stdio_command``: ``python -m pytest_netopsbench.toolkit.mcp
  --lab NAME --store PATH --window START:END --calls FILE``, bound to the case's evidence and
  observation window; tool calls go to ``--calls`` (JSON lines) so the episode can fold them into
  the case's trace after the agent returns;
- ``python -m pytest_netopsbench.toolkit.mcp --lab NAME [--http PORT]`` by hand: the store defaults
  to ``<lab run dir>/evidence.db`` (where a collector for that lab writes) and the window to
  ``--window-file`` (JSON ``{"start_time", "end_time"}``) or the ping-mesh tools' own fallbacks.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import NetopsbenchError
from ..evidence import Window

__all__ = ["LOOPBACK", "CallFile", "main", "parse_window", "read_window_file", "serve"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class CallFile:
    """A ``ToolCallSink`` that appends each call to a JSON-lines file (one process, many threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record_tool_call(
        self, name: str, arguments: dict[str, Any], result: object, error: str | None, seconds: float
    ) -> None:
        from ..trace import sanitize

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


def parse_window(text: str) -> Window:
    """``START:END`` in epoch seconds."""
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError("no ':'")
        return Window(start=float(start), end=float(end))
    except ValueError:
        raise NetopsbenchError(f"--window {text}: expected START:END in epoch seconds") from None


def read_window_file(path: str | Path) -> Window:
    try:
        data = json.loads(Path(path).read_text())
        return Window(start=float(data["start_time"]), end=float(data["end_time"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NetopsbenchError(
            f"--window-file {path}: expected JSON {{start_time, end_time}}: {exc}"
        ) from None


def _stderr(message: str) -> None:
    # stdout is the MCP channel in stdio mode: everything human goes to stderr
    print(f"netopsbench mcp: {message}", file=sys.stderr, flush=True)


def serve(
    lab_name: str,
    *,
    store: Path | None = None,
    window: Window | None = None,
    calls: Path | None = None,
    http: tuple[str, int] | None = None,
    traffic: str | None = None,
    log: Callable[[str], None] = _stderr,
) -> int:
    """Serve until the client leaves (stdio) or Ctrl-C (``http=(host, port)``, loopback only).

    ``store``: the evidence store to read (default ``<lab run dir>/evidence.db``). ``traffic``: also
    collect evidence while serving, with this background-traffic profile, into ``store`` or a
    temporary file removed on exit. The lab stays up either way."""
    from ..evidence import Collector, EvidenceStore, default_store_path
    from ..runtime import attach_lab
    from ._mcp import build_mcp_server, serve_mcp_http
    from ._toolkit import Toolkit

    if http is not None:
        host, port = http
        if host not in LOOPBACK:
            raise NetopsbenchError(
                f"--host {host} is not a loopback address; the tools reach a lab, "
                "so serve on 127.0.0.1 and tunnel if you need remote access"
            )
        if not 0 <= port <= 65535:
            raise NetopsbenchError(f"--port {port} is not a TCP port (0-65535)")
    lab = attach_lab(lab_name)
    tmp = None
    if traffic is not None:
        health = lab.health()
        if not health.healthy:
            log(f"warning: lab {lab.name} is not healthy ({'; '.join(health.problems[:3])}); serving anyway")
        if store is None:
            import tempfile

            tmp = tempfile.TemporaryDirectory(prefix=f"netopsbench-mcp-{lab.name}-")
            store = Path(tmp.name) / "evidence.sqlite"
    evidence = EvidenceStore(store or default_store_path(lab.run_dir))
    collector = Collector(lab, evidence, traffic=traffic) if traffic is not None else None
    try:
        if collector is not None:
            collector.start()
        toolkit = Toolkit(lab, evidence, window, recorder=CallFile(calls) if calls else None)
        if http is None:
            if traffic is not None:
                log(f"serving lab {lab.name} over stdio")
            build_mcp_server(toolkit).run()
            return 0
        try:
            handle = serve_mcp_http(toolkit, host=http[0], port=http[1])
        except OSError as exc:
            raise NetopsbenchError(
                f"cannot listen on {http[0]}:{http[1]} ({exc}); pick another --port"
            ) from None
        log(f"serving lab {lab.name} at {handle.url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            log("stopping")
        finally:
            handle.stop()
        return 0
    finally:
        if collector is not None:
            collector.stop()
        evidence.close()
        if tmp is not None:
            tmp.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_netopsbench.toolkit.mcp",
        description="Serve a deployed lab's read-only tools over MCP (stdio unless --http).",
    )
    parser.add_argument(
        "--lab", required=True, help="name of a deployed lab (see `netopsbench runtime list`)"
    )
    parser.add_argument("--store", type=Path, help="evidence store path (default: <lab run dir>/evidence.db)")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--window", help="observation window START:END (epoch seconds)")
    when.add_argument("--window-file", help="JSON file with start_time/end_time of the observation window")
    parser.add_argument("--calls", type=Path, help="append tool calls to this JSON-lines file")
    parser.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP on 127.0.0.1:PORT")
    args = parser.parse_args(argv)
    try:
        window = (
            parse_window(args.window)
            if args.window
            else read_window_file(args.window_file)
            if args.window_file
            else None
        )
        http = None if args.http is None else ("127.0.0.1", args.http)
        return serve(args.lab, store=args.store, window=window, calls=args.calls, http=http)
    except NetopsbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
