"""Small adversarial agents for the sandbox tests (importable by module:attr inside the sandbox).

Each reports what it could reach in its ``reasoning`` (as JSON) or misbehaves in one way; the tests
read the recorded outcome and the reasoning. None of them is an agent anyone should write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult

#: argv marker of the detached process the hanging agent leaves behind (found with pgrep)
SLEEP_MARKER = "1000.4242"


def _readable(path: str) -> bool | list[str]:
    """False when it cannot be opened; a directory's entries; True for a readable file."""
    try:
        if os.path.isdir(path):
            return sorted(os.listdir(path))
        with open(path, "rb") as fh:
            fh.read(1)
        return True
    except OSError:
        return False


class Snoop:
    """Looks around and reports; answers "healthy"."""

    name = "snoop"

    def __init__(self, paths: list[str] | None = None) -> None:
        self.paths = list(paths or [])

    def diagnose(self, context: Any) -> DiagnosisResult:
        topo = context.tools.call("get_topology", {})
        seen = {
            "env": dict(os.environ),
            "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "uid": os.getuid(),
            "readable": {p: _readable(p) for p in self.paths},
            "run_netopsbench": _readable("/run/netopsbench"),
            "cmdlines": [
                Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
                for p in os.listdir("/proc")
                if p.isdigit()
            ],
            "context_attrs": sorted(a for a in vars(context) if not a.startswith("_")),
            "tools_attrs": sorted(a for a in vars(context.tools) if not a.startswith("_")),
            "topology_tool_ok": "devices" in topo if isinstance(topo, dict) else False,
            "case_id": context.case_id,
            "oom_score_adj": Path("/proc/self/oom_score_adj").read_text().strip(),
        }
        print("snoop ran")  # goes to the case's agent-output file
        context.trace.record_message("assistant", "looked around")
        return DiagnosisResult(verdict="network_healthy", reasoning=json.dumps(seen, default=str))


class Healthy:
    name = "always-healthy"

    def diagnose(self, context: Any) -> DiagnosisResult:
        context.tools.get_pingmesh_summary()
        return DiagnosisResult(verdict="network_healthy")


class ExitsQuietly:
    def diagnose(self, context: Any) -> DiagnosisResult:
        os._exit(0)


class Hangs:
    """Leaves a detached grandchild and a busy thread, then never returns."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        import threading

        subprocess.Popen(["sleep", SLEEP_MARKER], start_new_session=True)
        threading.Thread(target=lambda: time.sleep(1000), daemon=False).start()
        while True:
            pass


class Garbage:
    def diagnose(self, context: Any) -> Any:
        return object()


class Raises:
    def diagnose(self, context: Any) -> Any:
        raise RuntimeError("model quota exhausted")


class Chatty:
    """Writes far more than the 1 MB the harness keeps, then answers."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        chunk = "x" * 9999 + "\n"
        for _ in range(300):
            sys.stdout.write(chunk)
        return DiagnosisResult(verdict="network_healthy")


class Async:
    name = "async-one"

    async def diagnose(self, context: Any) -> dict[str, Any]:
        specs = context.tools.tool_specs()
        return {"verdict": "network_healthy", "reasoning": ",".join(s.name for s in specs)}


class McpStdio:
    """Uses the stdio MCP command it was given (a proxy inside the sandbox)."""

    async def diagnose(self, context: Any) -> DiagnosisResult:
        from mcp import Client, StdioServerParameters

        command, *args = context.mcp.stdio_command
        async with Client(StdioServerParameters(command=command, args=args)) as client:
            listed = await client.list_tools()
            result = await client.call_tool("get_topology", {})
        text = "".join(getattr(p, "text", "") for p in result.content)
        report = {"tools": len(listed.tools), "topology": "devices" in text, "cmd": context.mcp.stdio_command}
        return DiagnosisResult(verdict="network_healthy", reasoning=json.dumps(report))


class NotAnAgent:
    pass


class Garbles:
    """Writes junk on its own tool socket, then leaves without answering."""

    def diagnose(self, context: Any) -> Any:
        context.tools._conn.channel.sock.sendall(b"\x00not json at all\n")
        os._exit(0)
