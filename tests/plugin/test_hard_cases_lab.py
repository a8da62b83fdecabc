"""Compound, intermittent and red-herring cases through ``run_episode`` on a real xs lab, with an
agent that answers at once: every fault injected and confirmed from evidence, the schedule really
toggling, each herring visible in the evidence and recovered, and afterwards a lab that matches its
golden snapshot with no harness thread, wire rule or helper left behind."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import FAST_TIMING
from plugin_helpers import scenario as scenario_file

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.episode import EpisodeSettings, LabSession, run_episode
from pytest_netopsbench.evidence import Window
from pytest_netopsbench.scenario import Scenario, validate_scenario

pytestmark = pytest.mark.lab

TIMING = {"baseline_s": 3, "observe_s": 5, "settle_s": 1, "verify_timeout_s": 30}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabSession]:
    run_id = uuid.uuid4().hex[:6]
    lab = LabSession.start(
        "xs",
        backend="netns",
        name=f"nob-{run_id}-hc",
        run_id=run_id,
        worker="hc",
        store_dir=tmp_path_factory.mktemp("store"),
        traffic="light",
    )
    try:
        yield lab
    finally:
        lab.close()


class Healthy:
    def diagnose(self, context: Any) -> DiagnosisResult:
        return DiagnosisResult(verdict="network_healthy")


def scenario(**fields: Any) -> Scenario:
    s = Scenario.model_validate({"scenario_id": "hard-case", "name": "hard", "timing": TIMING, **fields})
    validate_scenario(s)
    return s


def run(session: LabSession, s: Scenario, tmp_path: Path) -> Any:
    before = set(threading.enumerate())
    episode = run_episode(
        s,
        session,
        Healthy(),
        run_id="hard",
        settings=EpisodeSettings(agent_timeout_s=30, mcp=False),
        case_dir=tmp_path / "case",
    )
    rec = episode.record
    assert rec.outcome != "infra_error", rec.message
    assert "not healthy" not in rec.message and "failed" not in rec.message, rec.message
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, f"threads left running: {left}"
    assert session.check_healthy(30).healthy
    assert session.drift() == []
    return episode


def wire_tables(session: LabSession) -> str:
    wire = session.lab.wire  # type: ignore[attr-defined]
    return str(wire.exec(["nft", "list", "tables"]).stdout)


def test_compound_case_with_a_herring(session: LabSession, tmp_path: Path) -> None:
    s = scenario(
        faults=[
            {
                "type": "packet_loss",
                "target": {"device": "leaf1", "interface": "eth1"},
                "params": {"loss_pct": 50},
            },
            {"type": "bgpd_crash", "target": {"device": "spine2"}},
        ],
        # a session reset away from both faults, while they last
        red_herrings=[
            {"type": "bgp_session_reset", "target": {"device": "spine1"}, "params": {"peer": "198.18.8.5"}}
        ],
    )
    episode = run(session, s, tmp_path)
    rec = episode.record
    assert rec.compound and not rec.intermittent and rec.fault_type == "packet_loss"
    assert rec.expected is not None and rec.expected.is_compound
    assert [(f.fault_type, f.device) for f in rec.expected.faults()] == [
        ("packet_loss", "leaf1"),
        ("bgpd_crash", "spine2"),
    ]
    assert rec.outcome == "wrong"  # a healthy answer to a fault case, scored, not a harness error
    assert rec.red_herrings == ["bgp_session_reset"] and len(episode.herrings.evidence) == 1
    assert "verify" in rec.phases and "herrings" in rec.phases
    assert "table bridge loss" not in wire_tables(session)


def test_intermittent_packet_loss_toggles_and_is_confirmed(session: LabSession, tmp_path: Path) -> None:
    s = scenario(
        fault={
            "type": "packet_loss",
            "target": {"device": "leaf2", "interface": "eth1"},
            "params": {"loss_pct": 60},
            "schedule": {"on_s": 2, "off_s": 2},
        }
    )
    episode = run(session, s, tmp_path)
    rec = episode.record
    assert rec.intermittent and not rec.compound
    (toggler,) = episode.togglers
    # from injection to the agent's answer: baseline-free settle + observe + verify + hand-off
    assert toggler.cycles >= 1 and not toggler.running and not toggler.errors
    assert "table bridge loss" not in wire_tables(session)


def test_red_herrings_are_seen_and_recovered(session: LabSession, tmp_path: Path) -> None:
    s = scenario(
        red_herrings=[
            {"type": "bgp_session_reset", "target": {"device": "spine1"}, "params": {"peer": "198.18.8.5"}},
            {
                "type": "counter_burst",
                "target": {"device": "leaf2", "interface": "eth2"},
                "params": {"seconds": 3},
            },
            {"type": "link_flap_recovered", "target": {"device": "leaf1", "interface": "eth2"}},
        ]
    )
    episode = run(session, s, tmp_path)
    rec = episode.record
    assert rec.red_herrings == ["bgp_session_reset", "counter_burst", "link_flap_recovered"]
    assert rec.outcome == "correct" and rec.healthy  # the network was healthy: herrings are no fault
    assert len(episode.herrings.evidence) == 3 and not episode.herrings.errors
    case = Window(start=rec.started, end=rec.ended)
    store = session.store
    # the reset: spine1's bgpd logs the session to leaf2 going down (and coming back)
    resets = [r.message for r in store.logs(case, "spine1", limit=1000) if "198.18.8.5" in r.message]
    assert any("Down" in m for m in resets) and any("Up" in m for m in resets), resets
    # the burst: megabytes through leaf2:eth2 (light background traffic is a few kB/s)
    (burst,) = store.interface_deltas(case, "leaf2", "eth2")
    assert max(burst.tx_bytes, burst.rx_bytes) > 3_000_000, burst
    # the flap: leaf1:eth2's state changed and its session with spine2 went down and up
    (flap,) = store.interface_deltas(case, "leaf1", "eth2")
    assert flap.state_changes >= 2 and flap.oper_state.lower() == "up", flap
    assert any(
        "198.18.8.2" in r.message and "Down" in r.message for r in store.logs(case, "leaf1", limit=1000)
    )
    # over before the agent: the window the agent was given ends after the last herring
    assert episode.herrings.ended <= episode.context.window.end


FINDINGS_CONFTEST = """
import pytest
from pytest_netopsbench import DiagnosisResult

