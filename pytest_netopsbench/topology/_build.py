"""Deterministic leaf-spine topologies for each scale, addressed from 198.18.0.0/15.

Address plan (RFC 2544's benchmarking range, so nothing in a lab can collide with a real network):

- loopbacks: spines 198.18.0.J/32, leaves 198.18.1.I/32
- fabric /31s: 198.18.8.0/21, link k = (I-1)*S + (J-1); the spine takes the even address
- host subnets: 198.19.G.0/24 per host (G = 1..128), leaf gateway .1, host .10

Interfaces: leaf uplink ethJ goes to spine J, leaf downlinks follow (eth{S+k}); spine ethI goes to
leaf I; a host's only NIC is eth1 (eth0 is left free for a container runtime's management port).
"""

from __future__ import annotations

import ipaddress

from ._model import SCALES, Device, Interface, Link, LinkEnd, Role, Topology

__all__ = ["SCALE_ALIASES", "build_topology", "normalize_scale"]

SPINE_ASN = 65000
LEAF_ASN_BASE = 65100
_FABRIC_BASE = ipaddress.IPv4Address("198.18.8.0")
_FABRIC_LIMIT = ipaddress.IPv4Network("198.18.8.0/21")

SCALE_ALIASES = {"small": "s", "medium": "m", "large": "l", "xsmall": "xs", "xlarge": "xl"}


def normalize_scale(scale: str) -> str:
    """Canonical scale name; raises ValueError naming the accepted values."""
    key = str(scale).strip().lower()
    key = SCALE_ALIASES.get(key, key)
    if key not in SCALES:
        accepted = ", ".join([*SCALES, *SCALE_ALIASES])
        raise ValueError(f"unknown scale {scale!r}; expected one of: {accepted}")
    return key


def build_topology(scale: str) -> Topology:
    key = normalize_scale(scale)
    spec = SCALES[key]
    S, L, H = spec.spines, spec.leaves, spec.hosts
    if H % L:
        raise ValueError(f"scale {key}: {H} hosts do not spread evenly over {L} leaves")
    per_leaf = H // L
    ifaces: dict[str, list[Interface]] = {}
    links: list[Link] = []

    def add(dev: str, itf: Interface) -> None:
        ifaces.setdefault(dev, []).append(itf)

    for i in range(1, L + 1):
        for j in range(1, S + 1):
            k = (i - 1) * S + (j - 1)
            spine_ip = _FABRIC_BASE + 2 * k
            leaf_ip = spine_ip + 1
            if leaf_ip not in _FABRIC_LIMIT:
                raise ValueError(f"scale {key} needs more fabric links than 198.18.8.0/21 holds")
            spine, leaf = f"spine{j}", f"leaf{i}"
            s_if, l_if = f"eth{i}", f"eth{j}"
            add(
                spine,
                Interface(
                    name=s_if,
                    address=f"{spine_ip}/31",
                    peer_device=leaf,
                    peer_interface=l_if,
                    kind="downlink",
                ),
            )
            add(
                leaf,
                Interface(
                    name=l_if, address=f"{leaf_ip}/31", peer_device=spine, peer_interface=s_if, kind="uplink"
                ),
            )
            links.append(
                Link(
                    a=LinkEnd(device=leaf, interface=l_if, address=f"{leaf_ip}/31"),
                    b=LinkEnd(device=spine, interface=s_if, address=f"{spine_ip}/31"),
                    kind="fabric",
                    network=f"{spine_ip}/31",
                )
            )

    hosts: list[Device] = []
    for g in range(1, H + 1):
        leaf_index = (g - 1) // per_leaf + 1
        slot = (g - 1) % per_leaf + 1
        leaf = f"leaf{leaf_index}"
        net = ipaddress.IPv4Network(f"198.19.{g}.0/24")
        gw, hip = net.network_address + 1, net.network_address + 10
        leaf_if = f"eth{S + slot}"
        add(
            leaf,
            Interface(
                name=leaf_if, address=f"{gw}/24", peer_device=f"h{g}", peer_interface="eth1", kind="downlink"
            ),
        )
        host_if = Interface(
            name="eth1", address=f"{hip}/24", peer_device=leaf, peer_interface=leaf_if, kind="host"
        )
        hosts.append(
            Device(
                name=f"h{g}",
                role=Role.HOST,
                subnet=str(net),
                gateway=str(gw),
                leaf=leaf,
                interfaces=(host_if,),
            )
        )
        links.append(
            Link(
                a=LinkEnd(device=leaf, interface=leaf_if, address=f"{gw}/24"),
                b=LinkEnd(device=f"h{g}", interface="eth1", address=f"{hip}/24"),
                kind="access",
                network=str(net),
            )
        )

    def ordered(dev: str) -> tuple[Interface, ...]:
        return tuple(sorted(ifaces.get(dev, []), key=lambda x: int(x.name[3:])))

    devices: list[Device] = [
        Device(
            name=f"spine{j}",
            role=Role.SPINE,
            asn=SPINE_ASN,
            loopback=f"198.18.0.{j}/32",
            interfaces=ordered(f"spine{j}"),
        )
        for j in range(1, S + 1)
    ]
    devices += [
        Device(
            name=f"leaf{i}",
            role=Role.LEAF,
            asn=LEAF_ASN_BASE + i,
            loopback=f"198.18.1.{i}/32",
            interfaces=ordered(f"leaf{i}"),
        )
        for i in range(1, L + 1)
    ]
    devices += hosts
    return Topology(scale=key, spine_asn=SPINE_ASN, devices=tuple(devices), links=tuple(links))
