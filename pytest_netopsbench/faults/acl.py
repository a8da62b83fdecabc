"""ACL misconfiguration: an nftables drop rule bound to one port (netdev ingress or egress hook),
named the way an operator's filter would be (``table netdev filter`` / ``chain ingress_eth1``)."""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..runtime import Lab
from ..topology import Device, Topology
from ._base import Fault, FaultTarget, GroundTruth, TargetError, TargetKind, Verification
from ._caps import host_capabilities
from ._common import _require_switch
from ._evidence import Findings, hosts_behind, hosts_in, hosts_near, mesh_symptoms, pairs_crossing
from ._flows import FlowProbe, tcp_flows
from ._ops import netns_of, nft_apply, nft_delete_table, run
from ._visibility import REACH, channels
from ._visibility import Channel as C
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["AclMisconfig", "port_flow_probe"]

_TABLE = "filter"


class AclParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    direction: Literal["in", "out"] = "in"
    prefix: str | None = Field(
        default=None,
        description="destination prefix dropped; default: a host "
        "subnet whose traffic crosses the port in that direction",
    )

    @field_validator("prefix")
    @classmethod
    def _net(cls, v: str | None) -> str | None:
        return None if v is None else str(ipaddress.IPv4Network(v, strict=False))


def port_flow_probe(
    lab: Lab, topo: Topology, device: str, interface: str, direction: str, dst: Device
) -> FlowProbe:
    """TCP flows toward ``dst`` that cross ``device:interface`` in ``direction``: sent from the peer end
    for ``in``, from the device itself for ``out`` (sourced from a loopback so replies return)."""
    port = topo.device(device).interface(interface)
    src = topo.device(port.peer_device) if direction == "in" else topo.device(device)
    source_ip = src.loopback.split("/")[0] if src.loopback else ""
    return tcp_flows(netns_of(lab, src.name), dst.host_ip, source_ip=source_ip, label=src.name)


@register
class AclMisconfig(Fault):
    name = "acl_misconfig"
    intermittent_ok = True  # one netdev table added and deleted
    visible = channels(REACH, C.ACL_RULES)
    localizing = channels(C.ACL_RULES)
    category = "acl"
    aliases = ("acl_misconfiguration",)
    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.INTERFACE,)
    Params = AclParams
    requires: ClassVar[tuple[str, ...]] = ("nftables",)
    description = "An nftables rule on one port drops traffic to a host subnet (ingress or egress)."

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        _require_switch(topology, target)

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        assert isinstance(params, AclParams)
        if params.prefix and not hosts_in(topology, params.prefix):
            raise TargetError(
                f"{params.prefix} covers no host, so the drop would show nowhere", field="fault.params.prefix"
            )

    @property
    def interface(self) -> str:
        assert self.target.interface is not None
        return self.target.interface

    @property
    def direction(self) -> str:
        assert isinstance(self.params, AclParams)
        return self.params.direction

    @property
    def prefix(self) -> str:
        assert isinstance(self.params, AclParams)
        if self.params.prefix:
            return self.params.prefix
        pick = (hosts_near if self.direction == "in" else hosts_behind)(
            self.topology, self.target.device, self.interface
        )
        subnet = self.topology.device(pick[0]).subnet
        assert subnet is not None
        return subnet

    @property
    def chain(self) -> str:
        return f"{'ingress' if self.direction == 'in' else 'egress'}_{self.interface}"

    def ground_truth(self) -> GroundTruth:
        return GroundTruth(fault_type=self.name, device=self.target.device, interface=self.interface)

    def inject(self, lab: Lab) -> None:
        if "nftables" not in host_capabilities():
            from ..errors import CapabilityError

            raise CapabilityError("acl_misconfig needs nftables with netdev hooks")
        hook = "ingress" if self.direction == "in" else "egress"
        nft_delete_table(lab, self.target.device, "netdev", _TABLE)
        nft_apply(
            lab,
            self.target.device,
            (
                f"table netdev {_TABLE} {{\n"
                f"  chain {self.chain} {{\n"
                f'    type filter hook {hook} device "{self.interface}" priority 0; policy accept;\n'
                f"    ip daddr {self.prefix} counter drop\n"
                "  }\n}\n"
            ),
        )

    def clear(self, lab: Lab) -> None:
        nft_delete_table(lab, self.target.device, "netdev", _TABLE)

    def _counter(self, lab: Lab) -> int | None:
        res = run(lab, self.target.device, ["nft", "-j", "list", "table", "netdev", _TABLE], check=False)
        if not res.ok:
            return None
        for item in json.loads(res.stdout or "{}").get("nftables", []):
            for e in (item.get("rule") or {}).get("expr", []):
                if "counter" in e:
                    return int(e["counter"]["packets"])
        return None

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        victims = hosts_in(self.topology, self.prefix)
        pairs = {
            p
            for p in pairs_crossing(self.topology, self.target.device, self.interface)
            if p[1] in {v.name for v in victims}
        }
        if not f.mesh(mesh_symptoms(store, window, pairs), loss=True) and victims:
            probe = port_flow_probe(
                lab, self.topology, self.target.device, self.interface, self.direction, victims[0]
            )
            f.add(probe.describe(), data_plane=probe.lost > 0)
        count = self._counter(lab)
        f.add(
            f"{self.target.device} nft netdev {_TABLE} {self.chain}: "
            + ("no such rule" if count is None else f"drop counter {count} packets"),
            state=bool(count),
        )
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
