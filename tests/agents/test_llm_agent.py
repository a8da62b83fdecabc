"""ToolCallingAgent against a scripted OpenAI-compatible server on 127.0.0.1: the real ``openai``
client over real HTTP. The tools here are a minimal two-tool object (protocol-level tests only);
tests/agents/test_llm_agent_lab.py runs the agent on a real lab's Toolkit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fake_openai import Reply, fake_openai, final, tool_calls

from pytest_netopsbench.agents.llm import LLMRequestError, ToolCallingAgent
from pytest_netopsbench.agents.pricing import ModelPrice, load_price_table
from pytest_netopsbench.diagnosis import DiagnosisResult, Usage
from pytest_netopsbench.topology import build_topology
from pytest_netopsbench.trace import TraceRecorder

RIGHT = {
    "verdict": "fault_detected",
    "fault_type": "link_down",
    "device": "leaf1",
    "interface": "eth1",
    "confidence": 0.9,
    "reasoning": "leaf1 eth1 is down",
    "evidence": ["eth1 oper down"],
}


class TwoTools:
    """Implements the Toolkit's agent-facing surface: specs and a call that reports bad input
    as a structured error."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def tool_specs(self) -> list[dict[str, Any]]:
        return [
            {
                "name": "get_device_interfaces",
                "description": "interfaces of a device",
                "parameters": {
                    "type": "object",
                    "properties": {"device": {"type": "string"}},
                    "required": ["device"],
                },
            },
            {
                "name": "get_pingmesh_hotspots",
                "description": "worst pairs",
                "parameters": {"type": "object", "properties": {}},
            },
        ]

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        self.calls.append((name, arguments))
        if name == "get_device_interfaces":
            if arguments.get("device") not in {"leaf1", "leaf2", "spine1", "spine2"}:
                return {"error": f"unknown device {arguments.get('device')!r}"}
            return {"interfaces": [{"name": "eth1", "oper": "down"}]}
        if name == "get_pingmesh_hotspots":
            raise RuntimeError("store unavailable")
        return {"error": f"unknown tool {name!r}"}


@dataclass
class Ctx:
    tools: TwoTools = field(default_factory=TwoTools)
    trace: TraceRecorder = field(default_factory=TraceRecorder)
    case_id: str = "case-0a1b2c3d4e5f"
    topology: Any = field(default_factory=lambda: build_topology("xs"))
    symptoms: Any = field(
        default_factory=lambda: {"anomalies": [{"src": "host1", "dst": "host2", "loss": 0.5}]}
    )
    window: Any = field(default_factory=lambda: {"start": 0.0, "end": 10.0})
    budget_s: float | None = 120.0


def agent(base_url: str, **kw: Any) -> ToolCallingAgent:
    kw.setdefault("prices", load_price_table({"fake-model": ModelPrice(input=1.0, output=2.0)}))
    return ToolCallingAgent(base_url=base_url, api_key="sk-test", model="fake-model", max_retries=0, **kw)


def test_right_answer_after_tool_calls() -> None:
    script = [
        tool_calls(("get_device_interfaces", {"device": "leaf1"})),
        tool_calls(
            ("get_device_interfaces", {"device": "spine1"}), ("get_device_interfaces", {"device": "leaf2"})
        ),
        final("After checking:\n```json\n" + json.dumps(RIGHT) + "\n```"),
    ]
    ctx = Ctx()
    with fake_openai(script) as server:
        result = agent(server.base_url).diagnose(ctx)
    assert isinstance(result, DiagnosisResult)
    assert (result.verdict, result.device, result.interface, result.fault_type) == (
        "fault_detected",
        "leaf1",
        "eth1",
        "link_down",
    )
    assert ctx.tools.calls == [("get_device_interfaces", {"device": d}) for d in ("leaf1", "spine1", "leaf2")]
    assert result.usage == Usage(input_tokens=300, output_tokens=60, llm_calls=3, cost_usd=0.00042)
    llm = [e for e in ctx.trace.events if e.kind == "llm"]
    assert [e.name for e in llm] == ["fake-model"] * 3
    totals = ctx.trace.totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (3, 300, 60)
    assert totals.cost_usd == pytest.approx(0.00042)
    assert "sk-test" not in json.dumps([e.model_dump() for e in llm])
    first = server.requests[0]
    offered = [t["function"]["name"] for t in first["tools"]]
    assert offered == ["get_device_interfaces", "get_pingmesh_hotspots"]
    assert server.headers[0]["authorization"] == "Bearer sk-test"
    # The tool results went back to the model, keyed by the call ids it issued.
    last = server.requests[2]["messages"]
    assert [m["tool_call_id"] for m in last if m["role"] == "tool"] == ["call_1_0", "call_2_0", "call_2_1"]
    # The prompt carries the case, not anything about a scenario.
    prompt = first["messages"][1]["content"]
    assert "case-0a1b2c3d4e5f" in prompt and "host1" in prompt
    assert "scenario" not in json.dumps(first["messages"]).lower()
    from pytest_netopsbench.faults import fault_names

    assert "catalogue when one fits: " + ", ".join(fault_names()) in prompt


