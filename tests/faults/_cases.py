"""One case per built-in fault (and per variant) on the xs topology, with the check an operator
would make on the device, independent of the fault's own ``verify``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_netopsbench.runtime import Lab


def _sh(lab: Lab, device: str, *argv: str) -> str:
    return lab.exec(device, list(argv)).stdout


def _frr(lab: Lab, device: str, command: str) -> str:
    return lab.vtysh(device, [command])


def _bgp_state(lab: Lab, device: str, peer: str) -> str:
    data = json.loads(lab.vtysh(device, ["show bgp ipv4 unicast summary json"]) or "{}")
    return str(data.get("peers", {}).get(peer, {}).get("state", "absent"))


def _operstate(lab: Lab, device: str, itf: str) -> str:
    return str(json.loads(_sh(lab, device, "ip", "-j", "link", "show", "dev", itf))[0]["operstate"])


def _flapping(lab: Lab) -> bool:
    seen: set[str] = set()
    end = time.monotonic() + 3.5
    while time.monotonic() < end and len(seen) < 2:
        seen.add(_operstate(lab, "spine1", "eth1"))
        time.sleep(0.1)
    return seen == {"UP", "DOWN"} or len(seen) >= 2


def _rtt_ms(lab: Lab, device: str, itf: str, peer: str) -> float:
    out = lab.exec(device, ["fping", "-q", "-c", "3", "-t", "1000", "-I", itf, peer]).stderr
    m = re.search(r"min/avg/max = [\d.]+/([\d.]+)/", out)
    return float(m.group(1)) if m else 0.0


def _packets(lab: Lab, device: str, itf: str, way: str) -> int:
    return int(
        json.loads(_sh(lab, device, "ip", "-s", "-j", "link", "show", "dev", itf))[0]["stats64"][way][
            "packets"
        ]
    )


def _gap(lab: Lab, device: str, itf: str, peer: str, peer_itf: str, peer_ip: str) -> int:
    """Packets ``device:itf`` sent that ``peer:peer_itf`` never received, over 100 pinned probes."""
    tx0, rx0 = _packets(lab, device, itf, "tx"), _packets(lab, peer, peer_itf, "rx")
    lab.exec(device, ["fping", "-q", "-c", "100", "-p", "5", "-t", "300", "-I", itf, peer_ip], timeout=15)
    return (_packets(lab, device, itf, "tx") - tx0) - (_packets(lab, peer, peer_itf, "rx") - rx0)


def _csum_errors(lab: Lab, device: str) -> int:
    lines = _sh(lab, device, "cat", "/proc/net/snmp").splitlines()
    total = 0
    for head, vals in zip(lines[::2], lines[1::2], strict=False):
        for name, val in zip(head.split()[1:], vals.split()[1:], strict=False):
            if name == "InCsumErrors":
                total += int(val)
    return total


def _corrupts(lab: Lab) -> bool:
    before = _csum_errors(lab, "spine2")
    lab.exec(
        "leaf1", ["fping", "-q", "-c", "100", "-p", "5", "-t", "300", "-I", "eth2", "198.18.8.2"], timeout=15
    )
    return _csum_errors(lab, "spine2") > before


def _cut(lab: Lab) -> bool:
    rows = [
        json.loads(_sh(lab, d, "ip", "-j", "link", "show", "dev", i))[0]
        for d, i in (("leaf2", "eth2"), ("spine2", "eth2"))
    ]
    return all(r["operstate"] == "DOWN" and "UP" in r["flags"] and "NO-CARRIER" in r["flags"] for r in rows)


def _one_way_ms(lab: Lab, device: str, itf: str, peer_ip: str) -> tuple[int, int]:
    """(there, back) in ms from IP timestamps (every namespace reads one clock): each direction's
    fastest of a few replies, because a loaded host's scheduling only ever adds time to a leg."""
    out = _sh(
        lab, device, "ping", "-n", "-c", "4", "-i", "0.2", "-W", "3", "-T", "tsonly", "-I", itf, peer_ip
    )
    there, back = [], []
    for block in out.split("TS:")[1:]:
        nums = [int(w) for w in block.split("\n\n")[0].split() if w.lstrip("-").isdigit()]
        if len(nums) >= 4:
            there.append(nums[1])
            back.append(nums[3])
    return (min(there), min(back)) if there else (0, 0)


