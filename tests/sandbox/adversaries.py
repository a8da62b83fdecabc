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


#: argv marker of the detached process the lingering agent leaves behind (found with pgrep)
LINGER_MARKER = "1000.5151"
#: secrets an agent writes into its answer; none may reach an artifact
SECRETS = (
    "sk-proj-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "AKIAIOSFODNN7EXAMPLE",
    "Authorization: Basic dXNlcjpwYXNzd29yZA==",
    "OPENAI_API_KEY=plainvalue123456789",
    "hf_abcdefghijklmnopqrstuvwxyzABCDEF12",
    "https://admin:hunter2@example.invalid/x",
)


class Cheater:
    """Goes after the answer instead of the network: objects in memory, the raw lab behind the
    tools, the case id, thread and process names. Reports what it found; answers "healthy"."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        import gc
        import types

        wanted = {"Episode", "GroundTruth", "Scenario", "CaseRecord", "Fault"}
        hits = []
        for o in gc.get_objects():
            try:
                if type(o).__name__ in wanted or (
                    hasattr(o, "truth") and not isinstance(o, (type, types.ModuleType))
                ):
                    hits.append(type(o).__name__)
            except Exception:  # lazy modules and proxies raise on attribute probes
                continue
        try:
            lab = context.tools.lab
            lab.exec("spine1", ["nft", "-f", "-"], input="add table inet x\n")
            raw = f"raw lab reached: {type(lab).__name__}"
        except Exception as exc:
            raw = f"no lab: {type(exc).__name__}"
        names = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            for task in Path(f"/proc/{pid}/task").glob("*/comm"):
                names.append(task.read_text().strip())
        seen = {"gc_hits": hits, "raw": raw, "thread_names": sorted(set(names)), "case_id": context.case_id}
        return DiagnosisResult(verdict="network_healthy", reasoning=json.dumps(seen))


class PatchesScorer:
    """Rewrites every scorer and report builder it can import, then answers wrongly."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        import pytest_netopsbench.report as report
        import pytest_netopsbench.scoring as scoring

        def perfect(*args: Any, **kwargs: Any) -> Any:
            raise SystemExit("patched")

        for module in (scoring, report):
            for name in dir(module):
                if name.startswith(("score", "build", "summar")):
                    setattr(module, name, perfect)
        return DiagnosisResult(
            verdict="fault_detected", fault_type="link_down", device="leaf1", interface="eth1"
        )


class InterruptsMain:
    """``_thread.interrupt_main()`` from a helper thread while it works, then answers wrongly."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        import _thread
        import threading

        threading.Thread(target=_thread.interrupt_main).start()
        time.sleep(1.0)
        return DiagnosisResult(verdict="network_healthy")


class InjectsException:
    """Raises an exception asynchronously in the main thread (as harness code would), hoping to
    be recorded as a harness error rather than charged to itself."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        import ctypes
        import threading

        main = threading.main_thread().ident
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(main or 0), ctypes.py_object(OSError))
        time.sleep(1.0)
        return DiagnosisResult(verdict="network_healthy")


class Lingers:
    """Answers at once, leaving a non-daemon thread and a detached process behind."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        import threading

        subprocess.Popen(["sleep", LINGER_MARKER], start_new_session=True)
        threading.Thread(target=lambda: time.sleep(60), daemon=False).start()
        return DiagnosisResult(verdict="network_healthy")


class Leaky:
    """A 10 MB reasoning, hundreds of evidence items, and secrets in both."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        secrets = " ".join(SECRETS)
        return DiagnosisResult(
            verdict="fault_detected",
            fault_type="link_down",
            device="leaf1",
            interface="eth1",
            reasoning=secrets + " " + "y" * 10_000_000,
            evidence=[f"{secrets} #{i}" for i in range(500)],
        )
