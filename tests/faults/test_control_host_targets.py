"""Control-plane, daemon and host faults: where they may point, their defaults and ground truth
(no lab; the lab lifecycle is in test_faults_lab.py)."""

from __future__ import annotations

import pytest

from pytest_netopsbench.errors import ScenarioError
from pytest_netopsbench.faults import Location, build_fault, fault_names
from pytest_netopsbench.topology import build_topology

XS = build_topology("xs")
S = build_topology("s")

NEW = (
    "bgp_max_prefix_exceeded",
    "ecmp_maximum_paths_one",
    "as_path_prepend_skew",
    "more_specific_route_leak",
    "bgp_hold_timer_expiry",
    "bgpd_crash",
    "zebra_restart",
    "bgp_ttl_security_mismatch",
    "host_wrong_gateway",
    "host_wrong_netmask",
    "host_duplicate_address",
)


def test_all_are_registered() -> None:
    assert set(NEW) <= set(fault_names())


@pytest.mark.parametrize(
    ("fault", "target", "params", "field"),
    [
        ("ecmp_maximum_paths_one", {"device": "spine1"}, {}, "fault.target.device"),
        ("as_path_prepend_skew", {"device": "leaf1"}, {}, "fault.target.device"),
        ("more_specific_route_leak", {"device": "spine1"}, {}, "fault.target.device"),
        # the leak must come from another leaf, be strictly inside a host subnet, and cover a host
        (
            "more_specific_route_leak",
            {"device": "leaf1", "prefix": "198.19.1.0/25"},
            {},
            "fault.target.prefix",
        ),
        (
            "more_specific_route_leak",
            {"device": "leaf1", "prefix": "198.19.2.0/24"},
            {},
            "fault.target.prefix",
        ),
        (
            "more_specific_route_leak",
            {"device": "leaf1", "prefix": "198.19.2.128/25"},
            {},
            "fault.target.prefix",
        ),
        ("bgp_max_prefix_exceeded", {"device": "leaf1"}, {"peer": "198.18.8.4"}, "fault.params.peer"),
        ("bgpd_crash", {"device": "h1"}, {}, "fault.target.device"),
        ("zebra_restart", {"device": "h2"}, {}, "fault.target.device"),
        ("bgp_ttl_security_mismatch", {"device": "h1"}, {}, "fault.target.device"),
        # spine1's neighbor on leaf2, not one of leaf1's
        ("bgp_ttl_security_mismatch", {"device": "leaf1"}, {"peer": "198.18.8.4"}, "fault.params.peer"),
        ("bgp_ttl_security_mismatch", {"device": "leaf1"}, {"hops": 0}, "fault.params.hops"),
        ("host_wrong_gateway", {"device": "leaf1"}, {}, "fault.target.device"),
        ("host_wrong_gateway", {"device": "h1"}, {"gateway": "198.19.2.1"}, "fault.params.gateway"),
        ("host_wrong_gateway", {"device": "h1"}, {"gateway": "198.19.1.1"}, "fault.params.gateway"),
        ("host_wrong_netmask", {"device": "h1"}, {"prefix_len": 24}, "fault.params.prefix_len"),
        # /28 keeps the gateway and swallows no other host: nothing would break
        ("host_wrong_netmask", {"device": "h1"}, {"prefix_len": 28}, "fault.params.prefix_len"),
        ("host_duplicate_address", {"device": "h1"}, {"owner": "h1"}, "fault.params.owner"),
    ],
)
def test_targets_that_cannot_show_the_fault_are_refused(
    fault: str, target: dict[str, str], params: dict[str, object], field: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        build_fault(fault, target, params, XS)
    assert info.value.field == field


def test_defaults_point_where_the_symptom_shows() -> None:
    leak = build_fault("more_specific_route_leak", {"device": "leaf1"}, {}, XS)
    assert leak.prefix == "198.19.2.0/25"  # type: ignore[attr-defined]  # holds h2 (198.19.2.10), whose subnet lives on leaf2
    gateway = build_fault("host_wrong_gateway", {"device": "h2"}, {}, XS)
    assert gateway.wrong() == "198.19.2.254"  # type: ignore[attr-defined]
    mask = build_fault("host_wrong_netmask", {"device": "h1"}, {}, S)
    assert mask.wrong() == "198.19.1.10/16"  # type: ignore[attr-defined]
    # a narrower mask that drops the gateway is a real fault too
    build_fault("host_wrong_netmask", {"device": "h1"}, {"prefix_len": 29}, XS)


def test_ground_truth() -> None:
    dup = build_fault("host_duplicate_address", {"device": "h2"}, {"owner": "h1"}, XS).ground_truth()
    assert (dup.device, dup.equivalent) == ("h2", (Location(device="h1"),))
    crash = build_fault("bgpd_crash", {"device": "spine2"}, {}, XS).ground_truth()
    assert (crash.fault_type, crash.device, crash.interface) == ("bgpd_crash", "spine2", None)
    leak = build_fault("more_specific_route_leak", {"device": "leaf2"}, {}, XS).ground_truth()
    assert leak.device == "leaf2" and not leak.equivalent
    zebra = build_fault("zebra_restart", {"device": "leaf1"}, {}, XS).ground_truth()
    assert (zebra.fault_type, zebra.device, zebra.equivalent) == ("zebra_restart", "leaf1", ())
    # GTSM on one end: the end that differs from the rest of the fabric is the one to fix, not its peer
    gtsm = build_fault("bgp_ttl_security_mismatch", {"device": "spine1"}, {"peer": "198.18.8.5"}, XS)
    assert (gtsm.ground_truth().device, gtsm.ground_truth().equivalent) == ("spine1", ())
    assert gtsm._line() == "neighbor 198.18.8.5 ttl-security hops 1"  # type: ignore[attr-defined]
    # the default peer is the device's first fabric neighbor
    first = build_fault("bgp_ttl_security_mismatch", {"device": "leaf1"}, {}, XS)
    assert first.peer == "198.18.8.0"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("maximum_prefix_exceeded", "bgp_max_prefix_exceeded"),
        ("ecmp-disabled", "ecmp_maximum_paths_one"),
        ("Route Leak", "more_specific_route_leak"),
        ("bgpd_hung", "bgp_hold_timer_expiry"),
        ("bgp_daemon_crash", "bgpd_crash"),
        ("zebra-restarted", "zebra_restart"),
        ("GTSM mismatch", "bgp_ttl_security_mismatch"),
        ("ttl_security_mismatch", "bgp_ttl_security_mismatch"),
        ("wrong_default_gateway", "host_wrong_gateway"),
        ("ip_conflict", "host_duplicate_address"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    from pytest_netopsbench.faults import normalize_fault_type

    assert normalize_fault_type(alias) == name
