"""Record the reference agent on hard cases (red herrings, intermittent faults, a physical plus a
control-plane fault) on a real xs lab, as replay fixtures (tests/agents/data/<id>.json).

    .venv/bin/python tests/agents/record_hard.py [--only SUBSTR,...]

Each case is a scenario run by the episode: its faults (`fault:` or `faults:`, an intermittent one
with a `schedule:`) and its `red_herrings:` are the episode's own. Events the episode's herrings
cannot place (a port shut by hand before the window, a cable out and back at a fixed offset inside
the window, a TCP burst far above the episode's counter_burst) are played by hand from the
injection by a ``Played`` pseudo-fault, which adds nothing to the ground truth. Not collected by
pytest; needs root and FRR.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from record_fixtures import DATA, RecordingAgent

from pytest_netopsbench.diagnosis import GroundTruth
from pytest_netopsbench.episode import LabSession
from pytest_netopsbench.episode._run import Episode
from pytest_netopsbench.faults import Fault, Verification
from pytest_netopsbench.faults._base import FaultTarget
from pytest_netopsbench.faults._ops import bgp_peer_states, netns_of
from pytest_netopsbench.faults._tcpload import TcpLoad
from pytest_netopsbench.faults._wire import set_cable, wire_of
from pytest_netopsbench.faults.link import _set_link
from pytest_netopsbench.scenario import Scenario, validate_scenario

Action = Callable[[Any], object]


#: the schedule of every intermittent case: 3 s on, 4 s off
ON_OFF = {"on_s": 3.0, "off_s": 4.0}


def _fault(kind: str, device: str, itf: str, schedule: dict[str, float] | None = None, **params: Any) -> Any:
    spec: dict[str, Any] = {"type": kind, "target": {"device": device, "interface": itf}, "params": params}
    return spec | ({"schedule": schedule} if schedule else {})


def _reset(device: str, peer: str) -> dict[str, Any]:
    """The episode's herring: one session cleared by hand (it goes down and comes back by itself)."""
    return {"type": "bgp_session_reset", "target": {"device": device}, "params": {"peer": peer}}


def _burst(device: str, itf: str) -> dict[str, Any]:
    """The episode's herring: 3 s of TCP load across one link, below its capacity."""
    return {"type": "counter_burst", "target": {"device": device, "interface": itf}, "params": {"seconds": 3}}


def burst(src: str, dst: str, seconds: float = 3.0) -> list[tuple[float, Action]]:
    """A few seconds of TCP load from one host to another (400 Mbit/s offered), from 3 s after the
    injection, well inside the observation window."""
    box: dict[str, TcpLoad] = {}

    def start(lab: Any) -> None:
        topo = lab.topology
        load = TcpLoad(
            netns_of(lab, src), netns_of(lab, dst), str(topo.device(dst).host_ip), 47123, 4, 400e6 / 8
        )
        load.start()
        box["load"] = load

    def stop(lab: Any) -> None:
        if "load" in box:
            box.pop("load").stop()

    return [(3.0, start), (3.0 + seconds, stop)]


def _cable_out(device: str, itf: str) -> dict[str, Any]:
    """The episode's herring: the cable out for 2 s and back (both ends lose carrier)."""
    return {"type": "link_flap_recovered", "target": {"device": device, "interface": itf}}


def flap(device: str, itf: str) -> list[tuple[float, Action]]:
    """Down and up again before the observation window (settle is 6 s in these cases)."""
    return [
        (3.2, lambda lab: _set_link(lab, device, itf, "down")),
        (5.0, lambda lab: _set_link(lab, device, itf, "up")),
    ]


def cable_flap(device: str, itf: str, at: float, down_s: float = 2.0) -> list[tuple[float, Action]]:
    """The cable (on the hidden wire) out for ``down_s`` and back: both ends lose carrier."""
    return [
        (at, lambda lab: set_cable(wire_of(lab), device, itf, up=False)),
        (at + down_s, lambda lab: set_cable(wire_of(lab), device, itf, up=True)),
    ]


