"""Findings and compound ground truth: the matching and precision rules of docs/scoring.md, with
exact numbers."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from pytest_netopsbench import Finding as TopFinding
from pytest_netopsbench.diagnosis import DiagnosisResult, Finding, GroundTruth, Location
from pytest_netopsbench.scoring import score_case
from pytest_netopsbench.topology import build_topology

TOPO = build_topology("xs")
LINK = GroundTruth(
    fault_type="link_down",
    device="leaf1",
    interface="eth1",
    equivalent=(Location(device="spine1", interface="eth1"),),
)
CRASH = GroundTruth(fault_type="bgpd_crash", device="leaf2")
GATEWAY = GroundTruth(fault_type="host_wrong_gateway", device="h1")
COMPOUND = GroundTruth.compound([LINK, CRASH])


def diag(*findings: Mapping[str, object], verdict: str = "fault_detected") -> DiagnosisResult:
    return DiagnosisResult.model_validate({"verdict": verdict, "findings": list(findings)})


def test_finding_is_exported_from_the_package() -> None:
    assert TopFinding is Finding


def test_single_fields_fill_findings_and_back() -> None:
    single = DiagnosisResult(
        verdict="fault_detected", fault_type="link_down", device="leaf1", interface="eth1"
    )
    assert single.findings == [Finding(fault_type="link_down", device="leaf1", interface="eth1")]
    listed = diag({"fault_type": "bgpd_crash", "device": "leaf2"}, {"device": "h1"})
    assert (listed.fault_type, listed.device, listed.interface) == ("bgpd_crash", "leaf2", None)
    assert DiagnosisResult(verdict="network_healthy").findings == []


def test_single_fields_lead_when_both_forms_are_given() -> None:
    both = DiagnosisResult.model_validate(
        {"verdict": "fault_detected", "device": "h1", "findings": [{"device": "leaf2"}, {"device": "h1"}]}
    )
    assert [f.device for f in both.findings] == ["h1", "leaf2"]


def test_netopsbench_location_shape_is_accepted_in_a_list() -> None:
    d = diag({"fault_type": "link_down", "location": {"device": "spine1", "interface": "eth1"}})
    assert d.findings == [Finding(fault_type="link_down", device="spine1", interface="eth1")]


def test_one_finding_serialises_as_before() -> None:
    d = DiagnosisResult(verdict="fault_detected", fault_type="link_down", device="leaf1", interface="eth1")
    assert "findings" not in d.model_dump()
    two = diag({"device": "leaf1"}, {"device": "leaf2"})
    assert DiagnosisResult.model_validate_json(two.model_dump_json()) == two


def test_single_ground_truth_serialises_as_before() -> None:
    assert "also" not in LINK.model_dump()
    assert [f.fault_type for f in COMPOUND.faults()] == ["link_down", "bgpd_crash"]
    assert GroundTruth.model_validate_json(COMPOUND.model_dump_json()) == COMPOUND
    assert COMPOUND.is_compound and not LINK.is_compound


@pytest.mark.parametrize(
    ("findings", "score", "precision"),
    [
        # one finding: exactly the single-fault rules
        ([{"device": "leaf1", "interface": "eth1"}], 1.0, 1.0),
        ([{"device": "spine1", "interface": "eth2"}], 0.5, 1.0),
        ([{"device": "leaf2"}], 0.0, 0.0),
        # a wrong extra finding halves the score (precision 1/2); the right one need not be first
        ([{"device": "leaf2"}, {"device": "leaf1", "interface": "eth1"}], 0.5, 0.5),
        # two findings on the same link: one matches, the other is an extra (precision 1/2)
        ([{"device": "leaf1", "interface": "eth1"}, {"device": "spine1", "interface": "eth1"}], 0.5, 0.5),
        # device right, interface wrong, plus two wrong guesses: 0.5 * 1/3
        ([{"device": "leaf1", "interface": "eth2"}, {"device": "h1"}, {"device": "h2"}], 0.5 / 3, 1 / 3),
    ],
)
def test_single_fault_truth(findings: list[dict[str, str]], score: float, precision: float) -> None:
    result = score_case(LINK, diag(*findings), TOPO)
    assert result.score == pytest.approx(score)
    assert result.precision == pytest.approx(precision, abs=1e-6)
    assert result.faults_total == 1


@pytest.mark.parametrize(
    ("findings", "score", "found"),
    [
        # both found, both exact: (1 + 1) / 2 * 2/2
        ([{"device": "leaf1", "interface": "eth1"}, {"device": "leaf2"}], 1.0, 2),
        # order does not matter
        ([{"device": "leaf2"}, {"device": "spine1", "interface": "eth1"}], 1.0, 2),
        # one of two: (1 + 0) / 2 * 1/1
        ([{"device": "leaf2"}], 0.5, 1),
        # the link's device without its interface, plus the crash: (0.5 + 1) / 2 * 2/2
        ([{"device": "leaf1"}, {"device": "leaf2"}], 0.75, 2),
        # both found plus one wrong extra: (1 + 1) / 2 * 2/3
        ([{"device": "leaf1", "interface": "eth1"}, {"device": "leaf2"}, {"device": "h2"}], 2 / 3, 2),
        # one finding cannot be credited twice: (1 + 0) / 2 * 1/1
        ([{"device": "leaf1", "interface": "eth1"}], 0.5, 1),
        # nothing right: 0
        ([{"device": "h1"}, {"device": "h2"}], 0.0, 0),
    ],
)
def test_compound_truth(findings: list[dict[str, str]], score: float, found: int) -> None:
    result = score_case(COMPOUND, diag(*findings), TOPO)
    assert result.score == pytest.approx(score)
    assert result.faults_found == found
    assert result.faults_total == 2


def test_compound_needs_the_fault_verdict() -> None:
    both = [{"device": "leaf1", "interface": "eth1"}, {"device": "leaf2"}]
    assert score_case(COMPOUND, diag(*both, verdict="inconclusive"), TOPO).score == 0.0
    assert score_case(COMPOUND, DiagnosisResult(verdict="network_healthy"), TOPO).score == 0.0


def test_compound_fault_type_kpi_needs_every_type() -> None:
    right = diag(
        {"fault_type": "link_down", "device": "leaf1", "interface": "eth1"},
        {"fault_type": "bgpd_crash", "device": "leaf2"},
    )
    assert score_case(COMPOUND, right, TOPO).fault_type_correct is True
    one_wrong = diag(
        {"fault_type": "link_down", "device": "leaf1", "interface": "eth1"},
        {"fault_type": "device_down", "device": "leaf2"},
    )
    scored = score_case(COMPOUND, one_wrong, TOPO)
    assert scored.fault_type_correct is False and scored.score == 1.0


def test_compound_of_three_with_equivalents() -> None:
    truth = GroundTruth.compound([LINK, CRASH, GATEWAY])
    answer = diag({"device": "spine1", "interface": "eth1"}, {"device": "h1"}, {"device": "spine2"})
    result = score_case(truth, answer, TOPO)
    # link (1) + crash (0) + gateway (1) over 3 faults, times 2 of 3 findings located
    assert result.score == pytest.approx((2 / 3) * (2 / 3))
    assert "bgpd_crash at leaf2" in result.message and " + " in result.message
