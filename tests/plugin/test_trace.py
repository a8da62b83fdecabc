"""TraceRecorder: counts, redaction, truncation and valid ATIF v1.7."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from pytest_netopsbench.trace import REDACTED, Step, TraceRecorder, Trajectory, sanitize


def test_redacts_keys_and_values_but_not_token_counts() -> None:
    out = sanitize(
        {
            "api_key": "abc",
            "headers": {"Authorization": "Bearer abcdefghijkl"},
            "input_tokens": 12,
            "note": "use sk-abcdefghijklmnop please",
            "max_tokens": 5,
            "password": "p",
        }
    )
    assert out["api_key"] == REDACTED and out["headers"]["Authorization"] == REDACTED
    assert out["password"] == REDACTED
    assert out["input_tokens"] == 12 and out["max_tokens"] == 5
    assert out["note"] == f"use {REDACTED} please"


def test_truncates_long_fields() -> None:
    out = sanitize({"blob": "x" * 100}, limit=10)
    assert out["blob"].startswith("x" * 10) and "truncated 90 chars" in out["blob"]


def test_counts_survive_disabled_tracing() -> None:
    rec = TraceRecorder(enabled=False)
    rec.record_tool_call("ping", {"src": "h1"}, {"ok": True}, None, 0.1)
    rec.record_tool_call("ping", {"src": "h1"}, None, "unknown device", 0.1)
    rec.record_llm_call("m", [], "hi", {"prompt_tokens": 7, "completion_tokens": 3}, 0.2)
    totals = rec.totals
    assert (totals.tool_calls, totals.tool_errors, totals.llm_calls) == (2, 1, 1)
    assert (totals.input_tokens, totals.output_tokens) == (7, 3)
    assert all(e.content == "" and e.arguments == {} for e in rec.events)


def test_thread_safe_recording() -> None:
    rec = TraceRecorder()

    def work() -> None:
        for _ in range(200):
            rec.record_tool_call("t", {}, "r", None, 0.0)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rec.totals.tool_calls == 800 and len(rec.events) == 800


def test_atif_trajectory_round_trips_and_carries_no_secrets() -> None:
    rec = TraceRecorder()
    rec.record_llm_call(
        "gpt-x",
        [{"role": "user", "content": "key sk-abcdefghijklmnop"}],
        {"choices": [{"message": {"content": "looking"}}]},
        {"input_tokens": 5, "output_tokens": 2},
        1.0,
    )
    rec.record_tool_call("get_interfaces", {"device": "leaf1"}, [{"name": "eth1", "up": False}], None, 0.05)
    traj = rec.to_atif(
        agent_name="a", session_id="run-1", context={"case_id": "case-1"}, final={"verdict": "x"}
    )
    text = traj.model_dump_json()
    assert "sk-abcdefghijklmnop" not in text
    again = Trajectory.model_validate_json(text)
    assert again.schema_version == "ATIF-v1.7"
    assert [s.step_id for s in again.steps] == [1, 2, 3, 4]
    assert again.steps[0].source == "user" and again.steps[1].model_name == "gpt-x"
    assert again.steps[2].tool_calls and again.steps[2].observation
    assert again.final_metrics is not None and again.final_metrics.total_prompt_tokens == 5


def test_atif_rules_are_enforced() -> None:
    with pytest.raises(ValidationError, match="only allowed on agent steps"):
        Step(step_id=1, source="user", model_name="m")
    with pytest.raises(ValidationError, match="unknown tool call"):
        Step.model_validate(
            {"step_id": 1, "source": "agent", "observation": {"results": [{"source_call_id": "nope"}]}}
        )
