"""``episode.run_baselines``: the baselines on the agent's own context, on a real Toolkit over a real
evidence store (ping-mesh rounds written as the prober writes them; the lab is never deployed, the
hotspots tool reads only the store). Their calls go to their own recorders, never the agent's; they
are scored by the scorer and pass rule they are given; a failing baseline is recorded, not raised."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

import pytest_netopsbench.report  # noqa: F401  (loads report before scoring: they import each other)
from pytest_netopsbench.agents import baseline_agents
from pytest_netopsbench.diagnosis import DiagnosisResult, GroundTruth
from pytest_netopsbench.episode import DiagnosticContext, run_baselines
from pytest_netopsbench.evidence import EvidenceStore, ProbeRound, Window, detect
from pytest_netopsbench.runtime import create_lab
from pytest_netopsbench.scoring import score_case
from pytest_netopsbench.toolkit import Toolkit
from pytest_netopsbench.topology import build_topology
from pytest_netopsbench.trace import TraceRecorder

S = build_topology("s")
# h5 and h6 hang off leaf3; its downlink to h5 is eth3
TRUTH = GroundTruth(fault_type="packet_loss", device="leaf3", interface="eth3")


def _rounds(now: float, src: str, dst: str, *, lost: int = 0) -> list[ProbeRound]:
    return [
        ProbeRound(
            ts=now - 5 + i,
            src=src,
            dst=dst,
            sent=8,
            lost=lost,
            rtt_min_us=60,
            rtt_avg_us=60,
            rtt_max_us=60,
            df_sent=2,
        )
        for i in range(4)
    ]


@pytest.fixture
def case(tmp_path: Any) -> Iterator[tuple[Any, DiagnosticContext, TraceRecorder]]:
    """A lossy mesh whose worst pair starts at h5 (leaf3), and the agent's context over it."""
    store = EvidenceStore(tmp_path / "evidence.db")
    store.set_topology(S)
    now = time.time()
    hosts = [h.name for h in S.hosts]
    store.add_probe_rounds(r for a in hosts for b in hosts if a != b for r in _rounds(now, a, b))
    store.add_probe_rounds(_rounds(now, "h5", "h1", lost=4))
    lab = create_lab(S, name=f"nob-be-{uuid.uuid4().hex[:6]}")
    window = Window(start=now - 6, end=now)
    agent_trace = TraceRecorder()
    context = DiagnosticContext(
        case_id="case-0123456789ab",
        topology=S,
        symptoms=detect(store, S, Window(start=now - 12, end=now - 6), window),
        window=window,
        tools=Toolkit(lab, store, window, recorder=agent_trace),
        budget_s=60,
        trace=agent_trace,
    )
    try:
        yield SimpleNamespace(lab=lab, store=store), context, agent_trace
    finally:
        store.close()


def _run(case: Any, context: Any, baselines: list[Any], **rule: Any) -> dict[str, Any]:
    return run_baselines(
        baselines,
        context,
        lab=case.lab,
        store=case.store,
        topology=S,
        truth=TRUTH,
        score=score_case,
        pass_score=rule.get("pass_score", 1.0),
        requires_type=rule.get("requires_type", False),
    )


def test_both_baselines_scored_with_their_own_recorders(
    case: tuple[Any, DiagnosticContext, TraceRecorder],
) -> None:
    lab_store, context, agent_trace = case
    context.tools.call("get_topology", {})  # the agent's one call
    got = _run(lab_store, context, baseline_agents())
    assert set(got) == {"baseline-healthy", "baseline-worst-pair"}
    healthy, worst = got["baseline-healthy"], got["baseline-worst-pair"]
    assert (healthy.score, healthy.passed, healthy.outcome, healthy.tool_calls) == (0.0, False, "wrong", 0)
    # the right leaf, no interface: half of an interface fault; below the pass score of 1
    assert worst.diagnosis is not None and worst.diagnosis.device == "leaf3"
    assert (worst.score, worst.passed, worst.outcome, worst.tool_calls) == (0.5, False, "wrong", 1)
    assert agent_trace.totals.tool_calls == 1  # the baselines' calls are not the agent's
    assert [e.name for e in agent_trace.events if e.kind == "tool"] == ["get_topology"]


def test_the_pass_rule_and_scorer_are_the_ones_given(
    case: tuple[Any, DiagnosticContext, TraceRecorder],
) -> None:
    lab_store, context, _ = case
    got = _run(lab_store, context, baseline_agents(), pass_score=0.5)
    assert got["baseline-worst-pair"].passed and got["baseline-worst-pair"].outcome == "correct"
    strict = _run(lab_store, context, baseline_agents(), pass_score=0.5, requires_type=True)
    assert not strict["baseline-worst-pair"].passed  # no fault type given


class Raises:
    name = "raises"

    def diagnose(self, context: Any) -> DiagnosisResult:
        raise RuntimeError("boom")


def test_a_failing_baseline_is_recorded_and_a_foreign_context_skips_them(
    case: tuple[Any, DiagnosticContext, TraceRecorder],
) -> None:
    lab_store, context, _ = case
    got = _run(lab_store, context, [Raises()])
    assert got["raises"].outcome == "agent_error" and got["raises"].score == 0.0
    assert "boom" in got["raises"].message
    # a make_context hook may hand the agent an object of another shape: nothing to reuse
    assert _run(lab_store, SimpleNamespace(tools=context.tools), baseline_agents()) == {}