#: (id, scenario fields: fault / faults / red_herrings / timing, events played by hand)
CASES: list[tuple[str, dict[str, Any], list[tuple[float, Action]]]] = [
    ("xs-herring-healthy-bgp-reset-spine1", {"red_herrings": [_reset("spine1", "198.18.8.1")]}, []),
    # a burst well above the episode's counter_burst (which stays below the link's capacity): its
    # hotspots are what lead the worst-pair baseline astray
    ("xs-herring-healthy-burst-h1-h2", {}, burst("h1", "h2")),
    # all three kinds in one case, one after another from the injection
    (
        "xs-herring-healthy-all-three",
        {
            "red_herrings": [
                _reset("spine1", "198.18.8.5"),
                _burst("leaf1", "eth1"),
                _cable_out("leaf1", "eth2"),
            ]
        },
        [],
    ),
    ("xs-herring-healthy-flap-leaf2-eth1", {"timing": {"settle_s": 6.0}}, flap("leaf2", "eth1")),
    (
        "xs-herring-flap-leaf1-eth2-packet-loss-spine1-eth2",
        {"fault": _fault("packet_loss", "spine1", "eth2", loss_pct=30), "timing": {"settle_s": 6.0}},
        flap("leaf1", "eth2"),
    ),
    (
        "xs-herring-bgp-reset-spine2-bgp-neighbor-misconfig-leaf1",
        {
            "fault": {
                "type": "bgp_neighbor_misconfig",
                "target": {"device": "leaf1"},
                "params": {"kind": "remote_as_mismatch", "peer": "198.18.8.0"},
            },
            "red_herrings": [_reset("spine2", "198.18.8.7")],
        },
        [],
    ),
    (
        "xs-herring-burst-high-latency-spine1-eth1",
        {"fault": _fault("high_latency", "spine1", "eth1"), "red_herrings": [_burst("leaf2", "eth2")]},
        [],
    ),
    (
        "xs-intermittent-packet-loss-spine1-eth2",
        {"fault": _fault("packet_loss", "spine1", "eth2", ON_OFF, loss_pct=40)},
        [],
    ),
    ("xs-intermittent-cable-cut-leaf2-eth2", {"fault": _fault("cable_cut", "leaf2", "eth2", ON_OFF)}, []),
    # the cable out from the injection: back up inside the window
    (
        "xs-herring-healthy-cable-flap-spine2-eth1",
        {
            "red_herrings": [
                {"type": "link_flap_recovered", "target": {"device": "spine2", "interface": "eth1"}}
            ]
        },
        [],
    ),
    # the cable out and back inside the window: one down-up cycle the agent must look at again
    ("xs-herring-healthy-cable-flap-in-window-leaf2-eth1", {}, cable_flap("leaf2", "eth1", 2.5)),
    (
        "xs-herring-cable-flap-in-window-leaf2-eth1-packet-loss-leaf1-eth2",
        {"fault": _fault("packet_loss", "leaf1", "eth2", loss_pct=30)},
        cable_flap("leaf2", "eth1", 2.5),
    ),
    (
        "xs-intermittent-packet-loss-leaf1-eth2",
        {"fault": _fault("packet_loss", "leaf1", "eth2", ON_OFF, loss_pct=40)},
        [],
    ),
    (
        "xs-intermittent-acl-misconfig-spine2-eth2",
        {"fault": _fault("acl_misconfig", "spine2", "eth2", ON_OFF, direction="in")},
        [],
    ),
    (
        "xs-intermittent-ecmp-member-drop-leaf1-eth1",
        {"fault": _fault("ecmp_member_drop", "leaf1", "eth1", ON_OFF)},
        [],
    ),
    (
        # the same again: where the background's bulk flow runs decides whether the link shows a gap
        "xs-intermittent-ecmp-member-drop-leaf1-eth1-again",
        {"fault": _fault("ecmp_member_drop", "leaf1", "eth1", ON_OFF)},
        [],
    ),
    (
        "xs-intermittent-high-latency-spine2-eth1",
        {"fault": _fault("high_latency", "spine2", "eth1", ON_OFF)},
        [],
    ),
    (
        "xs-compound-packet-loss-leaf1-eth1-bgpd-crash-spine2",
        {
            "faults": [
                _fault("packet_loss", "leaf1", "eth1", loss_pct=30),
                {"type": "bgpd_crash", "target": {"device": "spine2"}},
            ]
        },
        [],
    ),
]


