"""Which host pairs a fault location affects (used by verify to read the ping mesh)."""

from __future__ import annotations

from pytest_netopsbench.faults._evidence import (
    hosts_behind,
    hosts_near,
    pairs_crossing,
    pairs_through_device,
    pairs_toward,
)
from pytest_netopsbench.topology import build_topology

S = build_topology("s")  # 2 spines, 4 leaves, 8 hosts (2 per leaf)


def test_leaf_uplink_carries_its_hosts_to_every_remote_host() -> None:
    assert hosts_near(S, "leaf1", "eth1") == ["h1", "h2"]
    assert hosts_behind(S, "leaf1", "eth1") == [f"h{i}" for i in range(3, 9)]
    pairs = pairs_crossing(S, "leaf1", "eth1")
    assert len(pairs) == 2 * 2 * 6 and ("h1", "h5") in pairs and ("h5", "h1") in pairs
    assert ("h1", "h2") not in pairs  # same-leaf traffic never goes up


def test_spine_downlink_and_access_port() -> None:
    assert hosts_behind(S, "spine2", "eth3") == ["h5", "h6"]
    assert set(hosts_near(S, "spine2", "eth3")) == {"h1", "h2", "h3", "h4", "h7", "h8"}
    access = pairs_crossing(S, "leaf1", "eth3")  # leaf1 eth3 -> h1
    assert all("h1" in p for p in access) and len(access) == 14


def test_device_and_prefix_pairs() -> None:
    spine = pairs_through_device(S, "spine1")
    assert ("h1", "h2") not in spine and ("h1", "h3") in spine and len(spine) == 56 - 8
    leaf = pairs_through_device(S, "leaf2")
    assert ("h3", "h4") in leaf and ("h1", "h2") not in leaf
    toward = pairs_toward(S, ["h5"])
    assert len(toward) == 14 and ("h5", "h1") in toward
