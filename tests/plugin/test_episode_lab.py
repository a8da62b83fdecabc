"""The episode on a real xs lab, driven directly (no pytest plugin): an async agent that reaches
the case's tools over both MCP transports, and the phase/record bookkeeping."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.episode import EpisodeSettings, LabSession, run_episode
from pytest_netopsbench.scenario import Scenario

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSession]:
    run_id = uuid.uuid4().hex[:6]
    lab = LabSession.start(
        "xs",
        backend="netns",
        name=f"nob-{run_id}-ep",
        run_id=run_id,
        worker="ep",
        store_dir=tmp_path_factory.mktemp("store"),
    )
    try:
        yield lab
    finally:
        lab.close()


def _status(url: str) -> int:
    """HTTP status of a bare MCP POST (a neighbour who found the port and guessed the usual path)."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class McpAgent:
    """Calls get_topology over Streamable HTTP and get_pingmesh_summary over stdio."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    async def diagnose(self, context: Any) -> DiagnosisResult:
        from mcp import Client, StdioServerParameters

        assert context.mcp.url and context.mcp.url.startswith("http://127.0.0.1:")
        self.seen["guessed"] = _status(context.mcp.url.rsplit("/", 2)[0] + "/mcp")
        async with Client(context.mcp.url) as client:
            result = await client.call_tool("get_topology", {})
            self.seen["http"] = result
        command, *args = context.mcp.stdio_command
        async with Client(StdioServerParameters(command=command, args=args)) as client:
            result = await client.call_tool("get_pingmesh_summary", {})
            self.seen["stdio"] = result
        context.trace.record_llm_call(
            "fake-model",
            [{"role": "user", "content": "hi"}],
            "healthy",
            {"input_tokens": 11, "output_tokens": 3},
            0.01,
        )
        return DiagnosisResult(verdict="network_healthy")


def test_async_agent_uses_both_mcp_transports(session: LabSession, tmp_path: Path) -> None:
    scenario = Scenario.model_validate(
        {
            "scenario_id": "mcp-check",
            "name": "mcp",
            "timing": {"baseline_s": 2, "observe_s": 2, "settle_s": 0},
        }
    )
    agent = McpAgent()
    episode = run_episode(
        scenario,
        session,
        agent,
        run_id="run-test",
        settings=EpisodeSettings(agent_timeout_s=60),
        case_dir=tmp_path / "case",
    )
    record = episode.record
    assert record.outcome == "correct", record.message
    assert not agent.seen["http"].is_error and not agent.seen["stdio"].is_error
    assert agent.seen["guessed"] == 404, "the case's MCP server answers only at its secret path"
    # both calls are counted: the HTTP one directly, the stdio one replayed from the server's call file
    assert record.tool_calls == 2
    assert {e.name for e in episode.recorder.events if e.kind == "tool"} == {
        "get_topology",
        "get_pingmesh_summary",
    }
    assert (record.llm_calls, record.input_tokens, record.output_tokens) == (1, 11, 3)
    assert set(record.phases) >= {
        "baseline",
        "inject",
        "observe",
        "verify",
        "context",
        "handoff",
        "agent",
        "score",
        "clear_recover",
        "export",
    }
    assert record.phases["baseline"] >= 2 and record.phases["observe"] >= 2
    assert record.case_id.startswith("case-") and "mcp" not in record.case_id
    assert (tmp_path / "case" / "evidence.sqlite").exists()


class ClockAgent:
    """Notes how long after its observation window it was called, and answers the ground truth."""

    def __init__(self, answer: DiagnosisResult) -> None:
        self.answer, self.delay = answer, -1.0

    def diagnose(self, context: Any) -> DiagnosisResult:
        import time

        self.delay = time.time() - context.window.end
        return self.answer


LINK_DOWN = {"type": "link_down", "target": {"device": "leaf1", "interface": "eth1"}}


@pytest.mark.parametrize("fault", [None, LINK_DOWN], ids=["healthy", "link_down"])
def test_agent_is_handed_the_case_at_the_same_delay(
    session: LabSession, tmp_path: Path, fault: dict[str, Any] | None
) -> None:
    """Only fault cases are verified; the hand-off pause hides how long that took."""
    timing = {"baseline_s": 2, "observe_s": 2, "settle_s": 0.5, "handoff_s": 2.0}
    scenario = Scenario.model_validate(
        {"scenario_id": "handoff-check", "name": "handoff", "timing": timing, "fault": fault}
    )
    answer = (
        DiagnosisResult(verdict="network_healthy")
        if fault is None
        else DiagnosisResult(
            verdict="fault_detected", fault_type="link_down", device="leaf1", interface="eth1"
        )
    )
    agent = ClockAgent(answer)
    episode = run_episode(
        scenario,
        session,
        agent,
        run_id="run-test",
        settings=EpisodeSettings(agent_timeout_s=60),
        case_dir=tmp_path / "case",
    )
    assert episode.record.outcome == "correct", episode.record.message
    # the context is built before the pause, so the delay is handoff_s for both kinds
    assert 2.0 <= agent.delay < 2.3, agent.delay
