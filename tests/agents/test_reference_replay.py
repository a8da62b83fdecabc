"""The reference agent's reasoning on recorded real tool answers (tests/agents/data/*.json, made by
tests/agents/record_fixtures.py on real labs with each fault injected). Fast: no lab, no network;
the agent reads the recorded answers through the same ``call(name, args)`` it uses on a real toolkit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _replay import replay_context

import pytest_netopsbench.report  # noqa: F401  (loads report before scoring: they import each other)
from pytest_netopsbench.agents.reference import ReferenceAgent
from pytest_netopsbench.agents.reference._recording import RecordingTools, ReplayTools, call_key
from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.scoring import score_case

DATA = Path(__file__).parent / "data"
FIXTURES = sorted(DATA.glob("*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_reference_agent_on_recorded_case(path: Path) -> None:
    fx = json.loads(path.read_text())
    ctx, tools = replay_context(fx)
    result = ReferenceAgent().diagnose(ctx)
    truth = GroundTruth.model_validate(fx["truth"]) if fx["truth"] else None
    scored = score_case(truth, result, ctx.topology)
    assert scored.score == 1.0, (
        f"{scored.message}\nreasoning: {result.reasoning}\nevidence: {result.evidence}"
    )
    if truth is not None:
        assert scored.fault_type_correct, f"fault type {result.fault_type!r}, expected {truth.fault_type!r}"
        assert result.evidence, "a fault diagnosis must cite evidence"
    # every call the agent made was one the real toolkit answered when the fixture was recorded
    # (a fixture made from a campaign trace lists the calls that run never made: ``unrecorded``)
    missing = [k for k in tools.calls if k not in fx["answers"] and k not in fx.get("unrecorded", [])]
    assert not missing, f"calls not in the recording (re-record the fixture): {missing}"


def test_replay_answers_unrecorded_calls_with_an_error() -> None:
    tools = ReplayTools({call_key("get_all_bgp_status", {}): {"switches": []}})
    assert tools.call("get_all_bgp_status", {}) == {"switches": []}
    answer = tools.call("get_device_acl", {"device": "leaf1"})
    assert isinstance(answer, dict) and answer["error"]["type"] == "tool_failed"


def test_a_repeated_call_replays_the_answer_recorded_for_that_repeat() -> None:
    first, later = {"interfaces": [{"carrier_changes": 2}]}, {"interfaces": [{"carrier_changes": 4}]}

    class Live:
        answers = [first, later]

        def call(self, name: str, arguments: dict[str, object] | None = None) -> object:
            return self.answers.pop(0)

    rec = RecordingTools(Live())
    args = {"device": "leaf1"}
    assert [rec.call("get_device_interfaces", args), rec.call("get_device_interfaces", args)] == [
        first,
        later,
    ]
    replay = ReplayTools(rec.answers)
    assert replay.call("get_device_interfaces", args) == first
    assert replay.call("get_device_interfaces", args) == later
    assert replay.calls[1].endswith("#2")
