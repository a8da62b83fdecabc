"""Routing faults: a misconfigured BGP neighbor, a static route to the wrong next hop, a blackhole."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import CapabilityError
from ..runtime import Lab
from ..topology import Device, Role, Topology
from ._base import FaultTarget, TargetError, TargetKind, Verification
from ._caps import host_capabilities
from ._common import SwitchFault
from ._evidence import Findings, hosts_in, mesh_symptoms, pairs_toward
from ._flows import FlowProbe, tcp_flows
from ._naming import operator_password
from ._ops import (
    PingResult,
    bgp_peer_states,
    frr_config_lines,
    kernel_routes,
    netns_of,
    ping,
    vtysh_config,
)
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["BgpNeighborMisconfig", "BlackholeRoute", "StaticRouteMisconfig", "probe_failed", "probe_toward"]


def bgp_neighbors(topo: Topology, device: str) -> dict[str, Device]:
    """neighbor address -> the switch behind it."""
    dev = topo.device(device)
    out: dict[str, Device] = {}
    for itf in dev.interfaces:
        peer = topo.device(itf.peer_device)
        if peer.is_switch:
            out[peer.interface(itf.peer_interface).ip] = peer
    return out


def probe_toward(
    lab: Lab,
    topo: Topology,
    device: str,
    dst: Device,
    *,
    count: int = 10,
) -> PingResult | FlowProbe:
    """Probe ``dst`` along paths that must use ``device``'s forwarding table: ping from a host on that
    leaf; from a spine, TCP flows from the spine itself (loopback source), because a misroute there
    can send traffic into ECMP where only some flows come back around."""
    dev = topo.device(device)
    local = [h for h in topo.hosts if h.leaf == device and h.name != dst.name]
    if local:
        return ping(lab, local[0].name, dst.host_ip, count=count, interval=0.02, wait=0.5)
    loopback = dev.loopback.split("/")[0] if dev.loopback else ""
    return tcp_flows(netns_of(lab, device), dst.host_ip, source_ip=loopback, label=device)


def probe_failed(probe: PingResult | FlowProbe) -> bool:
    return probe.lost > 0 if isinstance(probe, FlowProbe) else probe.loss_pct > 0


class _PrefixFault(SwitchFault):
    """A route on ``{device, prefix}``; the prefix defaults to a remote host's address or subnet."""

    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.PREFIX,)
    category = "routing"
    default_plen: ClassVar[int] = 24

    def default_victim(self) -> Device:
        dev = self.topology.device(self.target.device)
        remote = [h for h in self.topology.hosts if h.leaf != dev.name]
        return remote[-1] if dev.role is Role.SPINE else remote[0]

    @property
    def prefix(self) -> str:
        if self.target.prefix:
            return str(ipaddress.ip_network(self.target.prefix, strict=False))
        victim = self.default_victim()
        return str(ipaddress.ip_interface(f"{victim.host_ip}/{self.default_plen}").network)

    def _line(self) -> str:
        """The static-route line this fault adds to the device's FRR config."""
        raise NotImplementedError

    def inject(self, lab: Lab) -> None:
        vtysh_config(lab, self.target.device, [self._line()])

    def clear(self, lab: Lab) -> None:
        # only remove our own line: clearing twice, or from a fresh instance, must be harmless
        if self._line() in [ln.strip() for ln in frr_config_lines(lab, self.target.device)]:
            vtysh_config(lab, self.target.device, [f"no {self._line()}"])

    def victims(self) -> list[Device]:
        return hosts_in(self.topology, self.prefix)

    def data_plane(self, lab: Lab, store: EvidenceStore | None, window: Window | None, f: Findings) -> None:
        victims = self.victims()
        pairs = pairs_toward(self.topology, [v.name for v in victims])
        if victims and not f.mesh(mesh_symptoms(store, window, pairs), loss=True):
            probe = probe_toward(lab, self.topology, self.target.device, victims[0])
            f.add(probe.describe(), data_plane=probe_failed(probe))


class StaticParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    next_hop: str | None = Field(
        default=None,
        description="wrong next hop; default: a local host (leaf) "
        "or a leaf that does not own the prefix (spine)",
    )

    @field_validator("next_hop")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        if v is not None:
            ipaddress.IPv4Address(v)
        return v


