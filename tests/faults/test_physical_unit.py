"""The physical faults of the wire without a lab: registry, parameters, targets, ground truth,
direction and the one-way timing parser."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_netopsbench.errors import ScenarioError
from pytest_netopsbench.faults import Location, TargetKind, build_fault, get_fault, normalize_fault_type
from pytest_netopsbench.faults.physical import AsymmetricLatency, UnidirectionalLoss, one_way_from_ping
from pytest_netopsbench.topology import build_topology

XS = build_topology("xs")
PHYSICAL = ("unidirectional_loss", "asymmetric_latency", "capacity_degradation", "optic_flap_low_loss")


@pytest.mark.parametrize("name", PHYSICAL)
def test_registered_as_link_faults_with_both_ends_as_truth(name: str) -> None:
    cls = get_fault(name)
    assert cls.targets == (TargetKind.LINK,)
    fault = build_fault(name, {"device": "leaf1", "interface": "eth1"}, {}, XS)
    gt = fault.ground_truth()
    assert (gt.fault_type, gt.device, gt.interface) == (name, "leaf1", "eth1")
    assert gt.equivalent == (Location(device="spine1", interface="eth1"),)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("one-way loss", "unidirectional_loss"),
        ("one_way_latency", "asymmetric_latency"),
        ("speed downgrade", "capacity_degradation"),
        ("failing_optic", "optic_flap_low_loss"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert normalize_fault_type(alias) == name


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("unidirectional_loss", {"loss_pct": 5}, "fault.params.loss_pct"),
        ("unidirectional_loss", {"loss_pct": 101}, "fault.params.loss_pct"),
        ("unidirectional_loss", {"direction": "both"}, "fault.params.direction"),
        ("asymmetric_latency", {"latency_ms": 0}, "fault.params.latency_ms"),
        ("asymmetric_latency", {"direction": "up"}, "fault.params.direction"),
        ("capacity_degradation", {"speed_pct": 0.5}, "fault.params.speed_pct"),
        ("capacity_degradation", {"speed_pct": 30, "load_pct": 40}, "fault.params.load_pct"),
        ("capacity_degradation", {"load_pct": 95}, "fault.params.load_pct"),
        ("optic_flap_low_loss", {"down_s": 0.05}, "fault.params.down_s"),
        ("optic_flap_low_loss", {"loss_pct": 20}, "fault.params.loss_pct"),
        ("optic_flap_low_loss", {"bogus": 1}, "fault.params.bogus"),
    ],
)
def test_params_rejected_with_the_field(name: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as err:
        build_fault(name, {"device": "leaf1", "interface": "eth1"}, params, XS)
    assert err.value.field == field


def test_targets_rejected() -> None:
    with pytest.raises(ScenarioError) as err:  # an access port: no leaf-spine capacity to degrade
        build_fault("capacity_degradation", {"device": "leaf1", "interface": "eth3"}, {}, XS)
    assert err.value.field == "fault.target.interface"
    with pytest.raises(ScenarioError) as err:
        build_fault("unidirectional_loss", {"device": "leaf1"}, {}, XS)
    assert err.value.field == "fault.target.interface"


def test_direction_is_relative_to_the_target_end() -> None:
    out = build_fault("unidirectional_loss", {"device": "leaf2", "interface": "eth2"}, {}, XS)
    assert isinstance(out, UnidirectionalLoss)
    assert (out.sender(), out.receiver()) == (("leaf2", "eth2"), ("spine2", "eth2"))
    back = build_fault(
        "asymmetric_latency", {"device": "leaf2", "interface": "eth2"}, {"direction": "ingress"}, XS
    )
    assert isinstance(back, AsymmetricLatency)
    assert (back.sender(), back.receiver()) == (("spine2", "eth2"), ("leaf2", "eth2"))


_PING_TS = """PING 198.18.8.0 (198.18.8.0) from 198.18.8.1 eth1: 56(124) bytes of data.
64 bytes from 198.18.8.0: icmp_seq=1 ttl=64 time=101 ms
TS: \t18918908 absolute
\t100
\t0
\t1

64 bytes from 198.18.8.0: icmp_seq=2 ttl=64 time=100 ms
TS: \t18919922 absolute
\t99
\t0
\t1


--- 198.18.8.0 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 1014ms
"""


# a loaded host: the fastest round trip (seq 1, 152 ms) carries 31 ms of scheduling on its prompt leg
_PING_TS_NOISY = """64 bytes from 198.18.8.0: icmp_seq=1 ttl=64 time=152 ms
TS: \t18918908 absolute
\t31
\t0
\t121

64 bytes from 198.18.8.0: icmp_seq=2 ttl=64 time=160 ms
TS: \t18919922 absolute
\t2
\t0
\t158

"""


def test_one_way_timing_from_ip_timestamps() -> None:
    assert one_way_from_ping(_PING_TS) == (99.0, 1.0)
    assert one_way_from_ping(_PING_TS_NOISY) == (2.0, 121.0), "each direction's own fastest reply"
    assert one_way_from_ping("2 packets transmitted, 0 received") is None