def _one_way_slow_back(lab: Lab) -> bool:
    there, back = _one_way_ms(lab, "leaf1", "eth1", "198.18.8.0")
    return back >= 60 and there < 20


def _carrier_changes(lab: Lab, device: str, itf: str) -> int:
    return int(_sh(lab, device, "cat", f"/sys/class/net/{itf}/carrier_changes").strip() or 0)


def _optic_flaps(lab: Lab) -> bool:
    ends = (("leaf1", "eth2"), ("spine2", "eth1"))
    before = [_carrier_changes(lab, d, i) for d, i in ends]
    time.sleep(4.0)
    flags_up = all(
        "UP" in json.loads(_sh(lab, d, "ip", "-j", "link", "show", "dev", i))[0]["flags"] for d, i in ends
    )
    return flags_up and all(
        _carrier_changes(lab, d, i) - b >= 2 for (d, i), b in zip(ends, before, strict=True)
    )


def _counter_positive(text: str, pattern: str) -> bool:
    m = re.search(pattern + r".*?counter packets (\d+)", text)
    return bool(m and int(m.group(1)) > 0)


@dataclass
class Case:
    id: str
    fault: str
    target: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    operator_sees: Callable[[Lab], bool] = lambda lab: True
    needs: tuple[str, ...] = ()
    #: a physical fault on the hidden wire: no device's rules or qdiscs may change while it is active
    on_wire: bool = False


