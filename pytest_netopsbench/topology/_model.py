"""The shape of a lab: devices, interfaces, links and addressing, as typed data."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SCALES", "Device", "Interface", "Link", "LinkEnd", "Role", "Scale", "ScaleSpec", "Topology"]

Scale = Literal["xs", "s", "m", "l", "xl"]


class Role(StrEnum):
    SPINE = "spine"
    LEAF = "leaf"
    HOST = "host"


class ScaleSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    spines: int
    leaves: int
    hosts: int


# Device counts match NetOpsBench's xs/small/medium/large so published numbers compare;
# xl is ours (NetOpsBench's addressing collides well before it).
SCALES: dict[str, ScaleSpec] = {
    "xs": ScaleSpec(spines=2, leaves=2, hosts=2),
    "s": ScaleSpec(spines=2, leaves=4, hosts=8),
    "m": ScaleSpec(spines=4, leaves=8, hosts=16),
    "l": ScaleSpec(spines=4, leaves=16, hosts=64),
    "xl": ScaleSpec(spines=8, leaves=32, hosts=128),
}


class Interface(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    address: str = Field(description="address with prefix length, e.g. 198.18.8.1/31")
    peer_device: str
    peer_interface: str
    kind: Literal["uplink", "downlink", "host"] = Field(
        description="uplink: leaf->spine; downlink: spine->leaf or leaf->host; host: a host's NIC"
    )

    @property
    def ip(self) -> str:
        return self.address.split("/")[0]

    @property
    def network(self) -> str:
        return str(ipaddress.ip_interface(self.address).network)


class Device(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    role: Role
    asn: int | None = None
    loopback: str | None = Field(default=None, description="router id / loopback /32 (switches)")
    subnet: str | None = Field(default=None, description="the host's own subnet (hosts)")
    gateway: str | None = Field(default=None, description="the host's default gateway (hosts)")
    leaf: str | None = Field(default=None, description="the leaf a host hangs off (hosts)")
    interfaces: tuple[Interface, ...] = ()

    @property
    def is_switch(self) -> bool:
        return self.role is not Role.HOST

    def interface(self, name: str) -> Interface:
        for itf in self.interfaces:
            if itf.name == name:
                return itf
        raise KeyError(f"{self.name} has no interface {name!r}")

    @property
    def host_ip(self) -> str:
        if self.role is not Role.HOST or not self.interfaces:
            raise ValueError(f"{self.name} is not a host")
        return self.interfaces[0].ip


class LinkEnd(BaseModel):
    model_config = ConfigDict(frozen=True)
    device: str
    interface: str
    address: str


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)
    a: LinkEnd
    b: LinkEnd
    kind: Literal["fabric", "access"]
    network: str

    def ends(self) -> tuple[LinkEnd, LinkEnd]:
        return (self.a, self.b)


class Topology(BaseModel):
    """A two-tier leaf-spine Clos with single-homed hosts, fully addressed."""

    model_config = ConfigDict(frozen=True)
    scale: str
    spine_asn: int
    devices: tuple[Device, ...]
    links: tuple[Link, ...]

    def device(self, name: str) -> Device:
        for dev in self.devices:
            if dev.name == name:
                return dev
        raise KeyError(f"no device {name!r} in the {self.scale} topology")

    def has_device(self, name: str) -> bool:
        return any(d.name == name for d in self.devices)

    def by_role(self, role: Role) -> list[Device]:
        return [d for d in self.devices if d.role is role]

    @property
    def spines(self) -> list[Device]:
        return self.by_role(Role.SPINE)

    @property
    def leaves(self) -> list[Device]:
        return self.by_role(Role.LEAF)

    @property
    def hosts(self) -> list[Device]:
        return self.by_role(Role.HOST)

    @property
    def switches(self) -> list[Device]:
        return [d for d in self.devices if d.is_switch]

    def link_of(self, device: str, interface: str) -> Link:
        for link in self.links:
            for end in link.ends():
                if end.device == device and end.interface == interface:
                    return link
        raise KeyError(f"{device}:{interface} is on no link")

    def peer_of(self, device: str, interface: str) -> LinkEnd:
        """The other end of the link on ``device:interface`` (so a scorer can treat both as one place)."""
        link = self.link_of(device, interface)
        return link.b if (link.a.device, link.a.interface) == (device, interface) else link.a

    def host_by_ip(self, ip: str) -> Device | None:
        for host in self.hosts:
            if host.host_ip == ip:
                return host
        return None

    def summary(self) -> dict[str, int]:
        return {
            "spines": len(self.spines),
            "leaves": len(self.leaves),
            "hosts": len(self.hosts),
            "links": len(self.links),
        }
