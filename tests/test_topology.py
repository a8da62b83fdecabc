"""Topology generation: device counts, wiring, link map and collision-free addressing at every scale."""

from __future__ import annotations

import ipaddress
from collections import Counter

import pytest

from pytest_netopsbench.topology import SCALES, Role, build_topology, normalize_scale

ALL_SCALES = list(SCALES)
BENCH_RANGE = ipaddress.IPv4Network("198.18.0.0/15")


@pytest.mark.parametrize(
    ("scale", "counts"),
    [
        ("xs", (2, 2, 2)),
        ("s", (2, 4, 8)),
        ("m", (4, 8, 16)),
        ("l", (4, 16, 64)),
        ("xl", (8, 32, 128)),
    ],
)
def test_device_counts_match_netopsbench(scale: str, counts: tuple[int, int, int]) -> None:
    topo = build_topology(scale)
    assert (len(topo.spines), len(topo.leaves), len(topo.hosts)) == counts


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("small", "s"), ("medium", "m"), ("large", "l"), (" XS ", "xs")],
)
def test_aliases(alias: str, canonical: str) -> None:
    assert normalize_scale(alias) == canonical
    assert build_topology(alias).scale == canonical


def test_unknown_scale_names_accepted_values() -> None:
    with pytest.raises(ValueError, match=r"unknown scale 'huge'.*xs, s, m, l, xl"):
        build_topology("huge")


@pytest.mark.parametrize("scale", ALL_SCALES)
def test_wiring_is_a_full_leaf_spine_with_single_homed_hosts(scale: str) -> None:
    topo = build_topology(scale)
    for leaf in topo.leaves:
        uplinks = {i.peer_device for i in leaf.interfaces if i.kind == "uplink"}
        assert uplinks == {s.name for s in topo.spines}
    for spine in topo.spines:
        assert {i.peer_device for i in spine.interfaces} == {leaf.name for leaf in topo.leaves}
    for host in topo.hosts:
        assert len(host.interfaces) == 1 and host.interfaces[0].name == "eth1"
        assert host.leaf == host.interfaces[0].peer_device
        assert topo.device(host.leaf).role is Role.LEAF
    per_leaf = Counter(h.leaf for h in topo.hosts)
    assert set(per_leaf.values()) == {len(topo.hosts) // len(topo.leaves)}


@pytest.mark.parametrize("scale", ALL_SCALES)
def test_interface_names_are_contiguous_per_device(scale: str) -> None:
    for dev in build_topology(scale).switches:
        assert [i.name for i in dev.interfaces] == [f"eth{n}" for n in range(1, len(dev.interfaces) + 1)]


@pytest.mark.parametrize("scale", ALL_SCALES)
def test_link_map_records_both_ends_consistently(scale: str) -> None:
    topo = build_topology(scale)
    for link in topo.links:
        a_itf = topo.device(link.a.device).interface(link.a.interface)
        b_itf = topo.device(link.b.device).interface(link.b.interface)
        assert (a_itf.peer_device, a_itf.peer_interface) == (link.b.device, link.b.interface)
        assert (b_itf.peer_device, b_itf.peer_interface) == (link.a.device, link.a.interface)
        assert (a_itf.address, b_itf.address) == (link.a.address, link.b.address)
        assert a_itf.network == b_itf.network == link.network
        assert topo.peer_of(link.a.device, link.a.interface) == link.b
        assert topo.peer_of(link.b.device, link.b.interface) == link.a
    # every interface of every device is on exactly one link
    ends = Counter((e.device, e.interface) for link in topo.links for e in link.ends())
    assert set(ends.values()) == {1}
    assert len(ends) == sum(len(d.interfaces) for d in topo.devices)


@pytest.mark.parametrize("scale", ALL_SCALES)
def test_addressing_has_no_duplicates_and_stays_in_the_benchmark_range(scale: str) -> None:
    topo = build_topology(scale)
    prefixes = [ipaddress.ip_network(link.network) for link in topo.links]
    prefixes += [ipaddress.ip_network(d.loopback) for d in topo.switches if d.loopback]
    dupes = [p for p, n in Counter(prefixes).items() if n > 1]
    assert not dupes, f"{scale}: duplicated prefixes {dupes}"
    for i, p in enumerate(prefixes):
        assert isinstance(p, ipaddress.IPv4Network) and p.subnet_of(BENCH_RANGE), p
        overlapping = [q for q in prefixes[i + 1 :] if p.overlaps(q)]
        assert not overlapping, f"{scale}: {p} overlaps {overlapping}"
    addresses = [i.ip for d in topo.devices for i in d.interfaces]
    addresses += [d.loopback.split("/")[0] for d in topo.switches if d.loopback]
    assert len(addresses) == len(set(addresses))
    fabric = [link for link in topo.links if link.kind == "fabric"]
    assert all(ipaddress.ip_network(link.network).prefixlen == 31 for link in fabric)


@pytest.mark.parametrize("scale", ALL_SCALES)
def test_asns_spines_share_one_leaves_unique(scale: str) -> None:
    topo = build_topology(scale)
    assert {s.asn for s in topo.spines} == {topo.spine_asn}
    leaf_asns = [leaf.asn for leaf in topo.leaves]
    assert len(set(leaf_asns)) == len(leaf_asns) and topo.spine_asn not in leaf_asns


def test_generation_is_deterministic() -> None:
    assert build_topology("l") == build_topology("large")
    assert build_topology("m").model_dump_json() == build_topology("m").model_dump_json()


def test_host_lookup_by_ip() -> None:
    topo = build_topology("s")
    h5 = topo.device("h5")
    assert topo.host_by_ip(h5.host_ip) == h5
    assert topo.host_by_ip("192.0.2.1") is None
