"""Red herrings: benign events a scenario plays after the baseline, real and visible, over (and
proven recovered) before the agent starts, and never part of the ground truth.

Each kind uses the mechanism an operator's own day produces: a BGP session cleared by hand
(``clear bgp``), a few seconds of real TCP traffic across a link, a carrier flap on the hidden wire
that the link recovers from. ``run`` performs the event and returns only when the lab is as it was
(session Established with its prefixes back, link up, load gone); an event that does not recover
raises ``FaultError`` (a harness problem, never the agent's).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import FaultError, LabError, ScenarioError
from ..runtime import Lab
from ..topology import Topology
from ._base import FaultTarget, Location, NoParams, TargetError, check_interface
from ._ops import bgp_peer_states, link_info, run, vtysh_json, wait_for
from ._wire import has_wire, set_cable, wire_of

__all__ = [
    "BgpSessionReset",
    "CounterBurst",
    "Herring",
    "LinkFlapRecovered",
    "build_herring",
    "get_herring",
    "herring_names",
]

#: how long a herring may take to prove its recovery before it counts as a harness failure
RECOVER_S = 30.0


class Herring(ABC):
    """One benign event on one target. Subclasses set ``name``, ``Params``, ``description`` (what
    the operator sees) and implement ``run``."""

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams
    description: ClassVar[str] = ""

    def __init__(self, topology: Topology, target: FaultTarget, params: BaseModel | None = None) -> None:
        self.topology, self.target = topology, target
        self.params = params if params is not None else self.Params()

    @classmethod
    def check(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        """Raise TargetError (field relative to the herring: ``target.interface``) when the event
        cannot happen there."""
        _switch_link(topology, target)

    def places(self) -> tuple[Location, ...]:
        """Where the event happens (both ends of its link): a scenario may not put it on a fault."""
        assert self.target.interface is not None
        peer = self.topology.peer_of(self.target.device, self.target.interface)
        return (
            Location(device=self.target.device, interface=self.target.interface),
            Location(device=peer.device, interface=peer.interface),
        )

    def describe(self) -> str:
        where = ":".join(p for p in (self.target.device, self.target.interface) if p)
        return f"{self.name} on {where}"

    @abstractmethod
    def run(self, lab: Lab) -> list[str]:
        """Play the event and wait until the lab has recovered from it; returns evidence lines."""

    def restore(self, lab: Lab) -> None:  # noqa: B027 - most events leave nothing to undo
        """Undo whatever a ``run`` cut short left behind (best effort, idempotent)."""


def _switch_link(topology: Topology, target: FaultTarget, *, need_interface: bool = True) -> None:
    if not topology.has_device(target.device):
        names = ", ".join(d.name for d in topology.devices)
        raise TargetError(f"no device {target.device!r} in the topology ({names})", field="target.device")
    dev = topology.device(target.device)
    if not dev.is_switch:
        raise TargetError(f"{target.device} is a host; this event happens on switches", field="target.device")
    if target.prefix is not None:
        raise TargetError("this event takes no prefix; remove `prefix`", field="target.prefix")
    if target.interface is None and not need_interface:
        return
    if target.interface is None:
        raise TargetError(
            f"this event needs `interface` (one of {', '.join(i.name for i in dev.interfaces)})",
            field="target.interface",
        )
    check_interface(topology, target.device, target.interface, "target.interface")
    if not topology.device(dev.interface(target.interface).peer_device).is_switch:
        raise TargetError(
            f"{target.device}:{target.interface} leads to a host; this event needs a link between switches",
            field="target.interface",
        )


def _session(lab: Lab, device: str, peer: str) -> dict[str, Any]:
    """The peer's row of the BGP summary ({} while bgpd does not answer, e.g. busy re-converging)."""
    try:
        data = vtysh_json(lab, device, "show bgp ipv4 unicast summary json")
    except FaultError:
        return {}
    peers = data.get("peers", {}) if isinstance(data, dict) else {}
    return dict(peers.get(peer) or {})


def _wait_session(
    lab: Lab, device: str, peer: str, prefixes: int, dropped: int
) -> tuple[bool, dict[str, Any]]:
    """Wait until the session has dropped at least once more than ``dropped`` and is Established
    again with its ``prefixes`` back."""
    last: dict[str, Any] = {}

    def back() -> bool:
        nonlocal last
        last = _session(lab, device, peer)
        return (
            int(last.get("connectionsDropped", 0)) > dropped
            and last.get("state") == "Established"
            and int(last.get("pfxRcd", 0)) >= prefixes
        )

    return wait_for(back, RECOVER_S, interval=0.2), last


def _peer_ip(topology: Topology, device: str, interface: str) -> str:
    port = topology.device(device).interface(interface)
    return topology.device(port.peer_device).interface(port.peer_interface).ip


