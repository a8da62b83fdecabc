"""The one MCP entry point (``toolkit.mcp``) without a lab: window parsing, the tool-call file the
episode replays, and the errors the CLI and ``python -m`` give before touching a lab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_netopsbench.errors import NetopsbenchError
from pytest_netopsbench.toolkit.mcp import CallFile, parse_window, read_window_file, serve


def test_windows() -> None:
    w = parse_window("100.5:160")
    assert (w.start, w.end) == (100.5, 160.0)
    for bad in ("100", "a:b"):
        with pytest.raises(NetopsbenchError, match="expected START:END"):
            parse_window(bad)


def test_window_file(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"start_time": 1, "end_time": 2}))
    assert read_window_file(path).end == 2.0
    path.write_text("{}")
    with pytest.raises(NetopsbenchError, match="expected JSON"):
        read_window_file(path)


def test_call_file_round_trip(tmp_path: Path) -> None:
    calls = CallFile(tmp_path / "calls.jsonl")
    calls.record_tool_call("get_topology", {"x": 1}, {"ok": True}, None, 0.25)
    calls.record_tool_call("get_device_interfaces", {"device": "nope"}, None, "unknown device", 0.01)
    seen: list[tuple[Any, ...]] = []

    class Sink:
        def record_tool_call(self, *row: Any) -> None:
            seen.append(row)

    assert CallFile.replay(calls.path, Sink()) == 2
    assert seen[0] == ("get_topology", {"x": 1}, {"ok": True}, None, 0.25)
    assert seen[1][3] == "unknown device"
    assert CallFile.replay(tmp_path / "missing.jsonl", Sink()) == 0


def test_http_only_on_loopback() -> None:
    with pytest.raises(NetopsbenchError, match="not a loopback address"):
        serve("any-lab", http=("0.0.0.0", 8765))
    with pytest.raises(NetopsbenchError, match="not a TCP port"):
        serve("any-lab", http=("127.0.0.1", 70000))


def test_module_entry_point_reports_a_missing_lab_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_netopsbench.toolkit.mcp", "--lab", "no-such-lab-7"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "no-such-lab-7" in lines[0], done.stderr