@register
class StaticRouteMisconfig(_PrefixFault):
    name = "static_route_misconfig"
    visible = channels(REACH, C.DEVICE_CONFIG, C.ROUTES_RIB, C.ROUTES_FIB)
    localizing = channels(C.DEVICE_CONFIG, C.ROUTES_RIB)
    aliases = ("static_route_misconfiguration", "wrong_static_route")
    Params = StaticParams
    default_plen = 32
    description = "A static route sends a remote host's traffic to a wrong next hop."

    def next_hop(self) -> str:
        assert isinstance(self.params, StaticParams)
        if self.params.next_hop:
            return self.params.next_hop
        dev = self.topology.device(self.target.device)
        victims = {v.name for v in self.victims()}
        if dev.role is Role.LEAF:
            local = [h for h in self.topology.hosts if h.leaf == dev.name and h.name not in victims]
            if local:
                return local[0].host_ip
        owners = {v.leaf for v in self.victims()}
        for itf in dev.interfaces:
            if itf.kind != "host" and itf.peer_device not in owners and itf.peer_device != dev.name:
                return self.topology.device(itf.peer_device).interface(itf.peer_interface).ip
        raise ValueError(f"no wrong next hop available on {dev.name}")

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        if target.prefix and not hosts_in(topology, target.prefix):
            raise TargetError(
                f"{target.prefix} covers no host, so the misroute would show nowhere",
                field="fault.target.prefix",
            )

    def _line(self) -> str:
        return f"ip route {self.prefix} {self.next_hop()}"

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        nh = self.next_hop()
        routes = kernel_routes(lab, self.target.device, self.prefix)
        gws = [r.get("gateway") for r in routes]
        f.add(f"{self.target.device} kernel route {self.prefix}: {gws or 'none'}", state=nh in gws)
        self.data_plane(lab, store, window, f)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


@register
class BlackholeRoute(_PrefixFault):
    name = "blackhole_route"
    visible = channels(REACH, C.DEVICE_CONFIG, C.ROUTES_RIB, C.ROUTES_FIB)
    localizing = channels(C.DEVICE_CONFIG, C.ROUTES_RIB)
    aliases = ("null_route_misconfig",)
    description = "A static route to Null0 silently drops a remote host subnet's traffic."

    def _line(self) -> str:
        return f"ip route {self.prefix} Null0"

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        routes = kernel_routes(lab, self.target.device, self.prefix)
        kinds = [r.get("type", "unicast") for r in routes]
        f.add(
            f"{self.target.device} kernel route {self.prefix}: {kinds or 'none'}", state="blackhole" in kinds
        )
        self.data_plane(lab, store, window, f)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


_KIND_ALIASES = {
    "peer_as_mismatch": "remote_as_mismatch",
    "as_mismatch": "remote_as_mismatch",
    "auth_mismatch": "password_mismatch",
    "md5_mismatch": "password_mismatch",
    "shutdown": "admin_shutdown",
    "neighbor_shutdown": "admin_shutdown",
}


class BgpParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["remote_as_mismatch", "password_mismatch", "admin_shutdown"] = "remote_as_mismatch"
    peer: str | None = Field(default=None, description="neighbor address; default: the first fabric peer")
    wrong_remote_as: int | None = Field(default=None, ge=1, le=4294967295)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> Any:
        return _KIND_ALIASES.get(str(v).strip().lower().replace("-", "_"), v) if isinstance(v, str) else v


class PeerFault(SwitchFault):
    """A fault on one BGP neighbor of a switch: ``params.peer``, default the first fabric peer."""

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        peer = getattr(params, "peer", None)
        peers = bgp_neighbors(topology, target.device)
        if peer is not None and peer not in peers:
            raise TargetError(
                f"{peer} is not a BGP neighbor of {target.device} (neighbors: {', '.join(peers)})",
                field="fault.params.peer",
            )

    @property
    def peer(self) -> str:
        chosen = getattr(self.params, "peer", None)
        return str(chosen or next(iter(bgp_neighbors(self.topology, self.target.device))))


