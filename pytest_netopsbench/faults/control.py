"""Control-plane configuration faults: a maximum-prefix limit below what the peer sends, GTSM
(``ttl-security``) on one end of a session only, ECMP cut to one path (``maximum-paths 1``),
AS-path prepending on one spine, and a more-specific route leaked from the wrong leaf.
Each is one plausible operator edit in FRR; nothing else changes."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..runtime import Lab
from ..topology import Role, Topology
from ._base import FaultTarget, TargetError, Verification
from ._common import SwitchFault
from ._evidence import Findings, hosts_in
from ._ops import (
    bgp_peer_states,
    daemon_log_lines,
    frr_config_lines,
    kernel_routes,
    vtysh_config,
    vtysh_json,
)
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from .registry import register
from .routing import PeerFault, _PrefixFault, bgp_neighbors

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = [
    "AsPathPrependSkew",
    "BgpMaxPrefixExceeded",
    "BgpTtlSecurityMismatch",
    "EcmpMaximumPathsOne",
    "MoreSpecificRouteLeak",
]

#: the fabric's own ECMP width (runtime/_frr.py renders it); restored when no earlier value was recorded
FABRIC_MAXIMUM_PATHS = 64


def _router(topology: Topology, device: str) -> str:
    return f"router bgp {topology.device(device).asn}"


def _remote_subnets(topology: Topology, leaf: str) -> list[str]:
    return [h.subnet for h in topology.hosts if h.leaf != leaf and h.subnet]


def _nexthops(route: dict[str, Any]) -> list[str]:
    """Gateways of one ``ip -j route`` entry (single or multipath)."""
    if route.get("gateway"):
        return [str(route["gateway"])]
    return [str(n["gateway"]) for n in route.get("nexthops", []) if n.get("gateway")]


class MaxPrefixParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    peer: str | None = Field(default=None, description="neighbor address; default: the first fabric peer")
    limit: int | None = Field(
        default=None, ge=1, description="maximum-prefix; default: one less than the peer sends"
    )


@register
class BgpMaxPrefixExceeded(PeerFault):
    name = "bgp_max_prefix_exceeded"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG)
    localizing = channels(C.BGP_CONFIG, C.BGP_SESSIONS)
    category = "routing"
    aliases = ("bgp_max_prefix", "maximum_prefix_exceeded", "max_prefix_exceeded")
    Params = MaxPrefixParams
    description = (
        "A neighbor's maximum-prefix limit is below what the peer advertises: bgpd tears the "
        "session down (%MAXPFXEXCEED) and leaves it Idle (PfxCt)."
    )

    def _limit(self, lab: Lab) -> int:
        assert isinstance(self.params, MaxPrefixParams)
        if self.params.limit is not None:
            return self.params.limit
        data = vtysh_json(lab, self.target.device, "show bgp ipv4 unicast summary json")
        received = int(data.get("peers", {}).get(self.peer, {}).get("pfxRcd") or 0)
        return max(1, received - 1)

    def inject(self, lab: Lab) -> None:
        dev = self.target.device
        limit = self._limit(lab)
        vtysh_config(
            lab,
            dev,
            [
                _router(self.topology, dev),
                "address-family ipv4 unicast",
                f"neighbor {self.peer} maximum-prefix {limit}",
            ],
        )

    def clear(self, lab: Lab) -> None:
        dev = self.target.device
        prefix = f"neighbor {self.peer} maximum-prefix"
        if any(ln.strip().startswith(prefix) for ln in frr_config_lines(lab, dev)):
            vtysh_config(
                lab, dev, [_router(self.topology, dev), "address-family ipv4 unicast", f"no {prefix}"]
            )
        # The session stays in Idle (PfxCt) until an operator resets it.
        if "Established" not in bgp_peer_states(lab, dev).get(self.peer, "Established"):
            lab.vtysh(dev, [f"clear ip bgp {self.peer}"])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev = self.target.device
        state = bgp_peer_states(lab, dev).get(self.peer, "absent")
        f.add(f"BGP {dev} -> {self.peer}: {state}", state="PfxCt" in state)
        # The line is logged at injection, before any observation window opens: the state says "now".
        logged = daemon_log_lines(lab, dev, "bgpd", "%MAXPFXEXCEED")
        f.add(logged[-1].strip() if logged else f"{dev} bgpd log: no %MAXPFXEXCEED line")
        return Verification(confirmed=f.state and bool(logged), evidence=f.lines)


def _require_leaf(topology: Topology, target: FaultTarget, why: str) -> None:
    if topology.device(target.device).role is not Role.LEAF:
        raise TargetError(f"{target.device} is not a leaf; {why}", field="fault.target.device")


def _require_spine(topology: Topology, target: FaultTarget, why: str) -> None:
    if topology.device(target.device).role is not Role.SPINE:
        raise TargetError(f"{target.device} is not a spine; {why}", field="fault.target.device")


@register
class EcmpMaximumPathsOne(SwitchFault):
    name = "ecmp_maximum_paths_one"
    visible = channels(REACH, C.BGP_CONFIG, C.ROUTES_RIB, C.ROUTES_FIB, C.LOGS)
    localizing = channels(C.BGP_CONFIG, C.ROUTES_RIB)
    category = "routing"
    aliases = ("maximum_paths_one", "ecmp_disabled", "ecmp_lost")
    description = (
        "`maximum-paths 1` on a leaf: BGP still learns a path via every spine but installs one, so "
        "ECMP is silently lost; everything stays reachable over a single uplink."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: int | None = None

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        _require_leaf(topology, target, "a spine has one path per leaf, so it has no ECMP to lose")
        if len(topology.spines) < 2:
            raise TargetError("the topology has one spine, so there is no ECMP", field="fault.target.device")

    def _current(self, lab: Lab) -> int | None:
        for ln in frr_config_lines(lab, self.target.device):
            parts = ln.split()
            if parts[:1] == ["maximum-paths"] and len(parts) == 2 and parts[1].isdigit():
                return int(parts[1])
        return None

    def _set(self, lab: Lab, paths: int) -> None:
        dev = self.target.device
        cmd = [_router(self.topology, dev), "address-family ipv4 unicast", f"maximum-paths {paths}"]
        vtysh_config(lab, dev, cmd)

    def inject(self, lab: Lab) -> None:
        if self._saved is None:
            self._saved = self._current(lab) or FABRIC_MAXIMUM_PATHS
        self._set(lab, 1)

    def clear(self, lab: Lab) -> None:
        if self._current(lab) == 1:
            self._set(lab, self._saved or FABRIC_MAXIMUM_PATHS)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev = self.target.device
        single = 0
        subnets = _remote_subnets(self.topology, dev)
        for prefix in subnets:
            data = vtysh_json(lab, dev, f"show bgp ipv4 unicast {prefix} json")
            valid = [p for p in data.get("paths", []) if p.get("valid")]
            hops = [nh for r in kernel_routes(lab, dev, prefix) for nh in _nexthops(r)]
            if len(valid) >= 2 and len(hops) == 1:
                single += 1
                if single <= 3:
                    f.add(f"{dev} {prefix}: {len(valid)} BGP paths, 1 installed next hop {hops[0]}")
        f.add(f"{dev}: {single}/{len(subnets)} remote subnets on one next hop", state=single > 0)
        return Verification(confirmed=f.state and single == len(subnets), evidence=f.lines)


class PrependParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=2, ge=1, le=8, description="how many times the spine prepends its AS")


@register
class AsPathPrependSkew(SwitchFault):
    name = "as_path_prepend_skew"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG)
    localizing = channels(C.BGP_CONFIG)
    category = "routing"
    aliases = ("as_path_prepend", "ecmp_skew", "prepend_skew")
    Params = PrependParams
    description = (
        "A spine prepends its AS toward the leaves (a drain left in place): leaves prefer the other "
        "spines, so ECMP skews away from it while its sessions stay Established."
    )
    route_map: ClassVar[str] = "RM-LEAVES-OUT"

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        _require_spine(topology, target, "prepending on one spine needs other spines to shift traffic to")
        if len(topology.spines) < 2:
            raise TargetError("the topology has one spine, so there is no ECMP", field="fault.target.device")

    def _apply(self) -> list[str]:
        return [_router(self.topology, self.target.device), "address-family ipv4 unicast"]

    def inject(self, lab: Lab) -> None:
        assert isinstance(self.params, PrependParams)
        dev = self.target.device
        asn = self.topology.device(dev).asn
        vtysh_config(
            lab,
            dev,
            [
                f"route-map {self.route_map} permit 10",
                f"set as-path prepend {' '.join([str(asn)] * self.params.count)}",
                "exit",
                *self._apply(),
                f"neighbor FABRIC route-map {self.route_map} out",
            ],
        )

    def clear(self, lab: Lab) -> None:
        dev = self.target.device
        lines = [ln.strip() for ln in frr_config_lines(lab, dev)]
        if f"neighbor FABRIC route-map {self.route_map} out" in lines:
            vtysh_config(lab, dev, [*self._apply(), f"no neighbor FABRIC route-map {self.route_map} out"])
        if any(ln.startswith(f"route-map {self.route_map} ") for ln in lines):
            vtysh_config(lab, dev, [f"no route-map {self.route_map}"])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        spine = self.target.device
        avoided = 0
        for leaf in self.topology.leaves:
            via = next(i for i in leaf.interfaces if i.peer_device == spine)
            spine_ip = self.topology.device(spine).interface(via.peer_interface).ip
            session = bgp_peer_states(lab, leaf.name).get(spine_ip, "absent")
            subnets = _remote_subnets(self.topology, leaf.name)
            skipped = [
                p
                for p in subnets
                if spine_ip not in [nh for r in kernel_routes(lab, leaf.name, p) for nh in _nexthops(r)]
            ]
            if session == "Established" and subnets and len(skipped) == len(subnets):
                avoided += 1
                f.add(f"{leaf.name}: session to {spine} Established, yet no remote subnet uses it")
        f.add(f"{avoided}/{len(self.topology.leaves)} leaves route around {spine}", state=avoided > 0)
        return Verification(confirmed=f.state and avoided == len(self.topology.leaves), evidence=f.lines)


@register
class MoreSpecificRouteLeak(_PrefixFault):
    name = "more_specific_route_leak"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG)
    localizing = channels(C.BGP_CONFIG)
    aliases = ("route_leak", "more_specific_leak", "prefix_hijack")
    default_plen = 25
    description = (
        "A leaf originates a more-specific of another leaf's host subnet (a `network` statement typed "
        "on the wrong switch): the fabric prefers it and the traffic loops or dies there."
    )

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        _require_leaf(topology, target, "only leaves originate host subnets")
        if target.prefix is None:
            return
        net = ipaddress.IPv4Network(target.prefix, strict=False)
        owners = [h for h in topology.hosts if h.subnet and net.subnet_of(ipaddress.IPv4Network(h.subnet))]
        if not owners or net == ipaddress.IPv4Network(owners[0].subnet or "0.0.0.0/0"):
            raise TargetError(
                f"{target.prefix} must be strictly inside a host subnet (e.g. a /25 of one)",
                field="fault.target.prefix",
            )
        if owners[0].leaf == target.device:
            raise TargetError(
                f"{target.prefix} belongs to {target.device}'s own host {owners[0].name}; "
                "a leak comes from another leaf",
                field="fault.target.prefix",
            )
        if not hosts_in(topology, target.prefix):
            raise TargetError(
                f"{target.prefix} covers no host, so the leak would show nowhere",
                field="fault.target.prefix",
            )

    def _line(self) -> str:
        return f"network {self.prefix}"

    def _af(self) -> list[str]:
        return [_router(self.topology, self.target.device), "address-family ipv4 unicast"]

    def inject(self, lab: Lab) -> None:
        vtysh_config(lab, self.target.device, [*self._af(), self._line()])

    def clear(self, lab: Lab) -> None:
        if self._line() in [ln.strip() for ln in frr_config_lines(lab, self.target.device)]:
            vtysh_config(lab, self.target.device, [*self._af(), f"no {self._line()}"])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        leaf = self.target.device
        leaf_ips = {i.ip for i in self.topology.device(leaf).interfaces if i.kind == "uplink"}
        for spine in self.topology.spines:
            hops = [nh for r in kernel_routes(lab, spine.name, self.prefix) for nh in _nexthops(r)]
            f.add(
                f"{spine.name} kernel route {self.prefix}: {hops or 'none'}",
                state=any(h in leaf_ips for h in hops),
            )
        self.data_plane(lab, store, window, f)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


class TtlSecurityParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    peer: str | None = Field(default=None, description="neighbor address; default: the first fabric peer")
    hops: int = Field(default=1, ge=1, le=254, description="`ttl-security hops` on the device's side")


@register
class BgpTtlSecurityMismatch(PeerFault):
    name = "bgp_ttl_security_mismatch"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG)
    localizing = channels(C.BGP_CONFIG, C.BGP_SESSIONS)
    category = "routing"
    aliases = ("ttl_security_mismatch", "gtsm_mismatch", "bgp_gtsm_mismatch")
    Params = TtlSecurityParams
    description = (
        "GTSM on one end of an eBGP session only (`neighbor X ttl-security hops 1`): that end sends at "
        "TTL 255 and drops the peer's TTL-1 packets, so the session never gets past OpenSent."
    )

    def _line(self) -> str:
        assert isinstance(self.params, TtlSecurityParams)
        return f"neighbor {self.peer} ttl-security hops {self.params.hops}"

    def inject(self, lab: Lab) -> None:
        vtysh_config(lab, self.target.device, [_router(self.topology, self.target.device), self._line()])

    def clear(self, lab: Lab) -> None:
        dev = self.target.device
        head = f"neighbor {self.peer} ttl-security hops "
        for ln in (ln.strip() for ln in frr_config_lines(lab, dev)):
            if ln.startswith(head):
                vtysh_config(lab, dev, [_router(self.topology, dev), f"no {ln}"])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev, peer = self.target.device, self.peer
        remote = bgp_neighbors(self.topology, dev)[peer]
        my_ip = next(i.ip for i in self.topology.device(dev).interfaces if i.peer_device == remote.name)
        mine = bgp_peer_states(lab, dev).get(peer, "absent")
        theirs = bgp_peer_states(lab, remote.name).get(my_ip, "absent")
        f.add(
            f"BGP {dev} -> {peer} ({remote.name}): {mine}; {remote.name} -> {my_ip}: {theirs}",
            state=mine != "Established" and theirs != "Established",
        )
        # the mismatch as an operator reads it: GTSM on this end of the session and not on the other
        here = [ln.strip() for ln in frr_config_lines(lab, dev) if "ttl-security" in ln]
        there = [ln.strip() for ln in frr_config_lines(lab, remote.name) if "ttl-security" in ln]
        none = "no ttl-security"
        f.add(f"{dev} config: {here or none}; {remote.name} config: {there or none}")
        mismatch = any(ln.startswith(f"neighbor {peer} ttl-security") for ln in here) and not there
        return Verification(confirmed=f.state and mismatch, evidence=f.lines)
