"""The two trivial baselines: on a real Toolkit over a real evidence store (ping-mesh rounds written
as the prober writes them; the lab is never deployed, the hotspots tool reads only the store), and
on the recorded tool answers of real labs (tests/agents/data)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from _replay import replay_context

import pytest_netopsbench.report  # noqa: F401  (loads report before scoring: they import each other)
from pytest_netopsbench.agents import AlwaysHealthyAgent, WorstPairAgent, load_agent_spec
from pytest_netopsbench.evidence import EvidenceStore, ProbeRound, Window
from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.runtime import create_lab
from pytest_netopsbench.scoring import score_case
from pytest_netopsbench.toolkit import Toolkit
from pytest_netopsbench.topology import build_topology

DATA = Path(__file__).parent / "data"
FIXTURES = sorted(DATA.glob("*.json"))
S = build_topology("s")


def _rounds(now: float, src: str, dst: str, *, lost: int = 0, rtt_us: int = 60) -> list[ProbeRound]:
    return [
        ProbeRound(
            ts=now - 5 + i,
            src=src,
            dst=dst,
            sent=8,
            lost=lost,
            rtt_min_us=rtt_us if lost < 8 else None,
            rtt_avg_us=rtt_us if lost < 8 else None,
            rtt_max_us=rtt_us if lost < 8 else None,
            df_sent=2,
        )
        for i in range(4)
    ]


@pytest.fixture
def mesh(tmp_path: Path) -> Iterator[tuple[EvidenceStore, SimpleNamespace]]:
    """A real Toolkit over a store holding a clean full mesh of the s fabric (8 hosts)."""
    store = EvidenceStore(tmp_path / "evidence.db")
    store.set_topology(S)
    now = time.time()
    hosts = [h.name for h in S.hosts]
    store.add_probe_rounds(r for a in hosts for b in hosts if a != b for r in _rounds(now, a, b))
    lab = create_lab(S, name=f"nob-b-{uuid.uuid4().hex[:6]}")
    tools = Toolkit(lab, store, Window(start=now - 6, end=now))
    try:
        yield store, SimpleNamespace(tools=tools, topology=S)
    finally:
        store.close()


def test_worst_pair_on_a_clean_mesh_says_healthy(mesh: tuple[EvidenceStore, SimpleNamespace]) -> None:
    _, ctx = mesh
    result = WorstPairAgent().diagnose(ctx)
    assert result.verdict == "network_healthy", result.reasoning


def test_worst_pair_blames_the_source_leaf_of_the_worst_pair(
    mesh: tuple[EvidenceStore, SimpleNamespace],
) -> None:
    store, ctx = mesh
    leaf_of = {h.name: h.leaf for h in S.hosts}
    now = time.time()
    # h5 -> h1 loses half its probes, h2 -> h7 a quarter: the worst pair starts on h5's leaf.
    store.add_probe_rounds(_rounds(now, "h5", "h1", lost=4))
    store.add_probe_rounds(_rounds(now, "h2", "h7", lost=2))
    result = WorstPairAgent().diagnose(ctx)
    assert (result.verdict, result.device) == ("fault_detected", leaf_of["h5"])
    assert result.interface is None and result.fault_type is None
    assert "h5" in result.evidence[0] and "loss" in result.evidence[0]


def test_worst_pair_is_inconclusive_when_the_tool_fails(mesh: tuple[EvidenceStore, SimpleNamespace]) -> None:
    _, ctx = mesh
    result = WorstPairAgent(limit=0).diagnose(ctx)  # the toolkit refuses limit < 1, as data
    assert result.verdict == "inconclusive"
    assert "get_pingmesh_hotspots failed" in result.reasoning and "limit" in result.reasoning


def test_always_healthy_looks_at_nothing() -> None:
    result = AlwaysHealthyAgent().diagnose(SimpleNamespace())  # a context it never reads
    assert (result.verdict, result.device, result.fault_type) == ("network_healthy", None, None)


def _score(agent: object, fx: dict[str, object]) -> float:
    ctx, _ = replay_context(fx)
    truth = GroundTruth.model_validate(fx["truth"]) if fx["truth"] else None
    return score_case(truth, agent.diagnose(ctx), ctx.topology).score  # type: ignore[attr-defined]


def test_baselines_on_recorded_cases() -> None:
    """Over the recorded xs and s cases the baselines are the floor they are meant to be: always
    healthy scores the healthy cases only; the worst pair solves the healthy cases plus the faults
    whose worst pair starts on the faulty leaf, and no more than half of the faults."""
    fixtures = [json.loads(p.read_text()) for p in FIXTURES]
    healthy = [fx for fx in fixtures if not fx["truth"]]
    faults = [fx for fx in fixtures if fx["truth"]]
    assert healthy and faults
    always = AlwaysHealthyAgent()
    assert all(_score(always, fx) == 1.0 for fx in healthy)
    assert all(_score(always, fx) == 0.0 for fx in faults)

    worst = load_agent_spec("baseline-worst-pair")  # by its short name, as a run would
    # on the wire, background bursts queue for a few ms now and then: a healthy mesh can show small
    # latency/jitter anomalies, and the worst-pair baseline (unlike the reference agent) blames them
    quiet = [fx for fx in healthy if not fx["symptoms"]["anomalies"] and "herring" not in fx["scenario_id"]]
    assert quiet and all(_score(worst, fx) == 1.0 for fx in quiet)
    # a red herring (a cleared session, a burst, a flap) leaves hotspots below the detector's
    # thresholds, and the worst pair blames them: what herrings are for
    herrings = [fx for fx in healthy if "herring" in fx["scenario_id"]]
    assert herrings and all(_score(worst, fx) == 0.0 for fx in herrings)
    by_id = {fx["scenario_id"]: _score(worst, fx) for fx in faults}
    # the worst pair starts on the faulty leaf (a device-level fault: full marks)
    assert by_id["s-static-route-misconfig-leaf1-h4"] == 1.0
    # a leaf-to-spine fault: the right leaf earns the device half of an interface fault
    assert by_id["xs-packet-corruption-spine2-eth1"] == 0.5
    # invisible to the mesh (ECMP routes around the dead link): called healthy
    assert by_id["xs-link-down-leaf1-eth2"] == 0.0
    # the far end of the worst pair is dead, not its source
    assert by_id["xs-device-down-leaf2"] == 0.0
    assert sum(by_id.values()) <= len(faults) / 2
