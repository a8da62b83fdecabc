"""Route policy misconfiguration on a leaf: a withdrawn ``network`` statement, or an outbound
prefix-list that denies one of the leaf's own prefixes. Either way the rest of the fabric loses
the route while the leaf itself looks fine."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from ..runtime import Lab
from ..topology import Device, Role, Topology
from ._base import FaultTarget, TargetError, TargetKind, Verification
from ._common import SwitchFault
from ._evidence import Findings, hosts_in, mesh_symptoms, pairs_toward
from ._naming import prefix_list_name
from ._ops import frr_config_lines, ping, vtysh_config, vtysh_json
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["RoutePolicyMisconfig"]

_KINDS = {
    "network_statement_missing": "network_withdrawn",
    "withdrawn_network": "network_withdrawn",
    "route_map_deny_prefix": "prefix_list_deny",
    "prefix_deny": "prefix_list_deny",
    "route_map_deny": "prefix_list_deny",
}


class PolicyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["network_withdrawn", "prefix_list_deny"] = "network_withdrawn"

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> Any:
        return _KINDS.get(str(v).strip().lower().replace("-", "_"), v) if isinstance(v, str) else v


def _originated(topo: Topology, leaf: Device) -> list[str]:
    nets = [h.subnet for h in topo.hosts if h.leaf == leaf.name and h.subnet]
    return nets + ([leaf.loopback] if leaf.loopback else [])


@register
class RoutePolicyMisconfig(SwitchFault):
    name = "route_policy_misconfig"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG)
    localizing = channels(C.BGP_CONFIG)
    category = "routing"
    aliases = ("route_policy_misconfiguration",)
    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.PREFIX,)
    Params = PolicyParams
    description = (
        "A leaf stops advertising one of its prefixes: the network statement was removed, or "
        "an outbound prefix-list denies it."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._network_line: str | None = None

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        leaf = topology.device(target.device)
        if leaf.role is not Role.LEAF:
            raise TargetError(
                f"{target.device} is a {leaf.role}; route_policy_misconfig targets a leaf "
                "(the switch that originates host prefixes)",
                field="fault.target.device",
            )
        if target.prefix:
            mine = _originated(topology, leaf)
            if str(ipaddress.ip_network(target.prefix, strict=False)) not in mine:
                raise TargetError(
                    f"{target.device} does not originate {target.prefix} (it originates {', '.join(mine)})",
                    field="fault.target.prefix",
                )

    @property
    def prefix(self) -> str:
        if self.target.prefix:
            return str(ipaddress.ip_network(self.target.prefix, strict=False))
        return _originated(self.topology, self.topology.device(self.target.device))[0]

    @property
    def kind(self) -> str:
        assert isinstance(self.params, PolicyParams)
        return self.params.kind

    def _router(self) -> list[str]:
        return [f"router bgp {self.topology.device(self.target.device).asn}", "address-family ipv4 unicast"]

    def _export_targets(self, lines: list[str]) -> list[str]:
        """Where an export filter attaches: the peer-group(s) if the fabric uses them, else each peer."""
        groups = sorted(
            {
                ln.split()[3]
                for ln in lines
                if ln.startswith("neighbor ") and " peer-group " in ln and len(ln.split()) == 4
            }
        )
        if groups:
            return groups
        return sorted({ln.split()[1] for ln in lines if ln.startswith("neighbor ") and " remote-as " in ln})

    def _plist(self) -> str:
        return prefix_list_name("FABRIC")

    def inject(self, lab: Lab) -> None:
        dev = self.target.device
        lines = [ln.strip() for ln in frr_config_lines(lab, dev)]
        if self.kind == "network_withdrawn":
            found = [ln for ln in lines if ln.split()[:2] == ["network", self.prefix]]
            if not found:
                return  # already withdrawn
            self._network_line = found[0]
            vtysh_config(lab, dev, [*self._router(), f"no {found[0]}"])
            return
        pl = self._plist()
        vtysh_config(
            lab,
            dev,
            [
                f"ip prefix-list {pl} seq 5 deny {self.prefix}",
                f"ip prefix-list {pl} seq 10 permit 0.0.0.0/0 le 32",
                *self._router(),
                *[f"neighbor {t} prefix-list {pl} out" for t in self._export_targets(lines)],
            ],
        )

    def clear(self, lab: Lab) -> None:
        dev = self.target.device
        lines = [ln.strip() for ln in frr_config_lines(lab, dev)]
        if self.kind == "network_withdrawn":
            if not any(ln.split()[:2] == ["network", self.prefix] for ln in lines):
                vtysh_config(lab, dev, [*self._router(), self._network_line or f"network {self.prefix}"])
            return
        pl = self._plist()
        attached = [ln for ln in lines if ln.startswith("neighbor ") and f" prefix-list {pl} out" in ln]
        if attached:
            vtysh_config(lab, dev, [*self._router(), *[f"no {ln}" for ln in attached]])
        if any(ln.startswith(f"ip prefix-list {pl} ") for ln in lines):
            vtysh_config(lab, dev, [f"no ip prefix-list {pl}"])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        others = [d for d in self.topology.switches if d.name != self.target.device]
        missing = []
        for d in others:
            data = vtysh_json(lab, d.name, f"show bgp ipv4 unicast {self.prefix} json")
            if not (isinstance(data, dict) and data.get("paths")):
                missing.append(d.name)
        f.add(
            f"BGP route {self.prefix} missing on {', '.join(missing) or 'no switch'} "
            f"(of {len(others)} other switches)",
            state=len(missing) == len(others),
        )
        victims = hosts_in(self.topology, self.prefix)
        if victims:
            pairs = pairs_toward(
                self.topology,
                [v.name for v in victims],
                [h.name for h in self.topology.hosts if h.leaf != self.target.device],
            )
            if not f.mesh(mesh_symptoms(store, window, pairs), loss=True):
                remote = [h for h in self.topology.hosts if h.leaf != self.target.device]
                if remote:
                    probe = ping(lab, remote[0].name, victims[0].host_ip, count=10, interval=0.02, wait=0.5)
                    f.add(probe.describe(), data_plane=probe.loss_pct > 0)
        else:
            f.data_plane = f.state  # a loopback: only the control plane can show it
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
