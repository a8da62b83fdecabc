"""score_case: the per-case rules of docs/scoring.md."""

from __future__ import annotations

import pytest

from pytest_netopsbench.diagnosis import DiagnosisResult, GroundTruth, Location
from pytest_netopsbench.scoring import score_case
from pytest_netopsbench.topology import build_topology

TOPO = build_topology("xs")
LINK = GroundTruth(
    fault_type="link_down",
    device="leaf1",
    interface="eth1",
    equivalent=(Location(device="spine1", interface="eth1"),),
)
DEVICE_ONLY = GroundTruth(fault_type="bgp_neighbor_misconfig", device="spine2")


def diag(verdict: str = "fault_detected", **kw: object) -> DiagnosisResult:
    return DiagnosisResult.model_validate({"verdict": verdict, **kw})


def test_healthy_case_scores_only_the_verdict() -> None:
    assert score_case(None, diag("network_healthy"), TOPO).score == 1.0
    wrong = score_case(None, diag("fault_detected", device="leaf1"), TOPO)
    assert wrong.score == 0.0 and not wrong.verdict_correct and wrong.fault_type_correct is None
    assert score_case(None, diag("inconclusive"), TOPO).score == 0.0


@pytest.mark.parametrize(
    ("device", "interface", "score", "iface_ok"),
    [
        ("leaf1", "eth1", 1.0, True),
        ("spine1", "eth1", 1.0, True),  # the other end of the faulty link
        (" LEAF1 ", "ETH1", 1.0, True),  # names compare case/space-insensitively
        ("leaf1:eth1", None, 1.0, True),  # a pair in one field
        ("leaf1", "eth2", 0.5, False),  # right device, wrong interface
        ("leaf1", None, 0.5, False),
        ("leaf2", "eth1", 0.0, False),  # interface credit never goes to a wrong device
        ("spine2", "eth1", 0.0, False),
        ("198.18.1.1", "eth1", 1.0, True),  # leaf1's loopback names leaf1
    ],
)
def test_link_fault_location_credit(device: str, interface: str | None, score: float, iface_ok: bool) -> None:
    result = score_case(LINK, diag(device=device, interface=interface, fault_type="link_down"), TOPO)
    assert result.score == score
    assert result.interface_correct is iface_ok


def test_fault_needs_fault_detected_verdict() -> None:
    result = score_case(LINK, diag("network_healthy", device="leaf1", interface="eth1"), TOPO)
    assert result.score == 0.0 and not result.verdict_correct
    assert "expected fault_detected link_down at leaf1:eth1 (or spine1:eth1)" in result.message
    assert "got network_healthy" in result.message


def test_device_only_fault() -> None:
    assert score_case(DEVICE_ONLY, diag(device="spine2"), TOPO).score == 1.0
    assert score_case(DEVICE_ONLY, diag(device="spine1"), TOPO).score == 0.0
    assert score_case(DEVICE_ONLY, diag(device="spine2"), TOPO).interface_correct is None


def test_fault_type_is_a_separate_kpi() -> None:
    wrong_type = score_case(LINK, diag(device="leaf1", interface="eth1", fault_type="packet_loss"), TOPO)
    assert wrong_type.score == 1.0 and wrong_type.fault_type_correct is False
    alias = score_case(LINK, diag(device="leaf1", interface="eth1", fault_type="Interface-Down"), TOPO)
    assert alias.fault_type_correct is True
    missing = score_case(LINK, diag(device="leaf1", interface="eth1"), TOPO)
    assert missing.fault_type_correct is False
