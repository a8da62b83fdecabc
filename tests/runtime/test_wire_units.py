"""The wire's plan (names, batches, capacities) without a lab."""

from __future__ import annotations

from pytest_netopsbench.runtime.netns._wire import ACCESS_MBIT, CAPACITY_MBIT, Wire, wire_namespace
from pytest_netopsbench.topology import build_topology


def test_every_link_end_gets_its_own_wire_port_and_each_link_its_own_bridge() -> None:
    topo = build_topology("s")
    wire = Wire(topo, "lab1")
    assert wire.ns == wire_namespace("lab1") == "lab1-wire"
    ports = {wire.port(e.device, e.interface) for link in topo.links for e in link.ends()}
    assert len(ports) == 2 * len(topo.links)
    assert all(len(p) <= 15 for p in ports)  # kernel interface-name limit
    for link in topo.links:
        a, b = link.a, link.b
        assert wire.bridge(a.device, a.interface) == wire.bridge(b.device, b.interface)
        assert wire.far_port(a.device, a.interface) == wire.port(b.device, b.interface)
    slots = {wire.slot(e.device, e.interface) for link in topo.links for e in link.ends()}
    assert len(slots) == len(ports)


def test_batches_name_no_device_and_cap_every_port() -> None:
    topo = build_topology("xs")
    wire = Wire(topo, "lab1")
    root = "\n".join(wire.root_lines(lambda d: f"lab1-{d}"))
    # each device port's veth peer is created straight in the wire namespace
    for link in topo.links:
        for e in link.ends():
            assert f"link add name {e.interface} netns lab1-{e.device} type veth" in root
    inner = wire.batch() + wire.tc_batch()
    assert not any(d.name in inner for d in topo.devices)
    assert wire.tc_batch().count("tbf rate") == 2 * len(topo.links)
    fabric = next(link for link in topo.links if link.kind == "fabric")
    access = next(link for link in topo.links if link.kind == "access")
    up, down = (fabric.a, fabric.b) if fabric.a.device.startswith("leaf") else (fabric.b, fabric.a)
    assert wire.capacity(up.device, up.interface) == CAPACITY_MBIT["xs"]  # leaf -> spine
    assert wire.capacity(down.device, down.interface) == round(1.5 * CAPACITY_MBIT["xs"])
    host = next(e for e in access.ends() if e.device.startswith("h"))
    leaf = next(e for e in access.ends() if e is not host)
    # a host sends faster than its leaf's uplinks together; toward the host runs at the fabric figure
    assert wire.capacity(host.device, host.interface) == ACCESS_MBIT["xs"]
    assert wire.capacity(leaf.device, leaf.interface) == round(1.5 * CAPACITY_MBIT["xs"])
    assert "net.bridge.bridge-nf-call-iptables=1" in wire.sysctls()