class BothFaults:
    def diagnose(self, context):
        return DiagnosisResult(
            verdict="fault_detected",
            findings=[
                {"fault_type": "link_down", "device": "leaf1", "interface": "eth1"},
                {"fault_type": "packet_loss", "device": "leaf2", "interface": "eth2"},
            ],
        )

@pytest.fixture
def netopsbench_agent():
    return BothFaults()
"""


def test_compound_scenario_file_runs_as_a_pytest_item(pytester: pytest.Pytester) -> None:
    scenario_file(
        pytester,
        "scenarios/compound.yaml",
        "xs-compound-link-down-packet-loss",
        timing={**FAST_TIMING, "verify_timeout_s": 30},
        faults=[
            {"type": "link_down", "target": {"device": "leaf1", "interface": "eth1"}},
            {
                "type": "packet_loss",
                "target": {"device": "leaf2", "interface": "eth2"},
                "params": {"loss_pct": 50},
            },
        ],
    )
    scenario_file(pytester, "scenarios/healthy.yaml", "xs-healthy", timing=FAST_TIMING)
    pytester.makeconftest(FINDINGS_CONFTEST)
    # `-m compound` selects the compound case only; each of its fault types is a marker too
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-m",
        "compound and link_down and packet_loss",
        "--netopsbench-report=bench.json",
        timeout=600,
    )
    result.assert_outcomes(passed=1, deselected=1)
    (case,) = json.loads((pytester.path / "bench.json").read_text())["cases"]
    assert case["compound"] is True and case["fault_type"] == "link_down" and case["score"] == 1.0
    assert [f["fault_type"] for f in [case["expected"], *case["expected"]["also"]]] == [
        "link_down",
        "packet_loss",
    ]
