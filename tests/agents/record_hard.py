"""Record the reference agent on hard cases (red herrings, intermittent faults, a physical plus a
control-plane fault) on a real xs lab, as replay fixtures (tests/agents/data/<id>.json).

    .venv/bin/python tests/agents/record_hard.py [--only SUBSTR,...]

The episode has no support for these yet, so this drives them by hand: a ``Staged`` pseudo-fault
injects the real faults (toggling an intermittent one on a schedule from a thread) and plays the
herrings (a BGP session cleared, a short TCP burst, a link down and up) at fixed offsets from the
injection, all of them over before the agent starts. Not collected by pytest; needs root and FRR.
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
from pytest_netopsbench.faults import Fault, Verification, build_fault
from pytest_netopsbench.faults._base import FaultTarget
from pytest_netopsbench.faults._ops import bgp_peer_states, netns_of, run
from pytest_netopsbench.faults._tcpload import TcpLoad
from pytest_netopsbench.faults._wire import set_cable, wire_of
from pytest_netopsbench.faults.link import _set_link
from pytest_netopsbench.scenario import Scenario

Action = Callable[[Any], object]


def bgp_reset(device: str, peer: str, at: float = 3.0) -> list[tuple[float, Action]]:
    """A hard reset of one session (it goes down and comes back by itself)."""
    return [(at, lambda lab: run(lab, device, ["vtysh", "-c", f"clear bgp ipv4 unicast {peer}"]))]


def burst(src: str, dst: str, seconds: float = 3.0) -> list[tuple[float, Action]]:
    """A few seconds of TCP load from one host to another, well inside the observation window."""
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


FaultSpec = tuple[str, dict[str, str], dict[str, Any], tuple[float, float] | None]

#: (id, [(type, target, params, (on_s, off_s) or None)], herring events, settle_s)
CASES: list[tuple[str, list[FaultSpec], list[tuple[float, Action]], float]] = [
    ("xs-herring-healthy-bgp-reset-spine1", [], bgp_reset("spine1", "198.18.8.1"), 1.0),
    ("xs-herring-healthy-burst-h1-h2", [], burst("h1", "h2"), 1.0),
    # all three kinds in one case: a reset, a burst, then a cable flap ending just before the
    # window does
    (
        "xs-herring-healthy-all-three",
        [],
        bgp_reset("spine1", "198.18.8.5", 0.5) + burst("h1", "h2") + cable_flap("leaf1", "eth2", 6.0),
        1.0,
    ),
    ("xs-herring-healthy-flap-leaf2-eth1", [], flap("leaf2", "eth1"), 6.0),
    (
        "xs-herring-flap-leaf1-eth2-packet-loss-spine1-eth2",
        [("packet_loss", {"device": "spine1", "interface": "eth2"}, {"loss_pct": 30}, None)],
        flap("leaf1", "eth2"),
        6.0,
    ),
    (
        "xs-herring-bgp-reset-spine2-bgp-neighbor-misconfig-leaf1",
        [
            (
                "bgp_neighbor_misconfig",
                {"device": "leaf1"},
                {"kind": "remote_as_mismatch", "peer": "198.18.8.0"},
                None,
            )
        ],
        bgp_reset("spine2", "198.18.8.7"),
        1.0,
    ),
    (
        "xs-herring-burst-high-latency-spine1-eth1",
        [("high_latency", {"device": "spine1", "interface": "eth1"}, {}, None)],
        burst("h2", "h1"),
        1.0,
    ),
    (
        "xs-intermittent-packet-loss-spine1-eth2",
        [("packet_loss", {"device": "spine1", "interface": "eth2"}, {"loss_pct": 40}, (3.0, 4.0))],
        [],
        1.0,
    ),
    (
        "xs-intermittent-cable-cut-leaf2-eth2",
        [("cable_cut", {"device": "leaf2", "interface": "eth2"}, {}, (3.0, 4.0))],
        [],
        1.0,
    ),
    # the cable out from the injection (as the episode's link_flap_recovered herring does): back
    # up inside the window
    ("xs-herring-healthy-cable-flap-spine2-eth1", [], cable_flap("spine2", "eth1", 0.0), 1.0),
    # the cable out and back inside the window: one down-up cycle the agent must look at again
    ("xs-herring-healthy-cable-flap-in-window-leaf2-eth1", [], cable_flap("leaf2", "eth1", 2.5), 1.0),
    (
        "xs-herring-cable-flap-in-window-leaf2-eth1-packet-loss-leaf1-eth2",
        [("packet_loss", {"device": "leaf1", "interface": "eth2"}, {"loss_pct": 30}, None)],
        cable_flap("leaf2", "eth1", 2.5),
        1.0,
    ),
    (
        "xs-intermittent-packet-loss-leaf1-eth2",
        [("packet_loss", {"device": "leaf1", "interface": "eth2"}, {"loss_pct": 40}, (3.0, 4.0))],
        [],
        1.0,
    ),
    (
        "xs-intermittent-acl-misconfig-spine2-eth2",
        [("acl_misconfig", {"device": "spine2", "interface": "eth2"}, {"direction": "in"}, (3.0, 4.0))],
        [],
        1.0,
    ),
    (
        "xs-intermittent-ecmp-member-drop-leaf1-eth1",
        [("ecmp_member_drop", {"device": "leaf1", "interface": "eth1"}, {}, (3.0, 4.0))],
        [],
        1.0,
    ),
    (
        # the same again: where the background's bulk flow runs decides whether the link shows a gap
        "xs-intermittent-ecmp-member-drop-leaf1-eth1-again",
        [("ecmp_member_drop", {"device": "leaf1", "interface": "eth1"}, {}, (3.0, 4.0))],
        [],
        1.0,
    ),
    (
        "xs-intermittent-high-latency-spine2-eth1",
        [("high_latency", {"device": "spine2", "interface": "eth1"}, {}, (3.0, 4.0))],
        [],
        1.0,
    ),
    (
        "xs-compound-packet-loss-leaf1-eth1-bgpd-crash-spine2",
        [
            ("packet_loss", {"device": "leaf1", "interface": "eth1"}, {"loss_pct": 30}, None),
            ("bgpd_crash", {"device": "spine2"}, {}, None),
        ],
        [],
        1.0,
    ),
]


class Staged(Fault):
    """Real faults (an intermittent one toggled from a thread) plus herring events, as one fault."""

    name = "staged"
    category = "staged"
    targets = ()

    def __init__(
        self, topology: Any, parts: list[tuple[Fault, tuple[float, float] | None]], events: list[Any]
    ) -> None:
        super().__init__(
            topology, parts[0][0].target if parts else FaultTarget(device=topology.switches[0].name)
        )
        self.parts, self.events = parts, sorted(events, key=lambda e: e[0])
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.errors: list[str] = []

    def _play(self, lab: Any, t0: float) -> None:
        for at, action in self.events:
            if self._stop.wait(max(0.0, t0 + at - time.monotonic())):
                return
            try:
                action(lab)
            except Exception as exc:
                self.errors.append(str(exc))

    def _toggle(self, lab: Any, fault: Fault, on_s: float, off_s: float) -> None:
        while not self._stop.wait(on_s):
            fault.clear(lab)
            if self._stop.wait(off_s):
                return
            fault.inject(lab)

    def inject(self, lab: Any) -> None:
        t0 = time.monotonic()
        for fault, _ in self.parts:
            fault.inject(lab)
        for fault, sched in self.parts:
            if sched is not None:
                self._threads.append(threading.Thread(target=self._toggle, args=(lab, fault, *sched)))
        self._threads.append(threading.Thread(target=self._play, args=(lab, t0)))
        for t in self._threads:
            t.daemon = True
            t.start()

    def verify(self, lab: Any, store: Any, window: Any) -> Verification:
        # herrings are over (and BGP back) before the agent starts; the window stays as it was
        self._threads[-1].join(timeout=30)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            states = [s for d in lab.topology.switches for s in bgp_peer_states(lab, d.name).values()]
            crashed = any(f.name == "bgpd_crash" for f, _ in self.parts)
            if crashed or (states and all(s == "Established" for s in states)):
                break
            time.sleep(0.5)
        ev = [f"herring errors: {self.errors}"] if self.errors else []
        for fault, sched in self.parts:
            if sched is None:
                r = fault.verify(lab, store, window)
                if not r.confirmed:
                    return Verification(confirmed=False, evidence=r.evidence + ev)
        return Verification(confirmed=not self.errors, evidence=ev)

    def clear(self, lab: Any) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)
        for fault, _ in reversed(self.parts):
            fault.clear(lab)

    def ground_truth(self) -> GroundTruth:
        truths = [f.ground_truth() for f, _ in self.parts]
        return truths[0] if len(truths) == 1 else GroundTruth.compound(truths)


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
            for case_id, faults, events, settle in CASES:
                if not any(o in case_id for o in args.only.split(",")):
                    continue
                scenario = Scenario.model_validate(
                    {
                        "scenario_id": case_id,
                        "name": case_id,
                        "topology": {"scale": "xs"},
                        "traffic": "standard",
                        "timing": {"settle_s": settle},
                    }
                )
                session.use_traffic(scenario.traffic)
                topo = session.lab.topology
                ep = Episode(scenario=scenario, session=session, run_id="rec", nodeid=case_id)
                parts = [(build_fault(t, tg, p, topo), sched) for t, tg, p, sched in faults]
                ep.fault = Staged(topo, parts, events)
                ep.truth = ep.fault.ground_truth() if parts else None
                ep.record.expected = ep.truth
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
                    f"{case_id}: {rec.outcome} score={rec.score} ({time.monotonic() - started:.1f}s) "
                    f"{rec.message[:400]} {problem}",
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
