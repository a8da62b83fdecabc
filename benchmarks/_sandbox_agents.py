"""Agents for benchmarks/sandbox_overhead.py, importable by name inside the sandbox."""

from __future__ import annotations

import time
from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult


class Instant:
    name = "instant"

    def diagnose(self, context: Any) -> DiagnosisResult:
        return DiagnosisResult(verdict="network_healthy")


class ToolTimer:
    """Times ``calls`` tool calls from wherever it runs; reports the per-call seconds as reasoning."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def diagnose(self, context: Any) -> DiagnosisResult:
        times = []
        for _ in range(self.calls):
            start = time.perf_counter()
            context.tools.call("get_topology", {})
            times.append(time.perf_counter() - start)
        return DiagnosisResult(verdict="network_healthy", reasoning=",".join(f"{t:.6f}" for t in times))