def test_tool_errors_go_back_to_the_model() -> None:
    script = [
        tool_calls(
            ("get_device_interfaces", {"device": "leaf9"}),
            ("get_pingmesh_hotspots", {}),
            ("no_such_tool", {}),
        ),
        Reply(tool_calls=[("get_device_interfaces", {})]),
        final(RIGHT),
    ]
    ctx = Ctx()
    with fake_openai(script) as server:
        result = agent(server.base_url).diagnose(ctx)
    assert result.verdict == "fault_detected"
    tool_msgs = [json.loads(m["content"]) for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_msgs[0] == {"error": "unknown device 'leaf9'"}
    assert tool_msgs[1] == {"error": "RuntimeError: store unavailable"}
    assert tool_msgs[2] == {"error": "unknown tool 'no_such_tool'"}


def test_tool_budget_is_enforced() -> None:
    script = [tool_calls(("get_device_interfaces", {"device": "leaf1"}))] * 3 + [final(RIGHT)]
    ctx = Ctx()
    with fake_openai(script) as server:
        result = agent(server.base_url, max_tool_calls=2).diagnose(ctx)
    assert len(ctx.tools.calls) == 2
    assert "tools" not in server.requests[2], "after the budget, no tools are offered"
    assert "2 tool calls used" in server.requests[3]["messages"][-1]["content"]
    assert result.verdict == "fault_detected"


def test_malformed_answer_is_repaired_once() -> None:
    script = [final("leaf1 looks broken, I think"), final(RIGHT)]
    with fake_openai(script) as server:
        result = agent(server.base_url).diagnose(Ctx())
    assert result.device == "leaf1"
    repair = server.requests[1]["messages"][-1]["content"]
    assert "no JSON object found" in repair


def test_malformed_answer_falls_back_to_inconclusive() -> None:
    bad = dict(RIGHT, verdict="broken")
    script = [final("{not json"), final(bad)]
    ctx = Ctx()
    with fake_openai(script) as server:
        result = agent(server.base_url).diagnose(ctx)
    assert result.verdict == "inconclusive" and result.confidence == 0.0
    assert "field verdict" in result.reasoning and "'broken'" in result.reasoning
    assert result.usage is not None and result.usage.llm_calls == 2
    assert len(server.requests) == 2


def test_request_timeout_is_an_agent_error() -> None:
    script = [tool_calls(("get_device_interfaces", {"device": "leaf1"})), final(RIGHT, delay_s=3.0)]
    ctx = Ctx()
    with fake_openai(script) as server, pytest.raises(LLMRequestError, match=r"timed out after 0\.5s"):
        agent(server.base_url, request_timeout_s=0.5).diagnose(ctx)
    llm = [e for e in ctx.trace.events if e.kind == "llm"]
    assert len(llm) == 2 and "timeout" in llm[1].content


def test_http_error_names_the_endpoint() -> None:
    with fake_openai([Reply(status=400)]) as server, pytest.raises(LLMRequestError, match=r"127\.0\.0\.1"):
        agent(server.base_url).diagnose(Ctx())


def test_environment_configures_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_openai([final(RIGHT)]) as server:
        monkeypatch.setenv("NETOPSBENCH_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
        monkeypatch.setenv("NETOPSBENCH_LLM_MODEL", "gpt-4o-mini-2024-07-18")
        result = ToolCallingAgent(max_retries=0).diagnose(Ctx())
    assert server.requests[0]["model"] == "gpt-4o-mini-2024-07-18"
    assert server.headers[0]["authorization"] == "Bearer sk-env"
    # Dated snapshots price as their family.
    assert result.usage is not None and result.usage.cost_usd == pytest.approx((100 * 0.15 + 20 * 0.6) / 1e6)


def test_price_table_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"my-local-model": {"input": 0.5, "output": 0.5}}))
    monkeypatch.setenv("NETOPSBENCH_PRICES", str(path))
    table = load_price_table()
    assert table.cost("my-local-model", 1_000_000, 1_000_000) == 1.0
    assert table.cost("unknown-model", 10, 10) is None
    path.write_text(json.dumps({"m": {"input": "cheap"}}))
    with pytest.raises(ValueError, match="model 'm'"):
        load_price_table()


def test_agent_pickles_for_workers_after_use() -> None:
    import pickle

    with fake_openai([final(RIGHT)]) as server:
        used = agent(server.base_url)
        used.diagnose(Ctx())
        copy = pickle.loads(pickle.dumps(used))
    assert copy.model == "fake-model" and copy._client is None
    used.close()


def test_missing_endpoint_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("NETOPSBENCH_LLM_BASE_URL", "OPENAI_BASE_URL", "NETOPSBENCH_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="set OPENAI_API_KEY"):
        ToolCallingAgent()


def test_time_budget_stops_tool_use() -> None:
    # budget 5.6 s minus the 5 s hand-over margin: after a 1 s reply the agent must answer.
    script = [tool_calls(("get_device_interfaces", {"device": "leaf1"}), delay_s=1.0), final(RIGHT)]
    ctx = Ctx(budget_s=5.6)
    with fake_openai(script) as server:
        result = agent(server.base_url).diagnose(ctx)
    assert result.verdict == "fault_detected"
    assert ctx.tools.calls == [], "the tool call came back after the budget: not executed"
    assert "tools" not in server.requests[1]
    assert "time budget reached" in server.requests[1]["messages"][-1]["content"]