@register
class BgpNeighborMisconfig(PeerFault):
    name = "bgp_neighbor_misconfig"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG)
    localizing = channels(C.BGP_CONFIG, C.BGP_SESSIONS)
    category = "routing"
    aliases = ("bgp_peer_misconfig",)
    Params = BgpParams
    description = (
        "One BGP neighbor is misconfigured (wrong remote AS, an MD5 password the peer does "
        "not have, or administratively shut down), so the session stays down."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[str] | None = None
        self._password = operator_password()

    def _asn(self) -> int:
        asn = self.topology.device(self.target.device).asn
        assert asn is not None
        return asn

    def inject(self, lab: Lab) -> None:
        assert isinstance(self.params, BgpParams)
        dev, peer, kind = self.target.device, self.peer, self.params.kind
        router = f"router bgp {self._asn()}"
        if kind == "admin_shutdown":
            vtysh_config(lab, dev, [router, f"neighbor {peer} shutdown"])
            return
        if kind == "password_mismatch":
            if "tcp_md5" not in host_capabilities():
                raise CapabilityError("password_mismatch needs TCP MD5 signatures (CONFIG_TCP_MD5SIG)")
            vtysh_config(lab, dev, [router, f"neighbor {peer} password {self._password}"])
        else:
            if self._saved is None:
                self._saved = [
                    ln.strip()
                    for ln in frr_config_lines(lab, dev)
                    if ln.strip().startswith(f"neighbor {peer} ")
                ]
            real = bgp_neighbors(self.topology, dev)[peer].asn or 0
            wrong = self.params.wrong_remote_as or real + 1
            # A peer-group member cannot override the group's remote-as: take it out of the group and
            # give it an explicit (wrong) AS, as an operator hand-editing one session would.
            vtysh_config(
                lab,
                dev,
                [
                    router,
                    f"no neighbor {peer}",
                    f"neighbor {peer} remote-as {wrong}",
                    *[ln for ln in self._saved if " peer-group " not in ln and " remote-as " not in ln],
                ],
            )
        lab.vtysh(dev, [f"clear ip bgp {peer}"])

    def clear(self, lab: Lab) -> None:
        assert isinstance(self.params, BgpParams)
        dev, peer, kind = self.target.device, self.peer, self.params.kind
        router = f"router bgp {self._asn()}"
        lines = [ln.strip() for ln in frr_config_lines(lab, dev)]
        if kind == "admin_shutdown":
            if f"neighbor {peer} shutdown" in lines:
                vtysh_config(lab, dev, [router, f"no neighbor {peer} shutdown"])
        elif kind == "password_mismatch":
            if any(ln.startswith(f"neighbor {peer} password ") for ln in lines):
                vtysh_config(lab, dev, [router, f"no neighbor {peer} password"])
                lab.vtysh(dev, [f"clear ip bgp {peer}"])
        elif f"neighbor {peer} remote-as" in " ".join(lines):
            vtysh_config(lab, dev, [router, f"no neighbor {peer}", *(self._saved or self._rebuilt(lines))])

    def _rebuilt(self, lines: list[str]) -> list[str]:
        """The neighbor's original lines when this instance did not record them (another process
        injected): the peer-group its siblings use, and the description the fabric gives peers."""
        groups = [
            ln.split()[3]
            for ln in lines
            if ln.startswith("neighbor ") and " peer-group " in ln and len(ln.split()) == 4
        ]
        remote = bgp_neighbors(self.topology, self.target.device)[self.peer].name
        out = (
            [f"neighbor {self.peer} peer-group {groups[0]}"]
            if groups
            else [f"neighbor {self.peer} remote-as external"]
        )
        return [*out, f"neighbor {self.peer} description {remote}"]

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev, peer = self.target.device, self.peer
        remote = bgp_neighbors(self.topology, dev)[peer]
        mine = bgp_peer_states(lab, dev).get(peer, "absent")
        my_ip = next(i.ip for i in self.topology.device(dev).interfaces if i.peer_device == remote.name)
        theirs = bgp_peer_states(lab, remote.name).get(my_ip, "absent")
        f.add(
            f"BGP {dev} -> {peer} ({remote.name}): {mine}; {remote.name} -> {my_ip}: {theirs}",
            state=mine != "Established" and theirs != "Established",
        )
        return Verification(confirmed=f.state, evidence=f.lines)
