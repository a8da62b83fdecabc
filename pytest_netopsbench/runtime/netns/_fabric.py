"""Namespaces, veth pairs and addressing for a netns lab, batched so an m fabric builds in < 1 s."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from ...errors import LabError
from ...topology import Device, Role, Topology
from .._proc import netns_inode, run
from ._wire import Wire

__all__ = ["build_fabric", "delete_namespaces"]

_SWITCH_SYSCTLS = (
    "net.ipv4.ip_forward=1",
    # Hash on the 5-tuple (src/dst address, protocol, src/dst port) so probes with different source
    # ports spread over every spine. Policy 3 with these fields rather than policy 1: policy 1 takes
    # a hash the sending host's socket already put on the packet (random per connection, and it
    # survives veths), so a flow's path could not be predicted from its 5-tuple as on a real switch.
    "net.ipv4.fib_multipath_hash_fields=0x0037",
    "net.ipv4.fib_multipath_hash_policy=3",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
)
_COMMON_SYSCTLS = (
    # The ping mesh and traceroute must never be throttled by ICMP rate limits.
    "net.ipv4.icmp_ratelimit=0",
    "net.ipv4.icmp_msgs_per_sec=100000",
    # IPv4-only fabric: no RA/ND/MLD chatter in counters and no link-local surprises.
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
)


def _root_batch(topo: Topology, ns: Callable[[str], str], wire: Wire) -> str:
    lines = [f"netns add {ns(d.name)}" for d in topo.devices]
    # Every veth is created with both ends directly in their namespaces (a device and the wire):
    # nothing ever exists in the root ns.
    lines += wire.root_lines(ns)
    return "\n".join(lines) + "\n"


def _sysctls(dev: Device) -> tuple[str, ...]:
    return (_SWITCH_SYSCTLS if dev.is_switch else ()) + _COMMON_SYSCTLS


def _device_batch(dev: Device) -> str:
    lines = ["link set lo up"]
    if dev.loopback:
        lines.append(f"addr add {dev.loopback} dev lo")
    for itf in dev.interfaces:
        # gso_max_segs 1: a port counts the frames that cross the wire, as a real NIC does. A veth
        # counts a TCP super-frame once and the wire's capacity shaper splits it into MTU frames,
        # so TX at one end and RX at the other would disagree on a healthy link.
        lines += [
            f"addr add {itf.address} dev {itf.name}",
            f"link set {itf.name} gso_max_segs 1",
            f"link set {itf.name} up",
        ]
    if dev.role is Role.HOST and dev.gateway:
        lines.append(f"route add default via {dev.gateway} dev {dev.interfaces[0].name}")
    return "\n".join(lines) + "\n"


def build_fabric(topo: Topology, ns: Callable[[str], str], wire: Wire) -> None:
    res = run(["ip", "-batch", "-"], input=_root_batch(topo, ns, wire), timeout=60)
    if not res.ok:
        raise LabError(f"creating namespaces and links failed: {res.stderr.strip()}", step="namespaces")
    # One process per device, all in parallel: sysctls first (interfaces are still down, so the
    # IPv6 switch-off lands before any link could send a packet), then the address batch.
    procs = {
        d.name: subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                ns(d.name),
                "sh",
                "-c",
                'sysctl -q -w "$@" && exec ip -batch -',
                "sh",
                *_sysctls(d),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in topo.devices
    }
    # The wire (bridges, then capacities) is configured by one more process, alongside the devices'.
    wire_proc = subprocess.Popen(
        wire.build_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "WIRE_TC": wire.tc_batch()},
    )
    for name, proc in [*procs.items(), ("", wire_proc)]:
        assert proc.stdin is not None
        proc.stdin.write(wire.batch() if proc is wire_proc else _device_batch(topo.device(name)))
        proc.stdin.close()
    failed: list[tuple[str, str]] = []
    for name, proc in [("", wire_proc), *procs.items()]:
        assert proc.stderr is not None
        proc.wait(timeout=60)
        err = proc.stderr.read()
        proc.stderr.close()
        if proc.returncode != 0:
            failed.append((name, err.strip()))
    if failed and not failed[0][0]:
        raise LabError(f"building the wire failed: {failed[0][1][:300]}", step="wire")
    if failed:
        name, err = failed[0]
        raise LabError(f"sysctls or addressing failed: {err}", step="addresses", device=name)


def delete_namespaces(namespaces: list[str]) -> list[str]:
    """Delete the given namespaces (missing ones are fine); returns those that still exist."""
    present = [n for n in namespaces if netns_inode(n) is not None]
    if present:
        run(["ip", "-force", "-batch", "-"], input="".join(f"netns del {n}\n" for n in present), timeout=60)
    return [n for n in present if netns_inode(n) is not None]
