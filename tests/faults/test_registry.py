"""Registry and input validation (no lab): names, aliases, and errors that name the scenario field."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_netopsbench.errors import FaultError, ScenarioError
from pytest_netopsbench.faults import (
    Fault,
    GroundTruth,
    Location,
    TargetKind,
    Verification,
    build_fault,
    fault_names,
    get_fault,
    normalize_fault_type,
    register_fault,
    registry,
)
from pytest_netopsbench.faults._naming import FORBIDDEN_WORDS, operator_password, prefix_list_name
from pytest_netopsbench.topology import build_topology

XS = build_topology("xs")
NETOPSBENCH_TWELVE = {
    "link_down",
    "link_flapping",
    "mtu_mismatch",
    "packet_loss",
    "packet_corruption",
    "high_latency",
    "bgp_neighbor_misconfig",
    "static_route_misconfig",
    "blackhole_route",
    "route_policy_misconfig",
    "device_down",
    "acl_misconfig",
}


def test_builtins_cover_netopsbench_and_more() -> None:
    names = set(fault_names())
    assert names >= NETOPSBENCH_TWELVE
    assert {"congestion", "fib_rib_mismatch", "ecmp_member_drop"} <= names
    for cls in registry.all_faults():
        assert cls.category and cls.targets and cls.description, cls.name
        cls.Params()  # every parameter has a default


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Link Down", "link_down"),
        ("link-flapping", "link_flapping"),
        ("ACL_MISCONFIGURATION", "acl_misconfig"),
        ("static_route_misconfiguration", "static_route_misconfig"),
        ("network_statement_missing", "route_policy_misconfig"),
        ("blackhole", "blackhole_route"),
        ("bgp_peer_misconfig", "bgp_neighbor_misconfig"),
        ("rib fib mismatch", "fib_rib_mismatch"),
        ("something_else", "something_else"),
    ],
)
def test_normalize_fault_type(given: str, expected: str) -> None:
    assert normalize_fault_type(given) == expected


def test_ground_truth_of_link_fault_names_both_ends() -> None:
    gt = build_fault("packet_loss", {"device": "leaf1", "interface": "eth2"}, {}, XS).ground_truth()
    assert gt == GroundTruth(
        fault_type="packet_loss",
        device="leaf1",
        interface="eth2",
        equivalent=(Location(device="spine2", interface="eth1"),),
    )
    assert build_fault("device_down", {"device": "spine1"}, {}, XS).ground_truth().interface is None


@pytest.mark.parametrize(
    ("ftype", "target", "params", "field"),
    [
        ("no_such_fault", {"device": "leaf1"}, {}, "fault.type"),
        ("link_down", {"device": "leaf7", "interface": "eth1"}, {}, "fault.target.device"),
        ("link_down", {"device": "leaf1", "interface": "eth9"}, {}, "fault.target.interface"),
        ("link_down", {"device": "leaf1"}, {}, "fault.target.interface"),
        ("link_down", {"device": "h1", "interface": "eth1"}, {}, "fault.target.device"),
        ("link_down", {"device": "leaf1", "interface": "eth1", "vlan": 3}, {}, "fault.target.vlan"),
        ("device_down", {"device": "leaf1", "interface": "eth1"}, {}, "fault.target.interface"),
        ("device_down", {"device": "leaf1", "prefix": "198.19.1.0/24"}, {}, "fault.target.prefix"),
        ("packet_loss", {"device": "leaf1", "interface": "eth1"}, {"loss_pct": 0}, "fault.params.loss_pct"),
        ("packet_loss", {"device": "leaf1", "interface": "eth1"}, {"loss_pct": 101}, "fault.params.loss_pct"),
        ("packet_loss", {"device": "leaf1", "interface": "eth1"}, {"lossy": 5}, "fault.params.lossy"),
        (
            "high_latency",
            {"device": "leaf1", "interface": "eth1"},
            {"latency_ms": -1},
            "fault.params.latency_ms",
        ),
        (
            "high_latency",
            {"device": "leaf1", "interface": "eth1"},
            {"latency_ms": 10, "jitter_ms": 50},
            "fault.params.jitter_ms",
        ),
        ("mtu_mismatch", {"device": "spine1", "interface": "eth1"}, {"mtu": 100}, "fault.params.mtu"),
        ("bgp_neighbor_misconfig", {"device": "leaf1"}, {"kind": "typo"}, "fault.params.kind"),
        ("bgp_neighbor_misconfig", {"device": "leaf1"}, {"peer": "198.18.8.4"}, "fault.params.peer"),
        ("blackhole_route", {"device": "leaf1", "prefix": "not-a-prefix"}, {}, "fault.target.prefix"),
        ("static_route_misconfig", {"device": "leaf1", "prefix": "10.9.9.0/24"}, {}, "fault.target.prefix"),
        ("static_route_misconfig", {"device": "leaf1"}, {"next_hop": "nowhere"}, "fault.params.next_hop"),
        ("route_policy_misconfig", {"device": "spine1"}, {}, "fault.target.device"),
        ("route_policy_misconfig", {"device": "leaf1", "prefix": "198.19.2.0/24"}, {}, "fault.target.prefix"),
        (
            "acl_misconfig",
            {"device": "leaf1", "interface": "eth1"},
            {"direction": "sideways"},
            "fault.params.direction",
        ),
        ("ecmp_member_drop", {"device": "leaf1", "interface": "eth3"}, {}, "fault.target.interface"),
        ("fib_rib_mismatch", {"device": "spine1"}, {}, "fault.target.device"),
        (
            "congestion",
            {"device": "leaf1", "interface": "eth1"},
            {"offered_factor": 0.5},
            "fault.params.offered_factor",
        ),
    ],
)
def test_bad_input_names_the_field(
    ftype: str, target: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        build_fault(ftype, target, params, XS)
    assert info.value.field == field
    assert field in str(info.value)


def test_param_aliases_are_accepted() -> None:
    f = build_fault("bgp_neighbor_misconfig", {"device": "leaf1"}, {"kind": "peer_as_mismatch"}, XS)
    assert f.params.model_dump()["kind"] == "remote_as_mismatch"
    f = build_fault("route_policy_misconfig", {"device": "leaf1"}, {"kind": "network_statement_missing"}, XS)
    assert f.params.model_dump()["kind"] == "network_withdrawn"


class _Dummy(Fault):
    name = "dummy_for_registry"
    category = "demo"
    targets = (TargetKind.DEVICE,)

    def inject(self, lab: Any) -> None: ...
    def verify(self, lab: Any, store: Any, window: Any) -> Verification:
        return Verification(confirmed=False)

    def clear(self, lab: Any) -> None: ...
    def ground_truth(self) -> GroundTruth:
        return GroundTruth(fault_type=self.name, device=self.target.device)


def test_register_refuses_clashes_and_bad_classes() -> None:
    try:
        register_fault(_Dummy)
        register_fault(_Dummy)  # the same class again is fine
        assert get_fault("dummy_for_registry") is _Dummy

        clash = type("Clash", (_Dummy,), {"name": "link_down"})
        with pytest.raises(FaultError, match="already taken"):
            register_fault(clash)
        bad = type("Bad", (_Dummy,), {"name": "Bad Name"})
        with pytest.raises(FaultError, match="snake_case"):
            register_fault(bad)
        no_params = type("NoModel", (_Dummy,), {"name": "no_model", "Params": dict})
        with pytest.raises(FaultError, match="pydantic"):
            register_fault(no_params)
    finally:
        registry.unregister("dummy_for_registry")
    with pytest.raises(FaultError, match="unknown fault"):
        get_fault("dummy_for_registry")


def test_operator_style_names_carry_no_harness_words() -> None:
    for _ in range(50):
        pw = operator_password()
        assert not any(w in pw.lower() for w in FORBIDDEN_WORDS), pw
    assert prefix_list_name("fabric") == "PL-FABRIC-OUT"