CASES = [
    Case(
        "link_down",
        "link_down",
        {"device": "leaf1", "interface": "eth1"},
        operator_sees=lambda lab: (
            _operstate(lab, "leaf1", "eth1") == "DOWN"
            and _bgp_state(lab, "spine1", "198.18.8.1") != "Established"
        ),
    ),
    Case(
        "link_flapping",
        "link_flapping",
        {"device": "leaf1", "interface": "eth1"},
        {"down_s": 1.0, "up_s": 1.0},
        operator_sees=_flapping,
    ),
    Case(
        "mtu_mismatch",
        "mtu_mismatch",
        {"device": "spine1", "interface": "eth1"},
        operator_sees=lambda lab: (
            "mtu 1400" in _sh(lab, "spine1", "ip", "link", "show", "dev", "eth1")
            and "mtu 1500" in _sh(lab, "leaf1", "ip", "link", "show", "dev", "eth1")
        ),
    ),
    Case(
        "packet_loss",
        "packet_loss",
        {"device": "leaf1", "interface": "eth1"},
        operator_sees=lambda lab: _gap(lab, "leaf1", "eth1", "spine1", "eth1", "198.18.8.0") >= 3,
        on_wire=True,
    ),
    Case(
        "packet_loss_nfqueue",
        "packet_loss",
        {"device": "leaf2", "interface": "eth2"},
        {"loss_pct": 40, "backend": "nfqueue"},
        operator_sees=lambda lab: _gap(lab, "leaf2", "eth2", "spine2", "eth2", "198.18.8.6") >= 3,
        on_wire=True,
    ),
    Case(
        "packet_corruption",
        "packet_corruption",
        {"device": "leaf1", "interface": "eth2"},
        operator_sees=_corrupts,
        on_wire=True,
    ),
    Case(
        "high_latency",
        "high_latency",
        {"device": "leaf1", "interface": "eth1"},
        {"jitter_ms": 10},
        operator_sees=lambda lab: _rtt_ms(lab, "leaf1", "eth1", "198.18.8.0") >= 60,
        on_wire=True,
    ),
    Case(
        "bgp_remote_as",
        "bgp_neighbor_misconfig",
        {"device": "leaf1"},
        operator_sees=lambda lab: (
            "remote-as 65001" in lab.vtysh("leaf1", ["show running-config"])
            and _bgp_state(lab, "leaf1", "198.18.8.0") != "Established"
        ),
    ),
    Case(
        "bgp_password",
        "bgp_neighbor_misconfig",
        {"device": "leaf2"},
        {"kind": "password_mismatch"},
        operator_sees=lambda lab: _bgp_state(lab, "leaf2", "198.18.8.4") != "Established",
    ),
    Case(
        "bgp_shutdown",
        "bgp_neighbor_misconfig",
        {"device": "spine2"},
        {"kind": "admin_shutdown", "peer": "198.18.8.3"},
        operator_sees=lambda lab: "Idle" in _bgp_state(lab, "spine2", "198.18.8.3"),
    ),
    Case(
        "static_route_misconfig",
        "static_route_misconfig",
        {"device": "leaf1"},
        operator_sees=lambda lab: "198.19.1.10" in _sh(lab, "leaf1", "ip", "route", "get", "198.19.2.10"),
    ),
    Case(
        "blackhole_route",
        "blackhole_route",
        {"device": "leaf2", "prefix": "198.19.1.0/24"},
        operator_sees=lambda lab: "blackhole" in _sh(lab, "leaf2", "ip", "route", "show", "198.19.1.0/24"),
    ),
    Case(
        "route_policy_network",
        "route_policy_misconfig",
        {"device": "leaf2"},
        operator_sees=lambda lab: "not in table" in _frr(lab, "spine1", "show ip bgp 198.19.2.0/24"),
    ),
    Case(
        "route_policy_prefix_list",
        "route_policy_misconfig",
        {"device": "leaf1"},
        {"kind": "prefix_list_deny"},
        operator_sees=lambda lab: (
            "PL-FABRIC-OUT out" in _frr(lab, "leaf1", "show running-config")
            and "not in table" in _frr(lab, "spine2", "show ip bgp 198.19.1.0/24")
        ),
    ),
    Case(
        "device_down",
        "device_down",
        {"device": "spine2"},
        operator_sees=lambda lab: (
            _bgp_state(lab, "leaf1", "198.18.8.2") != "Established"
            and "state UP" not in _sh(lab, "spine2", "ip", "link", "show", "dev", "eth1")
        ),
    ),
    Case(
        "acl_misconfig",
        "acl_misconfig",
        {"device": "leaf1", "interface": "eth1"},
        operator_sees=lambda lab: _counter_positive(_sh(lab, "leaf1", "nft", "list", "ruleset"), "ip daddr"),
    ),
    Case(
        "congestion",
        "congestion",
        {"device": "leaf2", "interface": "eth1"},
        operator_sees=lambda lab: _rtt_ms(lab, "leaf2", "eth1", "198.18.8.4") >= 5,
        on_wire=True,
    ),
    Case(
        "fib_rib_mismatch",
        "fib_rib_mismatch",
        {"device": "leaf1"},
        operator_sees=lambda lab: (
            "blackhole" in _sh(lab, "leaf1", "ip", "route", "show", "198.19.2.0/24")
            and "198.18.8.0" in lab.vtysh("leaf1", ["show ip route 198.19.2.0/24"])
        ),
    ),
    Case(
        "ecmp_member_drop",
        "ecmp_member_drop",
        {"device": "spine1", "interface": "eth2"},
        operator_sees=lambda lab: (
            _operstate(lab, "spine1", "eth2") == "UP"
            and _bgp_state(lab, "spine1", "198.18.8.5") == "Established"
        ),
        on_wire=True,
    ),
    Case(
        "cable_cut",
        "cable_cut",
        {"device": "leaf2", "interface": "eth2"},
        operator_sees=_cut,
        on_wire=True,
    ),
    Case(
        "bgp_max_prefix_exceeded",
        "bgp_max_prefix_exceeded",
        {"device": "leaf1"},
        operator_sees=lambda lab: (
            "PfxCt" in _frr(lab, "leaf1", "show bgp summary")
            and "maximum-prefix" in _frr(lab, "leaf1", "show running-config")
        ),
    ),
    Case(
        "ecmp_maximum_paths_one",
        "ecmp_maximum_paths_one",
        {"device": "leaf1"},
        operator_sees=lambda lab: (
            "nexthop via" not in _sh(lab, "leaf1", "ip", "route", "show", "198.19.2.0/24")
            and _bgp_state(lab, "leaf1", "198.18.8.0") == "Established"
            and _bgp_state(lab, "leaf1", "198.18.8.2") == "Established"
        ),
    ),
    Case(
        "as_path_prepend_skew",
        "as_path_prepend_skew",
        {"device": "spine1"},
        operator_sees=lambda lab: (
            "198.18.8.0" not in _sh(lab, "leaf1", "ip", "route", "show", "198.19.2.0/24")
            and "65000 65000 65000 65102" in _frr(lab, "leaf1", "show bgp ipv4 unicast 198.19.2.0/24")
        ),
    ),
    Case(
        "more_specific_route_leak",
        "more_specific_route_leak",
        {"device": "leaf1", "prefix": "198.19.2.0/25"},
        operator_sees=lambda lab: (
            "198.18.8.1" in _sh(lab, "spine1", "ip", "route", "show", "198.19.2.0/25")
            and "network 198.19.2.0/25" in _frr(lab, "leaf1", "show running-config")
        ),
    ),
    Case(
        "bgp_hold_timer_expiry",
        "bgp_hold_timer_expiry",
        {"device": "leaf2"},
        operator_sees=lambda lab: (
            _bgp_state(lab, "spine1", "198.18.8.5") != "Established"
            and "Hold Timer Expired" in _sh(lab, "spine1", "cat", str(lab.logs("spine1")["bgpd"]))
        ),
    ),
    Case(
        "bgpd_crash",
        "bgpd_crash",
        {"device": "leaf2"},
        operator_sees=lambda lab: (
            "Received signal 11" in _sh(lab, "leaf2", "cat", str(lab.logs("leaf2")["bgpd"]))
            and "198.19.1.0/24" not in _sh(lab, "leaf2", "ip", "route", "show")
        ),
    ),
    Case(
        "zebra_restart",
        "zebra_restart",
        {"device": "leaf1"},
        operator_sees=lambda lab: (
            "Terminating on signal" in _sh(lab, "leaf1", "cat", str(lab.logs("leaf1")["zebra"]))
            and "proto bgp" not in _sh(lab, "leaf1", "ip", "route", "show")
            and "B>" not in _frr(lab, "leaf1", "show ip route")
            and _bgp_state(lab, "leaf1", "198.18.8.0") == "Established"
        ),
    ),
    Case(
        "bgp_ttl_security_mismatch",
        "bgp_ttl_security_mismatch",
        {"device": "leaf2"},
        operator_sees=lambda lab: (
            "neighbor 198.18.8.4 ttl-security hops 1" in _frr(lab, "leaf2", "show running-config")
            and "ttl-security" not in _frr(lab, "spine1", "show running-config")
            and _bgp_state(lab, "spine1", "198.18.8.5") != "Established"
        ),
    ),
    Case(
        "host_wrong_gateway",
        "host_wrong_gateway",
        {"device": "h1"},
        operator_sees=lambda lab: "default via 198.19.1.254" in _sh(lab, "h1", "ip", "route", "show"),
    ),
    Case(
        "host_wrong_netmask",
        "host_wrong_netmask",
        {"device": "h2"},
        operator_sees=lambda lab: "198.19.2.10/16" in _sh(lab, "h2", "ip", "addr", "show", "dev", "eth1"),
    ),
    Case(
        "host_duplicate_address",
        "host_duplicate_address",
        {"device": "h2"},
        {"owner": "h1"},
        operator_sees=lambda lab: "198.19.1.10/24" in _sh(lab, "h2", "ip", "addr", "show", "dev", "eth1"),
    ),
    Case(
        "unidirectional_loss",
        "unidirectional_loss",
        {"device": "leaf1", "interface": "eth1"},
        operator_sees=lambda lab: (
            _gap(lab, "leaf1", "eth1", "spine1", "eth1", "198.18.8.0") >= 3
            and _gap(lab, "spine1", "eth1", "leaf1", "eth1", "198.18.8.1") <= 1
        ),
        on_wire=True,
    ),
    Case(
        "asymmetric_latency",
        "asymmetric_latency",
        {"device": "leaf1", "interface": "eth1"},
        {"latency_ms": 100, "direction": "ingress"},
        operator_sees=_one_way_slow_back,
        on_wire=True,
    ),
    Case(
        "capacity_degradation",
        "capacity_degradation",
        {"device": "leaf2", "interface": "eth2"},
        operator_sees=lambda lab: _rtt_ms(lab, "leaf2", "eth2", "198.18.8.6") >= 5,
        on_wire=True,
    ),
    Case(
        "optic_flap_low_loss",
        "optic_flap_low_loss",
        {"device": "leaf1", "interface": "eth2"},
        operator_sees=_optic_flaps,
        on_wire=True,
    ),
]
