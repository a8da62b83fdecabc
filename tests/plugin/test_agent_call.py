"""call_agent: sync and async agents, timeouts, exceptions and results that do not validate."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from pytest_netopsbench.episode._agent import call_agent


class Sync:
    def diagnose(self, context: Any) -> dict[str, Any]:
        return {"verdict": "network_healthy"}


class Async:
    async def diagnose(self, context: Any) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {
            "verdict": "fault_detected",
            "findings": {"fault_type": "link_down", "location": {"device": "leaf1", "interface": "eth1"}},
        }


class Hangs:
    def diagnose(self, context: Any) -> None:
        time.sleep(30)


class AsyncHangs:
    cancelled = False

    async def diagnose(self, context: Any) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            AsyncHangs.cancelled = True
            raise


class Raises:
    def diagnose(self, context: Any) -> None:
        raise RuntimeError("model quota exhausted")


class Garbage:
    def __init__(self, value: Any) -> None:
        self.value = value

    def diagnose(self, context: Any) -> Any:
        return self.value


@dataclass
class NobStyle:
    verdict: str
    findings: dict[str, Any] = field(default_factory=dict)


def test_sync_and_async_agents() -> None:
    assert call_agent(Sync(), None, 5).diagnosis.verdict == "network_healthy"  # type: ignore[union-attr]
    result = call_agent(Async(), None, 5)
    assert result.kind == "ok" and result.diagnosis is not None
    assert (result.diagnosis.device, result.diagnosis.interface) == ("leaf1", "eth1")


def test_timeout_abandons_a_hung_agent_quickly() -> None:
    start = time.monotonic()
    result = call_agent(Hangs(), None, 0.3)
    assert result.kind == "timeout" and "0.3 s" in result.message
    assert time.monotonic() - start < 2


def test_timeout_cancels_an_async_agent() -> None:
    result = call_agent(AsyncHangs(), None, 0.3)
    assert result.kind == "timeout"
    time.sleep(0.2)
    assert AsyncHangs.cancelled


def test_exception_is_reported_with_traceback() -> None:
    result = call_agent(Raises(), None, 5)
    assert result.kind == "error" and "RuntimeError: model quota exhausted" in result.message
    assert "Traceback" in result.detail


def test_garbage_results_are_invalid_with_a_reason() -> None:
    assert "returned str" in call_agent(Garbage("leaf1 is down"), None, 5).message
    bad = call_agent(Garbage({"verdict": "broken"}), None, 5)
    assert bad.kind == "invalid" and "verdict" in bad.message
    assert call_agent(Garbage(None), None, 5).kind == "invalid"


def test_netopsbench_style_dataclass_is_accepted() -> None:
    result = call_agent(Garbage(NobStyle("fault_detected", {"location": {"device": "spine1"}})), None, 5)
    assert result.kind == "ok" and result.diagnosis is not None and result.diagnosis.device == "spine1"
