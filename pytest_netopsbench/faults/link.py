"""Link faults: a port shut down, a cut cable, a port that keeps flapping, an MTU mismatch."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..runtime import Lab
from ._base import Verification
from ._common import LinkFault
from ._evidence import Findings, mesh_symptoms, pairs_crossing
from ._ops import bgp_peer_states, link_info, run
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from ._wire import has_wire, propagate_carrier, set_cable, wire_of
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["CableCut", "LinkDown", "LinkFlapping", "MtuMismatch"]


def _oper(lab: Lab, device: str, interface: str) -> str:
    return str(link_info(lab, device, interface).get("operstate", "UNKNOWN"))


def _set_link(lab: Lab, device: str, interface: str, state: str) -> None:
    run(lab, device, ["ip", "link", "set", "dev", interface, state])
    if has_wire(lab):
        # A shut port stops sending light: the wire takes the far end's carrier with it (up first
        # on the way back, so the port comes up to a live cable).
        propagate_carrier(wire_of(lab), device, interface, up=state == "up")


def _bgp_line(lab: Lab, fault: LinkFault) -> tuple[str, bool] | None:
    """BGP state of the session across the link (None on an access link)."""
    if not fault.topology.device(fault.port.peer_device).is_switch:
        return None
    state = bgp_peer_states(lab, fault.device).get(fault.peer.ip, "absent")
    line = f"BGP {fault.device} -> {fault.peer.ip} ({fault.port.peer_device}): {state}"
    return line, state != "Established"


@register
class LinkDown(LinkFault):
    name = "link_down"
    visible = channels(REACH, ROUTING, C.INTERFACE_STATE, C.DEVICE_CONFIG)
    localizing = channels(C.INTERFACE_STATE, C.BGP_SESSIONS)
    category = "link"
    aliases = ("interface_shutdown",)
    description = "The port is administratively down (ip link set down); the peer loses carrier."

    def inject(self, lab: Lab) -> None:
        _set_link(lab, self.device, self.interface, "down")

    def clear(self, lab: Lab) -> None:
        _set_link(lab, self.device, self.interface, "up")

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        mine = _oper(lab, self.device, self.interface)
        theirs = _oper(lab, self.port.peer_device, self.port.peer_interface)
        f.add(
            f"{self.device}:{self.interface} operstate {mine}; peer {self.port.peer_device}:"
            f"{self.port.peer_interface} operstate {theirs}",
            state=mine != "UP" and theirs != "UP",
        )
        bgp = _bgp_line(lab, self)
        if bgp:
            f.add(bgp[0], state=False)
        f.mesh(
            mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface)),
            loss=True,
        )
        return Verification(confirmed=f.state, evidence=f.lines)


@register
class CableCut(LinkFault):
    name = "cable_cut"
    visible = channels(REACH, ROUTING, C.INTERFACE_STATE)
    localizing = channels(C.INTERFACE_STATE, C.BGP_SESSIONS)
    category = "link"
    aliases = ("fiber_cut", "carrier_loss")
    intermittent_ok = True  # two wire ports down and up: a loose connector
    description = (
        "The cable between the two ports is cut (on the hidden wire): both ends lose carrier and "
        "go oper down while staying admin up; nothing in either device's configuration changed."
    )

    def inject(self, lab: Lab) -> None:
        set_cable(wire_of(lab), self.device, self.interface, up=False)

    def clear(self, lab: Lab) -> None:
        set_cable(wire_of(lab), self.device, self.interface, up=True)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        ends = ((self.device, self.interface), (self.port.peer_device, self.port.peer_interface))
        rows = [link_info(lab, d, i) for d, i in ends]
        cut = all(
            str(r.get("operstate")) != "UP"
            and "UP" in r.get("flags", [])
            and "NO-CARRIER" in r.get("flags", [])
            for r in rows
        )
        f.add(
            "; ".join(
                f"{d}:{i} operstate {r.get('operstate', '?')}, flags {','.join(r.get('flags', []))}"
                for (d, i), r in zip(ends, rows, strict=True)
            ),
            state=cut,
        )
        bgp = _bgp_line(lab, self)
        if bgp:
            f.add(bgp[0])
        f.mesh(
            mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface)),
            loss=True,
        )
        return Verification(confirmed=f.state, evidence=f.lines)


class FlapParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    down_s: float = Field(default=2.0, ge=0.2, le=60.0, description="seconds down per cycle")
    up_s: float = Field(default=3.0, ge=0.2, le=60.0, description="seconds up per cycle")


@register
class LinkFlapping(LinkFault):
    name = "link_flapping"
    visible = channels(REACH, ROUTING, C.INTERFACE_STATE, C.DEVICE_CONFIG)
    localizing = channels(C.INTERFACE_STATE, C.LOGS)
    category = "link"
    aliases = ("flapping",)
    Params = FlapParams
    description = (
        "The port goes down and up on a cycle until cleared, so it is still flapping while the agent looks."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def _cycle(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, FlapParams)
        # A harness thread rather than a process in the device: nothing in the device's process
        # list gives the flapping away.
        while not self._stop.is_set():
            try:
                _set_link(lab, self.device, self.interface, "down")
                if self._stop.wait(p.down_s):
                    break
                _set_link(lab, self.device, self.interface, "up")
            except Exception as exc:  # the lab went away; stop quietly, clear reports it
                self.errors.append(str(exc))
                return
            self._stop.wait(p.up_s)

    def inject(self, lab: Lab) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        # a neutral name: thread names are visible in /proc/<pid>/task/*/comm
        self._thread = threading.Thread(target=self._cycle, args=(lab,), daemon=True, name="worker")
        self._thread.start()

    def clear(self, lab: Lab) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        _set_link(lab, self.device, self.interface, "up")

    def _carrier_changes(self, lab: Lab) -> int:
        res = run(
            lab,
            self.port.peer_device,
            ["cat", f"/sys/class/net/{self.port.peer_interface}/carrier_changes"],
            check=False,
        )
        return int(res.stdout.strip() or 0) if res.stdout.strip().isdigit() else 0

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        p = self.params
        assert isinstance(p, FlapParams)
        f = Findings()
        # Watch the peer's carrier for one full cycle: flapping means it changes both ways.
        start = self._carrier_changes(lab)
        seen: set[str] = set()
        deadline = time.monotonic() + p.down_s + p.up_s + 1.5
        changes = 0
        while time.monotonic() < deadline:
            seen.add(_oper(lab, self.device, self.interface))
            changes = self._carrier_changes(lab) - start
            if changes >= 2 and len(seen) >= 2:
                break
            time.sleep(0.2)
        f.add(
            f"{self.port.peer_device}:{self.port.peer_interface} carrier changed {changes} times in one "
            f"cycle; {self.device}:{self.interface} seen {'/'.join(sorted(seen))}",
            state=changes >= 2 or len(seen) >= 2,
        )
        f.mesh(
            mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface)),
            loss=True,
        )
        return Verification(confirmed=f.state, evidence=f.lines)


class MtuParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mtu: int = Field(default=1400, ge=576, le=9000, description="MTU set on the target port")


@register
class MtuMismatch(LinkFault):
    name = "mtu_mismatch"
    visible = channels(
        REACH, ROUTING, C.INTERFACE_MTU, C.INTERFACE_STATE, C.INTERFACE_ERRORS, C.DEVICE_CONFIG
    )
    localizing = channels(C.INTERFACE_MTU)
    category = "link"
    Params = MtuParams
    description = (
        "The target port's MTU differs from its peer's: small packets and BGP keep working, "
        "full-size don't-fragment packets are dropped."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._original: int | None = None

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, MtuParams)
        if self._original is None:
            self._original = int(link_info(lab, self.device, self.interface).get("mtu", 1500))
        run(lab, self.device, ["ip", "link", "set", "dev", self.interface, "mtu", str(p.mtu)])

    def clear(self, lab: Lab) -> None:
        mtu = self._original or int(
            link_info(lab, self.port.peer_device, self.port.peer_interface).get("mtu", 1500)
        )
        run(lab, self.device, ["ip", "link", "set", "dev", self.interface, "mtu", str(mtu)])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        mine = int(link_info(lab, self.device, self.interface).get("mtu", 0))
        theirs = int(link_info(lab, self.port.peer_device, self.port.peer_interface).get("mtu", 0))
        f.add(
            f"MTU {self.device}:{self.interface} = {mine}, {self.port.peer_device}:"
            f"{self.port.peer_interface} = {theirs}",
            state=mine != theirs,
        )
        mesh = mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface))
        if not f.mesh(mesh, df=True):
            big = max(mine, theirs) - 28
            probe = self.probe_link(lab, count=5, size=big, df=True, from_peer=theirs > mine, wait=0.5)
            small = self.probe_link(lab, count=5, from_peer=theirs > mine, wait=0.5)
            f.add(
                f"{probe.describe()} [{big}-byte DF]; {small.describe()} [56-byte]",
                data_plane=probe.loss_pct >= 60 and small.loss_pct < 60,
            )
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
