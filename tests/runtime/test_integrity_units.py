"""Golden-snapshot comparison without a lab: volatile parts normalised away, real changes found."""

from __future__ import annotations

import json

from pytest_netopsbench.runtime._integrity import (
    _COUNTERS,
    _HANDLE,
    SETTLED_VIEWS,
    LabSnapshot,
    _addrs,
    _links,
    _routes,
    drift,
)


def test_counters_and_handles_are_not_drift() -> None:
    a = "table inet f { # handle 3\n chain c { # handle 1\n"
    a += " ip saddr 1.2.3.4 counter packets 5 bytes 300 drop\n"
    b = a.replace("packets 5 bytes 300", "packets 99 bytes 9000").replace("# handle 3", "# handle 7")
    assert _HANDLE.sub("", _COUNTERS.sub("counter", a)) == _HANDLE.sub("", _COUNTERS.sub("counter", b))


def test_links_keep_state_and_mtu_and_routes_ignore_nexthop_order() -> None:
    link = [{"ifname": "eth1", "mtu": 1500, "operstate": "UP", "flags": ["BROADCAST", "UP", "LOWER_UP"]}]
    lower = [{**link[0], "mtu": 1400}]
    assert _links(json.dumps(link)) != _links(json.dumps(lower))
    hops = [{"gateway": "198.18.8.0", "dev": "eth1"}, {"gateway": "198.18.8.2", "dev": "eth2"}]
    r1 = [{"dst": "198.19.2.0/24", "protocol": "bgp", "nexthops": hops}]
    r2 = [{"dst": "198.19.2.0/24", "protocol": "bgp", "nexthops": hops[::-1]}]
    assert _routes(json.dumps(r1)) == _routes(json.dumps(r2))
    assert _routes(json.dumps(r1)) != _routes(json.dumps([{**r1[0], "nexthops": hops[:1]}]))
    addr = [{"ifname": "eth1", "addr_info": [{"family": "inet", "local": "198.18.8.1", "prefixlen": 31}]}]
    assert _addrs(json.dumps(addr)) == ["eth1 inet 198.18.8.1/31"]


def test_drift_names_device_view_and_lines() -> None:
    golden = LabSnapshot(devices={"spine1": {"nft": [], "route": ["a"]}, "h1": {"tc": ["q"]}})
    now = LabSnapshot(
        devices={"spine1": {"nft": ["meta l4proto udp drop"], "route": ["b"]}, "h1": {"tc": ["q"]}}
    )
    problems = drift(golden, now)
    assert len(problems) == 2
    assert problems[0].startswith("spine1 nft differs") and "udp drop" in problems[0]
    assert drift(golden, now, views=SETTLED_VIEWS) == problems[:1]  # routes wait for convergence
    assert drift(golden, golden) == []