def _fabric_peers(topology: Topology, device: str) -> dict[str, str]:
    """BGP neighbor address -> the local interface toward it (checks the device first)."""
    _switch_link(topology, FaultTarget(device=device, interface=None), need_interface=False)
    dev = topology.device(device)
    return {
        _peer_ip(topology, device, i.name): i.name
        for i in dev.interfaces
        if topology.device(i.peer_device).is_switch
    }


class ResetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    peer: str | None = Field(
        default=None, description="address of the BGP neighbor to reset (default: the one across `interface`)"
    )


class BgpSessionReset(Herring):
    name = "bgp_session_reset"
    Params = ResetParams
    description = (
        "One BGP session is cleared by hand (`clear bgp <peer>`): both ends log it going down "
        "(NOTIFICATION Cease/Administrative Reset) and up again a second later; its uptime restarts "
        "and its prefixes come back."
    )

    @classmethod
    def check(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        assert isinstance(params, ResetParams)
        if target.interface is None:  # the session named by its peer address alone
            if params.peer is None:
                raise TargetError("name the session: `target.interface` or `params.peer`", field="target")
            fabric = _fabric_peers(topology, target.device)
            if params.peer not in fabric:
                raise TargetError(
                    f"{target.device} has no BGP neighbor {params.peer} "
                    f"(its neighbors: {', '.join(sorted(fabric))})",
                    field="params.peer",
                )
            return
        _switch_link(topology, target)
        want = _peer_ip(topology, target.device, target.interface)
        if params.peer is not None and params.peer != want:
            raise TargetError(
                f"the neighbor across {target.device}:{target.interface} is {want}, not {params.peer}",
                field="params.peer",
            )

    def __init__(self, topology: Topology, target: FaultTarget, params: BaseModel | None = None) -> None:
        super().__init__(topology, target, params)
        assert isinstance(self.params, ResetParams)
        if target.interface is None and self.params.peer is not None:
            itf = _fabric_peers(topology, target.device)[self.params.peer]
            self.target = target.model_copy(update={"interface": itf})

    @property
    def peer(self) -> str:
        assert self.target.interface is not None
        return _peer_ip(self.topology, self.target.device, self.target.interface)

    def run(self, lab: Lab) -> list[str]:
        device, peer = self.target.device, self.peer
        before = _session(lab, device, peer)
        if before.get("state") != "Established":
            raise FaultError(
                f"{device}: BGP session to {peer} is {before.get('state', 'absent')} before the reset"
            )
        started = time.monotonic()
        try:
            lab.vtysh(device, [f"clear bgp {peer}"])
        except LabError as exc:
            raise FaultError(f"{device}: `clear bgp {peer}` failed: {exc}") from exc
        ok, after = _wait_session(
            lab, device, peer, int(before.get("pfxRcd", 0)), int(before.get("connectionsDropped", 0))
        )
        took = time.monotonic() - started
        if not ok:
            raise FaultError(
                f"{device}: BGP session to {peer} not back after a reset ({after.get('state', 'absent')}, "
                f"{after.get('pfxRcd', 0)} prefixes after {took:.1f} s)"
            )
        return [
            f"BGP {device} -> {peer} reset by `clear bgp`; Established again with "
            f"{after.get('pfxRcd', 0)} prefixes after {took:.1f} s"
        ]


class BurstParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(default=3.0, ge=1.0, le=20.0, description="how long the traffic runs")
    load_pct: float = Field(
        default=40.0, ge=5.0, le=70.0, description="offered load as a percentage of the link's capacity"
    )


#: a burst's first server port, away from a congestion fault's (5211...) and iperf3's 5201
_BURST_PORT = 5311


class CounterBurst(Herring):
    name = "counter_burst"
    Params = BurstParams
    description = (
        "A few seconds of real TCP traffic between hosts whose flows cross one link, below its "
        "capacity: the link's packet and byte counters jump, then fall back; no loss, no queue."
    )

    def __init__(self, topology: Topology, target: FaultTarget, params: BaseModel | None = None) -> None:
        super().__init__(topology, target, params)
        from .congestion import Congestion

        # congestion's flow picking (source ports the leaf hashes onto this link), at a benign rate
        self._flows = Congestion(topology, target)
        self._loads: list[Any] = []

    def run(self, lab: Lab) -> list[str]:
        from ._ops import netns_of
        from ._tcpload import TcpLoad

        p = self.params
        assert isinstance(p, BurstParams)
        capacity = wire_of(lab).capacity(self.target.device, self.target.interface or "")
        # server ports away from a congestion fault's; the source ports are chosen for these
        flows = self._flows._flows(lab, capacity, p.load_pct / 100.0, base_port=_BURST_PORT)
        topo = self.topology
        try:
            for client, server, port, sport, mbit in flows:
                load = TcpLoad(
                    netns_of(lab, client),
                    netns_of(lab, server),
                    str(topo.device(server).host_ip),
                    port,
                    1,
                    mbit * 1e6 / 8,
                    src=(str(topo.device(client).host_ip), sport),
                )
                load.start()
                self._loads.append(load)
            time.sleep(p.seconds)
        finally:
            self.restore(lab)
        probe = self._flows.probe_link(lab, count=20, interval=0.02, wait=0.5)
        if probe.loss_pct > 10:
            raise FaultError(f"after a traffic burst the link still loses packets: {probe.describe()}")
        return [
            f"{len(flows)} TCP flows at {p.load_pct:g} % of {capacity} Mbit/s across "
            f"{self.target.device}:{self.target.interface} for {p.seconds:g} s, stopped; {probe.describe()}"
        ]

    def restore(self, lab: Lab) -> None:
        for load in self._loads:
            load.stop()
        self._loads.clear()


class FlapParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    down_s: float = Field(
        default=2.0, ge=0.5, le=10.0, description="seconds without carrier (BGP drops the session at once)"
    )


class LinkFlapRecovered(Herring):
    name = "link_flap_recovered"
    Params = FlapParams
    description = (
        "The link loses carrier once for a couple of seconds and comes back: both ends log the "
        "carrier change and their BGP session going down and up, carrier_changes grows; the link "
        "and the session are up and the routes back before the agent looks."
    )

    def _cable(self, lab: Lab, up: bool) -> None:
        assert self.target.interface is not None
        if has_wire(lab):
            set_cable(wire_of(lab), self.target.device, self.target.interface, up=up)
        else:  # no wire (containerlab): the port itself goes down and up
            run(
                lab,
                self.target.device,
                ["ip", "link", "set", "dev", self.target.interface, "up" if up else "down"],
            )

    def run(self, lab: Lab) -> list[str]:
        p = self.params
        assert isinstance(p, FlapParams) and self.target.interface is not None
        device, itf = self.target.device, self.target.interface
        peer = _peer_ip(self.topology, device, itf)
        before = _session(lab, device, peer)
        started = time.monotonic()
        self._cable(lab, up=False)
        try:
            time.sleep(p.down_s)
        finally:
            self._cable(lab, up=True)
        up = wait_for(lambda: str(link_info(lab, device, itf).get("operstate")) == "UP", RECOVER_S, 0.1)
        ok, after = _wait_session(
            lab, device, peer, int(before.get("pfxRcd", 0)), int(before.get("connectionsDropped", 0))
        )
        took = time.monotonic() - started
        if not (up and ok):
            raise FaultError(
                f"{device}:{itf} did not recover from a {p.down_s:g} s flap within {RECOVER_S:g} s "
                f"(operstate {link_info(lab, device, itf).get('operstate')}, BGP to {peer} "
                f"{bgp_peer_states(lab, device).get(peer, 'absent')})"
            )
        return [
            f"{device}:{itf} without carrier for {p.down_s:g} s; link up and BGP to {peer} Established "
            f"with {after.get('pfxRcd', 0)} prefixes {took:.1f} s after the flap began"
        ]

    def restore(self, lab: Lab) -> None:
        self._cable(lab, up=True)


_HERRINGS: dict[str, type[Herring]] = {c.name: c for c in (BgpSessionReset, CounterBurst, LinkFlapRecovered)}


def herring_names() -> list[str]:
    return sorted(_HERRINGS)


def get_herring(name: str) -> type[Herring]:
    cls = _HERRINGS.get(name)
    if cls is None:
        raise FaultError(f"unknown red herring {name!r}; known: {', '.join(herring_names())}")
    return cls


def build_herring(
    kind: str, target: Mapping[str, Any], params: Mapping[str, Any] | None, topology: Topology
) -> Herring:
    """A herring checked against ``topology``. ScenarioError's ``field`` is relative to the
    herring's entry (``type``, ``target.interface``, ``params.peer``)."""
    try:
        cls = get_herring(kind)
    except FaultError as exc:
        raise ScenarioError(str(exc), field="type") from None
    try:
        tgt = FaultTarget.model_validate(dict(target))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise ScenarioError(str(first.get("msg", exc)), field=f"target.{loc}" if loc else "target") from None
    try:
        parsed = cls.Params.model_validate(dict(params or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise ScenarioError(
            f"{cls.name}: {first.get('msg', exc)} (got {first.get('input')!r})",
            field=f"params.{loc}" if loc else "params",
        ) from None
    try:
        cls.check(topology, tgt, parsed)
    except TargetError as exc:
        raise ScenarioError(f"{cls.name}: {exc}", field=exc.field) from None
    return cls(topology, tgt, parsed)
