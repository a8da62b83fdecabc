"""Generate a containerlab topology (plus per-switch FRR files) from a ``Topology``.

Data interfaces keep the topology's names (``eth1``...): containerlab reserves ``eth0`` for its
management network, which is why hosts use ``eth1`` in every backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ...topology import Device, Role, Topology
from .._frr import bgpd_conf

__all__ = [
    "DEFAULT_FRR_IMAGE",
    "DEFAULT_HOST_IMAGE",
    "daemons_file",
    "frr_conf",
    "topology_dict",
    "write_lab_files",
]

DEFAULT_FRR_IMAGE = "quay.io/frrouting/frr:10.2.1"
DEFAULT_HOST_IMAGE = "alpine:3.20"

_SWITCH_SYSCTLS: dict[str, str | int] = {
    "net.ipv4.ip_forward": 1,
    "net.ipv4.fib_multipath_hash_policy": 1,
    "net.ipv4.conf.all.rp_filter": 0,
    "net.ipv4.conf.default.rp_filter": 0,
    "net.ipv4.icmp_ratelimit": 0,
}
_HOST_SYSCTLS: dict[str, str | int] = {"net.ipv4.icmp_ratelimit": 0}


def frr_conf(topo: Topology, dev: Device) -> str:
    """One integrated frr.conf: interfaces carry their addresses (no kernel pre-config in containers)."""
    lines = [
        f"hostname {dev.name}",
        "log timestamp precision 3",
        "log stdout informational",
        "no zebra nexthop kernel enable",
        "!",
    ]
    if dev.loopback:
        lines += ["interface lo", f" ip address {dev.loopback}", "exit", "!"]
    for itf in dev.interfaces:
        lines += [
            f"interface {itf.name}",
            f" description {itf.peer_device} {itf.peer_interface}",
            f" ip address {itf.address}",
            "exit",
            "!",
        ]
    bgp = bgpd_conf(topo, dev).splitlines()
    lines += bgp[bgp.index(next(x for x in bgp if x.startswith("router bgp"))) :]
    return "\n".join(lines) + "\n"


def daemons_file() -> str:
    return (
        "\n".join(
            [
                "bgpd=yes",
                "staticd=yes",
                "vtysh_enable=yes",
                'zebra_options="  -A 127.0.0.1 -s 90000000"',
                'bgpd_options="   -A 127.0.0.1"',
                'staticd_options="-A 127.0.0.1"',
            ]
        )
        + "\n"
    )


def _host_exec(dev: Device) -> list[str]:
    itf = dev.interfaces[0]
    return [
        f"ip addr add {itf.address} dev {itf.name}",
        f"ip link set {itf.name} up",
        f"ip route replace default via {dev.gateway} dev {itf.name}",
    ]


def topology_dict(
    topo: Topology,
    *,
    name: str,
    conf_dir: Path,
    frr_image: str = DEFAULT_FRR_IMAGE,
    host_image: str = DEFAULT_HOST_IMAGE,
) -> dict[str, Any]:
    """The clab YAML document as a dict (validated in tests against containerlab's JSON schema)."""
    nodes: dict[str, Any] = {}
    for dev in topo.devices:
        if dev.role is Role.HOST:
            nodes[dev.name] = {
                "kind": "linux",
                "image": host_image,
                "sysctls": dict(_HOST_SYSCTLS),
                "exec": _host_exec(dev),
                "labels": {"role": "host"},
            }
            continue
        d = conf_dir / dev.name
        nodes[dev.name] = {
            "kind": "linux",
            "image": frr_image,
            "sysctls": dict(_SWITCH_SYSCTLS),
            "binds": [
                f"{d / 'frr.conf'}:/etc/frr/frr.conf",
                f"{conf_dir / 'daemons'}:/etc/frr/daemons",
                f"{d / 'vtysh.conf'}:/etc/frr/vtysh.conf",
            ],
            "labels": {"role": dev.role.value},
        }
    links = [
        {"endpoints": [f"{ln.a.device}:{ln.a.interface}", f"{ln.b.device}:{ln.b.interface}"]}
        for ln in topo.links
    ]
    return {"name": name, "topology": {"nodes": nodes, "links": links}}


def write_lab_files(
    topo: Topology,
    *,
    name: str,
    run_dir: Path,
    frr_image: str = DEFAULT_FRR_IMAGE,
    host_image: str = DEFAULT_HOST_IMAGE,
) -> Path:
    """Write ``<run_dir>/<name>.clab.yml`` and the FRR files it binds; returns the topology file."""
    conf_dir = run_dir / "configs"
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "daemons").write_text(daemons_file())
    for dev in topo.switches:
        (conf_dir / dev.name).mkdir(exist_ok=True)
        (conf_dir / dev.name / "frr.conf").write_text(frr_conf(topo, dev))
        (conf_dir / dev.name / "vtysh.conf").write_text("service integrated-vtysh-config\n")
    doc = topology_dict(topo, name=name, conf_dir=conf_dir, frr_image=frr_image, host_image=host_image)
    path = run_dir / f"{name}.clab.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
