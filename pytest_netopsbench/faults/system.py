"""System faults: a switch that is down (every port down, routing daemons stopped)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import CapabilityError, FaultError, LabError
from ..runtime import Lab
from ._base import Verification
from ._common import SwitchFault
from ._evidence import Findings, mesh_symptoms, pairs_through_device
from ._ops import bgp_peer_states, run
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from ._wire import has_wire, propagate_carrier, wire_of
from .registry import register
from .routing import bgp_neighbors

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["DeviceDown"]


def _daemon_control(lab: Lab, action: str) -> Any:
    method = getattr(lab, f"{action}_daemons", None)
    if not callable(method):
        raise CapabilityError(
            f"the {type(lab).__name__} runtime cannot {action} a device's routing "
            f"daemons (no `{action}_daemons(device)`)",
            hint="use the netns runtime",
        )
    return method


@register
class DeviceDown(SwitchFault):
    name = "device_down"
    visible = channels(REACH, ROUTING, C.INTERFACE_STATE, C.BGP_CONFIG, C.DEVICE_CONFIG, C.PROCESSES)
    localizing = channels(C.INTERFACE_STATE, C.BGP_SESSIONS)
    category = "system"
    aliases = ("node_down", "switch_down")
    description = "Every port of the switch is down and its routing daemons are stopped."

    def _ports(self) -> list[str]:
        return [i.name for i in self.topology.device(self.target.device).interfaces]

    def inject(self, lab: Lab) -> None:
        stop = _daemon_control(lab, "stop")
        for port in self._ports():
            run(lab, self.target.device, ["ip", "link", "set", "dev", port, "down"])
            if has_wire(lab):  # a powered-off switch sends no light: its neighbours lose carrier
                propagate_carrier(wire_of(lab), self.target.device, port, up=False)
        try:
            stop(self.target.device)
        except LabError as exc:
            raise FaultError(f"{self.target.device}: could not stop routing daemons: {exc}") from exc

    def clear(self, lab: Lab) -> None:
        start = _daemon_control(lab, "start")
        for port in self._ports():
            if has_wire(lab):
                propagate_carrier(wire_of(lab), self.target.device, port, up=True)
            run(lab, self.target.device, ["ip", "link", "set", "dev", port, "up"])
        try:
            start(self.target.device)
        except LabError as exc:
            raise FaultError(f"{self.target.device}: could not restart routing daemons: {exc}") from exc

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev = self.target.device
        res = run(lab, dev, ["ip", "-j", "link", "show"], check=False)
        links = [x for x in json.loads(res.stdout or "[]") if x.get("ifname") != "lo"]
        down = [x["ifname"] for x in links if x.get("operstate") != "UP"]
        f.add(f"{dev}: {len(down)}/{len(links)} ports down", state=bool(links) and len(down) == len(links))
        try:
            lab.vtysh(dev, ["show version"])
            f.add(f"{dev}: routing daemons answer")
            f.state = False
        except LabError:
            f.add(f"{dev}: routing daemons do not answer", state=f.state)
        lost = []
        for peer in bgp_neighbors(self.topology, dev).values():
            my_ip = next(i.ip for i in self.topology.device(dev).interfaces if i.peer_device == peer.name)
            state = bgp_peer_states(lab, peer.name).get(my_ip, "absent")
            if state != "Established":
                lost.append(f"{peer.name} -> {my_ip}: {state}")
        f.add("BGP sessions to it: " + ("; ".join(lost) or "all Established"))
        f.state = f.state and bool(lost)
        f.mesh(mesh_symptoms(store, window, pairs_through_device(self.topology, dev)), loss=True)
        return Verification(confirmed=f.state, evidence=f.lines)
