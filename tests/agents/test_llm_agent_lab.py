"""ToolCallingAgent on a real xs lab, run through the SDK and the pytest plugin: the scripted
endpoint asks for real tools, the Toolkit answers from the live fabric, and the usage and LLM
calls land in the case record and its trajectory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fake_openai import fake_openai, final, tool_calls

from pytest_netopsbench.agents.llm import ToolCallingAgent
from pytest_netopsbench.agents.pricing import ModelPrice, load_price_table
from pytest_netopsbench.runtime import list_labs, teardown_lab
from pytest_netopsbench.sdk import NetOpsBench

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "generated" / "xs" / "xs-link-down-leaf1-eth2.yaml"

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="real labs need root"),
]


def test_llm_agent_works_a_real_case(tmp_path: Path) -> None:
    answer = {
        "verdict": "fault_detected",
        "fault_type": "link_down",
        "device": "leaf1",
        "interface": "eth2",
        "confidence": 0.9,
        "reasoning": "eth2 on leaf1 is down",
        "evidence": ["leaf1 eth2 down"],
    }
    script = [
        tool_calls(("get_pingmesh_hotspots", {"limit": 5})),
        tool_calls(("get_device_interfaces", {"device": "leaf1"}), ("get_all_bgp_status", {})),
        final(answer),
    ]
    run_id = None
    try:
        with fake_openai(script) as server, NetOpsBench(REPO, artifacts=tmp_path) as bench:
            agent = ToolCallingAgent(
                base_url=server.base_url,
                api_key="sk-lab-test",
                model="fake-model",
                max_retries=0,
                prices=load_price_table({"fake-model": ModelPrice(input=2.0, output=4.0)}),
            )
            run = bench.sessions.run_scenario(SCENARIO, agent=agent)
            run_id = run.id
            report = run.wait(timeout=600, raise_on_failure=True)
            traces = bench.artifacts.traces(run.id)
        assert report is not None
        case = report.cases[0]
        assert case.outcome == "correct", case.message
        assert (case.llm_calls, case.input_tokens, case.output_tokens) == (3, 300, 60)
        assert case.cost_usd == pytest.approx((300 * 2.0 + 60 * 4.0) / 1e6)
        assert case.tool_calls == 3 and case.tool_errors == 0
        # The live fabric answered: leaf1's eth2 is down in what the model was shown.
        tool_msgs = {
            m["tool_call_id"]: json.loads(m["content"])
            for m in server.requests[2]["messages"]
            if m["role"] == "tool"
        }
        interfaces = tool_msgs["call_2_0"]["interfaces"]
        eth2 = next(i for i in interfaces if i["name"] == "eth2")
        assert "down" in (eth2["admin_state"], eth2["oper_state"])
        assert tool_msgs["call_2_1"]["sessions_down"] >= 1
        # Nothing the model saw names the scenario; fault types appear only as the whole catalogue.
        seen = json.dumps(server.requests).lower()
        assert "xs-link-down" not in seen and "scenario" not in seen
        assert seen.count("link_down") == seen.count("packet_corruption") == len(server.requests)
        # The trajectory holds the LLM calls and the tool calls, and no API key.
        assert len(traces) == 1 and traces[0].path is not None
        trajectory = traces[0].path.read_text()
        steps = json.loads(trajectory)["steps"]
        assert sum(1 for s in steps if s.get("model_name") == "fake-model") == 3
        assert sum(1 for s in steps if s.get("tool_calls")) == 3
        assert "sk-lab-test" not in trajectory
    finally:
        for info in list_labs():
            if run_id and info.run_id == run_id:
                teardown_lab(info.name)
