"""Gray failures: everything an operator glances at looks healthy, yet traffic dies.

- ``fib_rib_mismatch``: the kernel route for a prefix was replaced behind FRR's back. zebra ignores
  netlink updates for its own protocol, so ``show ip route`` still shows the healthy ECMP route as
  installed while the kernel FIB blackholes (or misroutes) the traffic.
- ``ecmp_member_drop``: one ECMP member silently drops a share of TCP/UDP flows (by 5-tuple hash).
  The port stays up, BGP stays up, pings pass, interface counters stay clean.
"""

from __future__ import annotations

import ipaddress
import json
import random
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import CapabilityError
from ..runtime import Lab
from ..topology import Role, Topology
from ._base import FaultTarget, TargetError, TargetKind, Verification
from ._caps import host_capabilities
from ._common import LinkFault, SwitchFault
from ._evidence import Findings, hosts_behind, hosts_in, mesh_symptoms, pairs_crossing, pairs_toward
from ._ops import kernel_routes, link_info, nft_apply, nft_delete_table, run, vtysh_json
from ._visibility import REACH, channels
from ._visibility import Channel as C
from ._wire import has_wire, remove_wire_table, wire_drop_rule, wire_drops, wire_of
from .acl import port_flow_probe
from .registry import register
from .routing import probe_failed, probe_toward

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["EcmpMemberDrop", "FibRibMismatch"]


class FibParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["blackhole", "wrong_nexthop"] = Field(
        default="blackhole",
        description="blackhole: kernel drops; wrong_nexthop: kernel sends to a local host",
    )


@register
class FibRibMismatch(SwitchFault):
    name = "fib_rib_mismatch"
    visible = channels(REACH, C.ROUTES_FIB)
    localizing = channels(C.ROUTES_FIB)
    category = "gray"
    aliases = ("rib_fib_mismatch", "fib_desync")
    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.PREFIX,)
    Params = FibParams
    description = (
        "A leaf's kernel route for a remote subnet disagrees with FRR's RIB (changed behind "
        "zebra's back); FRR still shows the healthy route as installed."
    )

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        dev = topology.device(target.device)
        if dev.role is not Role.LEAF:
            raise TargetError(
                f"{target.device} is a {dev.role}; fib_rib_mismatch targets a leaf",
                field="fault.target.device",
            )
        if target.prefix:
            subnets = {h.subnet for h in topology.hosts if h.leaf != target.device}
            if str(ipaddress.ip_network(target.prefix, strict=False)) not in subnets:
                raise TargetError(
                    f"{target.prefix} is not a remote host subnet learned by {target.device} "
                    f"(those are {', '.join(sorted(s for s in subnets if s))})",
                    field="fault.target.prefix",
                )

    @property
    def prefix(self) -> str:
        if self.target.prefix:
            return str(ipaddress.ip_network(self.target.prefix, strict=False))
        subnet = next(h.subnet for h in self.topology.hosts if h.leaf != self.target.device)
        assert subnet is not None
        return subnet

    def _rib_nexthops(self, lab: Lab) -> list[tuple[str, str]]:
        data = vtysh_json(lab, self.target.device, f"show ip route {self.prefix} json")
        out = []
        for entry in data.get(self.prefix, []) if isinstance(data, dict) else []:
            if entry.get("selected"):
                out += [
                    (nh["ip"], nh["interfaceName"])
                    for nh in entry.get("nexthops", [])
                    if nh.get("active") and "ip" in nh and "interfaceName" in nh
                ]
        return out

    def _fib_nexthops(self, lab: Lab) -> tuple[str, list[tuple[str, str]]]:
        routes = kernel_routes(lab, self.target.device, self.prefix)
        if not routes:
            return "none", []
        r = routes[0]
        hops = [(h.get("gateway", ""), h.get("dev", "")) for h in r.get("nexthops", [])]
        if "gateway" in r:
            hops.append((r["gateway"], r.get("dev", "")))
        return str(r.get("type", "unicast")), hops

    def inject(self, lab: Lab) -> None:
        assert isinstance(self.params, FibParams)
        dev = self.target.device
        if self.params.kind == "blackhole":
            route = ["blackhole", self.prefix]
        else:
            host = next(h for h in self.topology.hosts if h.leaf == dev)
            port = next(i.name for i in self.topology.device(dev).interfaces if i.peer_device == host.name)
            route = [self.prefix, "via", host.host_ip, "dev", port]
        # Same protocol and metric as zebra's own route: zebra takes the update for its own and ignores it.
        run(lab, dev, ["ip", "route", "replace", *route, "proto", "bgp", "metric", "20"])

    def clear(self, lab: Lab) -> None:
        hops = self._rib_nexthops(lab)
        kind, fib = self._fib_nexthops(lab)
        if kind == "unicast" and sorted(fib) == sorted(hops):
            return
        if not hops:  # FRR no longer has a route: let the kernel forget ours too
            run(lab, self.target.device, ["ip", "route", "del", self.prefix, "proto", "bgp"], check=False)
            return
        argv = ["ip", "route", "replace", self.prefix, "proto", "bgp", "metric", "20"]
        if len(hops) == 1:
            argv += ["via", hops[0][0], "dev", hops[0][1]]
        else:
            for ip, itf in hops:
                argv += ["nexthop", "via", ip, "dev", itf, "weight", "1"]
        run(lab, self.target.device, argv)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        rib = self._rib_nexthops(lab)
        kind, fib = self._fib_nexthops(lab)
        show = ", ".join(f"{ip} {itf}" for ip, itf in rib) or "none"
        f.add(
            f"{self.target.device} {self.prefix}: FRR RIB (installed) via {show}; kernel FIB {kind} "
            + (", ".join(f"{ip} {itf}" for ip, itf in fib) or ""),
            state=kind != "unicast" or sorted(fib) != sorted(rib),
        )
        victims = hosts_in(self.topology, self.prefix)
        pairs = pairs_toward(self.topology, [v.name for v in victims])
        if victims and not f.mesh(mesh_symptoms(store, window, pairs), loss=True):
            probe = probe_toward(lab, self.topology, self.target.device, victims[0])
            f.add(probe.describe(), data_plane=probe_failed(probe))
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


class EcmpParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share_pct: int = Field(default=50, ge=1, le=99, description="share of flows (by 5-tuple hash) dropped")


_TABLE = "fabric"


@register
class EcmpMemberDrop(LinkFault):
    name = "ecmp_member_drop"
    intermittent_ok = True  # one wire (or netdev) table added and deleted
    visible = channels(REACH)
    localizing = channels(C.INTERFACE_COUNTERS, C.PINGMESH_LOSS)
    category = "gray"
    aliases = ("ecmp_blackhole", "silent_flow_drop")
    Params = EcmpParams
    requires: ClassVar[tuple[str, ...]] = ("nftables",)
    description = (
        "One ECMP member drops a share of TCP/UDP flows by 5-tuple hash; the port, BGP and "
        "ping all look healthy."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seed = random.SystemRandom().randrange(1, 1 << 31)

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        assert target.interface is not None
        port = topology.device(target.device).interface(target.interface)
        if not topology.device(port.peer_device).is_switch:
            raise TargetError(
                f"{target.device}:{target.interface} faces a host, not a fabric link",
                field="fault.target.interface",
            )

    def _match(self) -> str:
        assert isinstance(self.params, EcmpParams)
        # transit flows only: a forwarding member that hashes flows into a hole still carries its
        # own BGP session (else, one seed in two, the session's 5-tuple dies with the hold timer)
        return (
            f"ip saddr != {self.port.ip} meta l4proto {{ tcp, udp }} "
            "jhash ip saddr . ip daddr . th sport . th dport mod 100 "
            f"seed 0x{self._seed:x} < {self.params.share_pct}"
        )

    def inject(self, lab: Lab) -> None:
        assert isinstance(self.params, EcmpParams)
        if "nft_hash" not in host_capabilities():
            raise CapabilityError("ecmp_member_drop needs the nftables jhash expression (CONFIG_NFT_HASH)")
        if has_wire(lab):  # the member itself drops: nothing on any device shows a rule
            wire_drop_rule(wire_of(lab), self.device, self.interface, "ecmp", self._match())
            return
        nft_delete_table(lab, self.device, "netdev", _TABLE)
        nft_apply(
            lab,
            self.device,
            (
                f"table netdev {_TABLE} {{\n"
                f"  chain egress_{self.interface} {{\n"
                f'    type filter hook egress device "{self.interface}" priority 0; policy accept;\n'
                f"    {self._match()} counter drop\n"
                "  }\n}\n"
            ),
        )

    def clear(self, lab: Lab) -> None:
        if has_wire(lab):
            remove_wire_table(wire_of(lab), self.device, self.interface, "ecmp")
        nft_delete_table(lab, self.device, "netdev", _TABLE)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        f.add(
            f"{self.device}:{self.interface} operstate "
            f"{link_info(lab, self.device, self.interface).get('operstate', '?')}"
        )
        pairs = pairs_crossing(self.topology, self.device, self.interface)
        mesh = mesh_symptoms(store, window, pairs)
        # With a running mesh only its own loss confirms: the symptom an operator (and the agent)
        # reads. A private probe confirms within a second, before the mesh's rotating 5-tuples
        # have crossed the member, and the case would then be judged before anything showed.
        if not f.mesh(mesh, loss=True) and not mesh.available:
            victim = self.topology.device(hosts_behind(self.topology, self.device, self.interface)[0])
            probe = port_flow_probe(lab, self.topology, self.device, self.interface, "out", victim)
            f.add(probe.describe(), data_plane=0 < probe.lost < probe.flows or probe.lost > 0)
        if has_wire(lab):
            packets = wire_drops(wire_of(lab), self.device, self.interface, "ecmp")
            where = f"wire of {self.device}:{self.interface}"
        else:
            res = run(lab, self.device, ["nft", "-j", "list", "table", "netdev", _TABLE], check=False)
            items = json.loads(res.stdout or "{}").get("nftables", []) if res.ok else []
            packets = sum(
                int(e["counter"]["packets"])
                for item in items
                for e in (item.get("rule") or {}).get("expr", [])
                if "counter" in e
            )
            where = f"{self.device} nft netdev {_TABLE} egress_{self.interface}"
        f.add(f"{where}: {packets} packets dropped", state=packets > 0)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
