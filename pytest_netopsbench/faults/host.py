"""Host-side faults: a server with the wrong default gateway, the wrong netmask, or another server's
address. The fabric is healthy; only the host's own IP configuration is wrong."""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..runtime import Lab
from ..topology import Device, Topology
from ._base import Fault, FaultTarget, GroundTruth, Location, TargetError, TargetKind, Verification
from ._evidence import Findings, mesh_symptoms, pairs_toward
from ._ops import PingResult, ping, run
from ._visibility import REACH, channels
from ._visibility import Channel as C
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["HostDuplicateAddress", "HostWrongGateway", "HostWrongNetmask"]


def _addresses(lab: Lab, host: str, itf: str) -> list[str]:
    """``a.b.c.d/len`` IPv4 addresses on a host's NIC, as ``ip addr`` shows them."""
    res = run(lab, host, ["ip", "-j", "-4", "addr", "show", "dev", itf], check=False)
    try:
        data = json.loads(res.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return [f"{a['local']}/{a['prefixlen']}" for d in data for a in d.get("addr_info", [])]


def _default_gateways(lab: Lab, host: str) -> list[str]:
    res = run(lab, host, ["ip", "-j", "route", "show", "default"], check=False)
    try:
        return [str(r.get("gateway")) for r in json.loads(res.stdout or "[]")]
    except json.JSONDecodeError:
        return []


class _HostFault(Fault):
    """A fault on one host's IP configuration; the host is where a correct diagnosis points."""

    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.DEVICE,)
    category = "host"

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        if topology.device(target.device).is_switch:
            raise TargetError(
                f"{target.device} is a switch; this fault targets a host's own configuration",
                field="fault.target.device",
            )

    @property
    def host(self) -> Device:
        return self.topology.device(self.target.device)

    @property
    def nic(self) -> str:
        return self.host.interfaces[0].name

    @property
    def address(self) -> str:
        return self.host.interfaces[0].address

    def ground_truth(self) -> GroundTruth:
        return GroundTruth(fault_type=self.name, device=self.target.device)

    def others(self) -> list[Device]:
        return [h for h in self.topology.hosts if h.name != self.host.name]

    def probe(self, lab: Lab, src: Device, dst: Device) -> PingResult:
        return ping(lab, src.name, dst.host_ip, count=5, interval=0.05, wait=0.5)

    def data_plane(
        self, lab: Lab, store: EvidenceStore | None, window: Window | None, f: Findings, toward: Device
    ) -> None:
        """Loss between this host and ``toward``, from the ping mesh or a ping of the operator's own."""
        pairs = pairs_toward(self.topology, [self.host.name], [toward.name])
        if not f.mesh(mesh_symptoms(store, window, pairs), loss=True):
            probe = self.probe(lab, toward, self.host)
            f.add(probe.describe(), data_plane=probe.loss_pct >= 60)


class GatewayParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gateway: str | None = Field(
        default=None, description="the wrong gateway; default: an unused address of the host's subnet"
    )

    @field_validator("gateway")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        if v is not None:
            ipaddress.IPv4Address(v)
        return v


@register
class HostWrongGateway(_HostFault):
    name = "host_wrong_gateway"
    visible = channels(REACH, C.ROUTES_RIB, C.DEVICE_CONFIG)
    localizing = channels(C.ROUTES_RIB, C.DEVICE_CONFIG)
    aliases = ("wrong_gateway", "wrong_default_gateway", "default_gateway_misconfig")
    Params = GatewayParams
    description = (
        "The host's default route points at an address nobody answers for: it reaches nothing off "
        "its own subnet (ARP for the gateway stays incomplete)."
    )

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        assert isinstance(params, GatewayParams)
        host = topology.device(target.device)
        if params.gateway is None:
            return
        if params.gateway == host.gateway:
            raise TargetError(
                f"{params.gateway} is {host.name}'s right gateway", field="fault.params.gateway"
            )
        if ipaddress.ip_address(params.gateway) not in ipaddress.ip_network(host.subnet or "0.0.0.0/32"):
            raise TargetError(
                f"{params.gateway} is outside {host.subnet}; the kernel would refuse it as a gateway",
                field="fault.params.gateway",
            )

    def wrong(self) -> str:
        assert isinstance(self.params, GatewayParams)
        if self.params.gateway:
            return self.params.gateway
        net = ipaddress.ip_network(self.host.subnet or self.address, strict=False)
        return str(net.broadcast_address - 1)

    def inject(self, lab: Lab) -> None:
        run(lab, self.host.name, ["ip", "route", "replace", "default", "via", self.wrong(), "dev", self.nic])

    def clear(self, lab: Lab) -> None:
        if _default_gateways(lab, self.host.name) != [self.host.gateway]:
            gw = str(self.host.gateway)
            run(lab, self.host.name, ["ip", "route", "replace", "default", "via", gw, "dev", self.nic])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        gws = _default_gateways(lab, self.host.name)
        f.add(
            f"{self.host.name} default via {gws or 'none'} (its leaf answers at {self.host.gateway})",
            state=bool(gws) and self.host.gateway not in gws,
        )
        remote = [h for h in self.others() if h.leaf != self.host.leaf] or self.others()
        if remote:
            self.data_plane(lab, store, window, f, remote[0])
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


class NetmaskParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefix_len: int = Field(default=16, ge=8, le=30, description="the wrong prefix length")


@register
class HostWrongNetmask(_HostFault):
    name = "host_wrong_netmask"
    visible = channels(REACH, C.ADDRESSES, C.ROUTES_RIB, C.DEVICE_CONFIG)
    localizing = channels(C.ADDRESSES)
    aliases = ("wrong_netmask", "wrong_subnet_mask", "netmask_misconfig")
    Params = NetmaskParams
    description = (
        "The host's address has the wrong prefix length: other hosts fall inside its 'subnet', so it "
        "ARPs for them on its own port instead of sending through the gateway."
    )

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        assert isinstance(params, NetmaskParams)
        host = topology.device(target.device)
        right = ipaddress.ip_interface(host.interfaces[0].address)
        wrong = ipaddress.ip_interface(f"{right.ip}/{params.prefix_len}").network
        if params.prefix_len == right.network.prefixlen:
            raise TargetError("that is the host's right prefix length", field="fault.params.prefix_len")
        others = [h for h in topology.hosts if h.name != host.name]
        swallows = any(ipaddress.ip_address(h.host_ip) in wrong for h in others)
        loses_gw = ipaddress.ip_address(host.gateway or "0.0.0.0") not in wrong
        if not (swallows or loses_gw):
            raise TargetError(
                f"/{params.prefix_len} neither covers another host nor excludes the gateway, "
                "so nothing would break",
                field="fault.params.prefix_len",
            )

    def wrong(self) -> str:
        assert isinstance(self.params, NetmaskParams)
        return f"{ipaddress.ip_interface(self.address).ip}/{self.params.prefix_len}"

    def _swap(self, lab: Lab, old: str, new: str) -> None:
        # One batch: the default route goes with the old address and must come back with the new one.
        batch = (
            f"addr del {old} dev {self.nic}\naddr add {new} dev {self.nic}\n"
            f"route replace default via {self.host.gateway} dev {self.nic}\n"
        )
        run(lab, self.host.name, ["ip", "-batch", "-"], input=batch)

    def inject(self, lab: Lab) -> None:
        self._swap(lab, self.address, self.wrong())

    def clear(self, lab: Lab) -> None:
        have = _addresses(lab, self.host.name, self.nic)
        if self.wrong() in have and self.address not in have:
            self._swap(lab, self.wrong(), self.address)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        have = _addresses(lab, self.host.name, self.nic)
        ip = self.address.split("/")[0]
        mine = [a for a in have if a.split("/")[0] == ip]
        f.add(
            f"{self.host.name} {self.nic}: {have or 'no address'} (addressed as {self.address})",
            state=bool(mine) and self.address not in mine,
        )
        net = ipaddress.ip_interface(mine[0]).network if mine else None
        swallowed = [h for h in self.others() if net is not None and ipaddress.ip_address(h.host_ip) in net]
        candidates = swallowed or self.others()
        if candidates:
            self.data_plane(lab, store, window, f, candidates[0])
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


class DuplicateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: str | None = Field(
        default=None, description="the host whose address is duplicated; default: the first other host"
    )


@register
class HostDuplicateAddress(_HostFault):
    name = "host_duplicate_address"
    visible = channels(REACH, C.ADDRESSES, C.ROUTES_RIB, C.DEVICE_CONFIG)
    localizing = channels(C.ADDRESSES)
    aliases = ("duplicate_ip", "duplicate_address", "ip_conflict", "ip_address_conflict")
    Params = DuplicateParams
    description = (
        "The host also carries another host's address (a copied config): it answers that address "
        "locally, so traffic between the two never crosses the fabric."
    )

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        assert isinstance(params, DuplicateParams)
        hosts = [h.name for h in topology.hosts if h.name != target.device]
        if not hosts:
            raise TargetError("the topology has no other host to clash with", field="fault.target.device")
        if params.owner is not None and params.owner not in hosts:
            raise TargetError(
                f"{params.owner} is not another host (hosts: {', '.join(hosts)})", field="fault.params.owner"
            )

    @property
    def owner(self) -> Device:
        assert isinstance(self.params, DuplicateParams)
        return self.topology.device(self.params.owner) if self.params.owner else self.others()[0]

    def ground_truth(self) -> GroundTruth:
        # Either host of the clashing pair is the place an operator fixes; the copy is the mistake.
        return GroundTruth(
            fault_type=self.name, device=self.target.device, equivalent=(Location(device=self.owner.name),)
        )

    def _dup(self) -> str:
        return self.owner.interfaces[0].address

    def inject(self, lab: Lab) -> None:
        run(lab, self.host.name, ["ip", "addr", "add", self._dup(), "dev", self.nic])

    def clear(self, lab: Lab) -> None:
        if self._dup() in _addresses(lab, self.host.name, self.nic):
            run(lab, self.host.name, ["ip", "addr", "del", self._dup(), "dev", self.nic])

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        have = _addresses(lab, self.host.name, self.nic)
        f.add(
            f"{self.host.name} {self.nic}: {have}; {self.owner.name} owns {self._dup()}",
            state=self._dup() in have,
        )
        self.data_plane(lab, store, window, f, self.owner)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
