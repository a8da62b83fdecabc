"""Physical faults of one link, on the lab's hidden wire (``runtime/netns/_wire.py``).

- ``unidirectional_loss``: one fibre of the pair drops a share of its frames; the other is clean.
- ``asymmetric_latency``: frames in one direction are held back; the other direction is prompt.
- ``capacity_degradation``: the link renegotiated to a fraction of its speed; its ordinary load now
  queues and drops there (``capacity.py``).
- ``optic_flap_low_loss``: a failing optic: the link loses carrier briefly and repeatedly, and loses
  a little between the flaps.

Direction is relative to the target end: ``egress`` is what ``device:interface`` sends, ``ingress``
what it receives (what its peer sends). Nothing here touches a device: no rule, qdisc, process or
name changes there; what shows is what a real operator sees (counters at both ends, carrier, the
ping mesh, BGP reacting to a lost carrier).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..runtime import Lab
from ._base import Verification
from ._common import LinkFault
from ._evidence import Findings, mesh_symptoms, pairs_crossing
from ._impair import ImpairSpec
from ._ops import link_info, run
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from ._wire import (
    WireImpairment,
    port_counters,
    remove_wire_table,
    set_cable,
    wire_drop_rule,
    wire_of,
)
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["AsymmetricLatency", "OpticFlapLowLoss", "UnidirectionalLoss", "one_way_from_ping"]

Direction = Literal["egress", "ingress"]
End = tuple[str, str]


def one_way_from_ping(text: str) -> tuple[float, float] | None:
    """(there, back) in ms from ``ping -T tsonly`` output: each reply's stamps are the first absolute,
    then differences to the previous one (out at the sender, in at the far end, its reply out, back
    in). Each direction's fastest reply wins: a loaded host's scheduling only ever adds time, and it
    hits the two directions of a reply independently (the fastest round trip can still carry tens of
    ms of it on its unimpaired leg)."""
    there: list[float] = []
    back: list[float] = []
    for block in text.split("TS:")[1:]:
        nums = [int(w) for w in block.split("\n\n")[0].split() if w.lstrip("-").isdigit()]
        if len(nums) >= 4:
            there.append(float(nums[1]))
            back.append(float(nums[3]))
    return (min(there), min(back)) if there else None


class _DirectedFault(LinkFault):
    """A fault acting on one direction of the link: ``sender`` is the end whose frames it hits."""

    def sender(self) -> End:
        direction = getattr(self.params, "direction", "egress")
        if direction == "egress":
            return self.device, self.interface
        return self.port.peer_device, self.port.peer_interface

    def receiver(self) -> End:
        ends = [(self.device, self.interface), (self.port.peer_device, self.port.peer_interface)]
        return next(e for e in ends if e != self.sender())

    def _packets(self, lab: Lab) -> dict[str, int]:
        (sd, si), (rd, ri) = self.sender(), self.receiver()
        s, r = port_counters(lab, sd, si), port_counters(lab, rd, ri)
        return {
            "fwd_tx": int(s["tx"].get("packets", 0)),
            "fwd_rx": int(r["rx"].get("packets", 0)),
            "rev_tx": int(r["tx"].get("packets", 0)),
            "rev_rx": int(s["rx"].get("packets", 0)),
        }

    def direction_gaps(self, lab: Lab, before: dict[str, int]) -> tuple[str, int, int, int]:
        """Packets lost each way since ``before`` (what the two ends count), as an evidence line and
        (missing in the faulty direction, missing in the other, sent in the other)."""
        now = self._packets(lab)
        d = {k: now[k] - before[k] for k in now}
        fwd, rev = d["fwd_tx"] - d["fwd_rx"], d["rev_tx"] - d["rev_rx"]
        (sd, si), (rd, ri) = self.sender(), self.receiver()
        line = (
            f"{sd}:{si} sent {d['fwd_tx']}, {rd}:{ri} received {d['fwd_rx']} ({fwd} missing); "
            f"{rd}:{ri} sent {d['rev_tx']}, {sd}:{si} received {d['rev_rx']} ({rev} missing)"
        )
        return line, fwd, rev, d["rev_tx"]


class UnidirectionalLossParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    loss_pct: float = Field(
        default=30.0,
        ge=10.0,
        le=100.0,
        description="percent of the frames dropped in that direction (>= 10: less is lost in probe noise)",
    )
    direction: Direction = Field(
        default="egress", description="egress: what the target end sends; ingress: what it receives"
    )


@register
class UnidirectionalLoss(_DirectedFault):
    name = "unidirectional_loss"
    category = "impairment"
    aliases = ("one_way_loss", "simplex_loss")
    visible = channels(REACH)
    localizing = channels(C.INTERFACE_COUNTERS, C.PINGMESH_LOSS)
    requires: ClassVar[tuple[str, ...]] = ("nftables",)
    Params = UnidirectionalLossParams
    description = (
        "One direction of the link drops a share of its frames (one fibre of the pair); the other "
        "direction is clean. TX at one end exceeds RX at the other in that direction only."
    )

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, UnidirectionalLossParams)
        dev, itf = self.sender()
        wire_drop_rule(wire_of(lab), dev, itf, "simplex", f"numgen random mod 100 < {round(p.loss_pct)}")

    def clear(self, lab: Lab) -> None:
        wire = wire_of(lab)
        for dev, itf in (self.sender(), self.receiver()):  # both ends' tables: cheap, and always clean
            remove_wire_table(wire, dev, itf, "simplex")

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        f.mesh(
            mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface)),
            loss=True,
        )
        before = self._packets(lab)
        probe = self.probe_link(lab, count=100, interval=0.005, wait=0.3)
        line, fwd, rev, rev_sent = self.direction_gaps(lab, before)
        lossy = probe.sent - probe.received >= 3
        f.add(probe.describe(), data_plane=lossy)
        # one way only: the faulty direction misses frames, the other none beyond the few a busy
        # link has in flight between reading the two ends' counters
        f.add(line, state=fwd >= 3 and rev <= max(2, fwd // 4, 0.03 * rev_sent))
        return Verification(confirmed=f.data_plane and f.state, evidence=f.lines)


class AsymmetricLatencyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    latency_ms: float = Field(default=120.0, gt=0.0, le=2000.0, description="added one-way delay")
    direction: Direction = Field(
        default="egress", description="egress: what the target end sends; ingress: what it receives"
    )


@register
class AsymmetricLatency(_DirectedFault):
    name = "asymmetric_latency"
    category = "impairment"
    aliases = ("one_way_latency", "one_way_delay")
    visible = channels(REACH)
    localizing = channels(C.PINGMESH_LATENCY)
    requires: ClassVar[tuple[str, ...]] = ("nfqueue",)
    Params = AsymmetricLatencyParams
    description = (
        "Frames in one direction of the link are held back by latency_ms; the other direction is "
        "prompt. Round trips across the link are slow; only one-way timing tells the direction."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._active: WireImpairment | None = None

    def _impairment(self, lab: Lab) -> WireImpairment:
        p = self.params
        assert isinstance(p, AsymmetricLatencyParams)
        dev, itf = self.sender()
        return WireImpairment(wire_of(lab), dev, itf, ImpairSpec(delay_ms=p.latency_ms), "nfqueue")

    def inject(self, lab: Lab) -> None:
        if self._active is not None:
            return
        imp = self._impairment(lab)
        imp.install(lab)
        self._active = imp

    def clear(self, lab: Lab) -> None:
        # a fresh instance (another process) finds the shaper by its mark: same queue and namespace
        imp, self._active = self._active or self._impairment(lab), None
        imp.remove(lab)

    def one_way_ms(self, lab: Lab) -> tuple[float, float] | None:
        """One-way delays (there, back) in ms from the IP timestamp option of a ping across the link:
        every namespace reads the same clock, so the stamps of the two ends compare directly."""
        p = self.params
        assert isinstance(p, AsymmetricLatencyParams)
        res = run(
            lab,
            self.device,
            [
                *("ping", "-n", "-c", "3", "-i", "0.2", "-W", str(2 + int(p.latency_ms / 1000))),
                *("-T", "tsonly", "-I", self.interface, self.peer.ip),
            ],
            check=False,
            timeout=10 + p.latency_ms / 250,
        )
        return one_way_from_ping(res.stdout)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        p = self.params
        assert isinstance(p, AsymmetricLatencyParams)
        f = Findings()
        problem = self._active.shaper_problem() if self._active is not None else None
        if problem is not None:  # nothing holds frames back: say so rather than "not slow"
            f.add(problem)
            return Verification(confirmed=False, evidence=f.lines)
        threshold = 0.6 * p.latency_ms
        mesh = mesh_symptoms(
            store, window, pairs_crossing(self.topology, self.device, self.interface), slow_ms=threshold
        )
        if not f.mesh(mesh, slow=True):
            probe = self.probe_link(lab, count=5, interval=0.05, wait=2 + p.latency_ms / 1000)
            f.add(probe.describe(), data_plane=(probe.rtt_avg_ms or 0) >= threshold)
        oneway = self.one_way_ms(lab)
        if oneway is None:
            f.add(f"no one-way timing from {self.device}:{self.interface} (IP timestamp option)")
            return Verification(confirmed=False, evidence=f.lines)
        there, back = oneway
        slow_way = there if p.direction == "egress" else back
        fast_way = back if slow_way is there else there
        f.add(
            f"one-way {self.device}:{self.interface} -> {self.port.peer_device}: {there:g} ms, "
            f"back: {back:g} ms (IP timestamps)",
            # the prompt way may queue behind a busy uplink (tens of ms) but carries far less than
            # the slow one; a delay split over both ways (high_latency) has two halves alike
            state=slow_way >= threshold and fast_way < slow_way / 2,
        )
        return Verification(confirmed=f.data_plane and f.state, evidence=f.lines)


class OpticFlapParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    down_s: float = Field(default=0.6, ge=0.1, le=3.0, description="seconds without carrier per flap")
    up_s: float = Field(default=2.5, ge=0.5, le=30.0, description="seconds of carrier between flaps")
    loss_pct: float = Field(
        default=3.0, ge=0.0, le=10.0, description="percent of frames lost each way between flaps"
    )


@register
class OpticFlapLowLoss(LinkFault):
    name = "optic_flap_low_loss"
    category = "link"
    aliases = ("failing_optic", "optic_flap")
    visible = channels(REACH, ROUTING, C.INTERFACE_STATE)
    localizing = channels(C.INTERFACE_STATE, C.LOGS)
    requires: ClassVar[tuple[str, ...]] = ("nftables",)
    Params = OpticFlapParams
    description = (
        "A failing optic: the link loses carrier at both ends briefly and repeatedly (admin state "
        "untouched) and loses a few frames each way between the flaps."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def _ends(self) -> tuple[End, End]:
        return (self.device, self.interface), (self.port.peer_device, self.port.peer_interface)

    def _cycle(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, OpticFlapParams)
        wire = wire_of(lab)
        # a harness thread on the wire: no device runs anything, no admin state changes
        while not self._stop.is_set():
            try:
                set_cable(wire, self.device, self.interface, up=False)
                self._stop.wait(p.down_s)
                set_cable(wire, self.device, self.interface, up=True)
            except Exception as exc:  # the lab went away; stop quietly, clear reports it
                self.errors.append(str(exc))
                return
            self._stop.wait(p.up_s)

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, OpticFlapParams)
        if self._thread is not None and self._thread.is_alive():
            return
        wire = wire_of(lab)
        if p.loss_pct > 0:
            for dev, itf in self._ends():
                wire_drop_rule(wire, dev, itf, "optic", f"numgen random mod 1000 < {round(10 * p.loss_pct)}")
        self._stop.clear()
        # a neutral name: thread names are visible in /proc/<pid>/task/*/comm
        self._thread = threading.Thread(target=self._cycle, args=(lab,), daemon=True, name="worker")
        self._thread.start()

    def clear(self, lab: Lab) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        wire = wire_of(lab)
        set_cable(wire, self.device, self.interface, up=True)
        for dev, itf in self._ends():
            remove_wire_table(wire, dev, itf, "optic")

    def _carrier_changes(self, lab: Lab, device: str, interface: str) -> int:
        res = run(lab, device, ["cat", f"/sys/class/net/{interface}/carrier_changes"], check=False)
        return int(res.stdout.strip()) if res.stdout.strip().isdigit() else 0

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        p = self.params
        assert isinstance(p, OpticFlapParams)
        f = Findings()
        ends = self._ends()
        start = [self._carrier_changes(lab, d, i) for d, i in ends]
        admin_down: set[str] = set()
        changes = [0, 0]
        deadline = time.monotonic() + p.down_s + p.up_s + 1.5
        while time.monotonic() < deadline:
            for d, i in ends:
                if "UP" not in link_info(lab, d, i).get("flags", []):
                    admin_down.add(f"{d}:{i}")
            changes = [self._carrier_changes(lab, d, i) - s for (d, i), s in zip(ends, start, strict=True)]
            if min(changes) >= 2:
                break
            time.sleep(0.1)
        f.add(
            "; ".join(f"{d}:{i} carrier changed {n} times" for (d, i), n in zip(ends, changes, strict=True))
            + f" in one cycle; admin down seen on: {', '.join(sorted(admin_down)) or 'neither end'}",
            state=min(changes) >= 2 and not admin_down,
        )
        f.mesh(
            mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface)),
            loss=True,
        )
        return Verification(confirmed=f.state, evidence=f.lines)