class Played(Fault):
    """Events the episode's herrings cannot place, played at fixed offsets from the injection; no
    fault of its own (the episode's faults are the case's)."""

    name = "played"
    category = "played"
    targets = ()

    def __init__(self, topology: Any, events: list[tuple[float, Action]]) -> None:
        super().__init__(topology, FaultTarget(device=topology.switches[0].name))
        self.events = sorted(events, key=lambda e: e[0])
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def _play(self, lab: Any, t0: float) -> None:
        for at, action in self.events:
            if self._stop.wait(max(0.0, t0 + at - time.monotonic())):
                return
            try:
                action(lab)
            except Exception as exc:
                self.errors.append(str(exc))

    def inject(self, lab: Any) -> None:
        self._thread = threading.Thread(target=self._play, args=(lab, time.monotonic()), daemon=True)
        self._thread.start()

    def verify(self, lab: Any, store: Any, window: Any) -> Verification:
        # the events are over (and BGP back) before the agent starts; the window stays as it was
        if self._thread is not None:
            self._thread.join(timeout=30)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            states = [s for d in lab.topology.switches for s in bgp_peer_states(lab, d.name).values()]
            if states and all(s == "Established" for s in states):
                break
            time.sleep(0.5)
        return Verification(confirmed=not self.errors, evidence=[f"event errors: {self.errors}"])

    def clear(self, lab: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def ground_truth(self) -> GroundTruth:
        raise NotImplementedError("played events are no fault of the case")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated substrings of case ids")
    args = ap.parse_args()
    name = f"nob-hrd{uuid.uuid4().hex[:4]}-xs"
    with tempfile.TemporaryDirectory() as tmp:
        session = LabSession.start(
            "xs", backend="netns", name=name, run_id=uuid.uuid4().hex[:6], worker="rec", store_dir=Path(tmp)
        )
        try:
            for case_id, fields, events in CASES:
                if not any(o in case_id for o in args.only.split(",")):
                    continue
                scenario = Scenario.model_validate(
                    {
                        "scenario_id": case_id,
                        "name": case_id,
                        "topology": {"scale": "xs"},
                        "traffic": "standard",
                        "timing": {"settle_s": 1.0},
                    }
                    | fields
                )
                validate_scenario(scenario)
                session.use_traffic(scenario.traffic)
                ep = Episode(scenario=scenario, session=session, run_id="rec", nodeid=case_id)
                if events:  # after the case's own faults; the ground truth is theirs alone
                    ep.faults.append(Played(session.lab.topology, events))
                agent = RecordingAgent()
                started = time.monotonic()
                try:
                    ep.prepare()
                    ep.diagnose(agent)
                except Exception as exc:
                    print(f"{case_id}: FAILED {exc}", flush=True)
                finally:
                    _, problem = ep.finish()
                rec = ep.record
                print(
                    f"{case_id}: {rec.outcome} score={rec.score} ({time.monotonic() - started:.1f}s; "
                    f"agent {rec.agent_seconds:.2f}s, {rec.tool_calls} calls) {rec.message[:400]} {problem}",
                    flush=True,
                )
                if agent.fixture:
                    truth = ep.truth.model_dump(mode="json") if ep.truth else None
                    agent.fixture.update(scenario_id=case_id, truth=truth, score=rec.score)
                    (DATA / f"{case_id}.json").write_text(
                        json.dumps(agent.fixture, sort_keys=True, separators=(",", ":"))
                    )
        finally:
            session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
