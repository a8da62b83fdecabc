"""Direction on the wire, on a real xs lab: what tells the one-way physical faults from their
both-ways siblings, read the way an operator (and the agent, through the toolkit) reads it."""

from __future__ import annotations

import time

import pytest

from pytest_netopsbench.evidence import Window
from pytest_netopsbench.faults import build_fault
from pytest_netopsbench.faults.physical import AsymmetricLatency
from pytest_netopsbench.toolkit import Toolkit

from ._cases import _gap
from .conftest import FaultLab

pytestmark = pytest.mark.lab

LEAF1_ETH1 = {"device": "leaf1", "interface": "eth1"}  # spine1:eth1 is 198.18.8.0, leaf1:eth1 .1


def _one_way(fl: FaultLab) -> tuple[float, float]:
    tk = Toolkit(fl.lab, fl.store, Window.last(3))
    answer = tk.ping_test(src="leaf1", dst_ip="198.18.8.0", count=3, timestamps=True)
    there, back = answer["one_way_there_ms"], answer["one_way_back_ms"]
    assert isinstance(there, float) and isinstance(back, float), answer
    return there, back


@pytest.mark.parametrize(
    ("fault_type", "params", "there_slow", "back_slow"),
    [
        ("asymmetric_latency", {"latency_ms": 80}, True, False),
        ("asymmetric_latency", {"latency_ms": 80, "direction": "ingress"}, False, True),
        ("high_latency", {"latency_ms": 80}, True, True),  # 40 ms each way
    ],
    ids=["asymmetric-egress", "asymmetric-ingress", "high-latency-both-ways"],
)
def test_one_way_timing_through_the_toolkit(
    fault_lab: FaultLab, fault_type: str, params: dict[str, float], there_slow: bool, back_slow: bool
) -> None:
    lab = fault_lab.lab
    assert max(_one_way(fault_lab)) < 10, "healthy link already slow one way"
    fault = build_fault(fault_type, LEAF1_ETH1, params, lab.topology)
    try:
        fault.inject(lab)
        there, back = _one_way(fault_lab)
        assert (there >= 30, back >= 30) == (there_slow, back_slow), (there, back)
        assert there + back >= 70, (there, back)
    finally:
        fault.clear(lab)
    assert lab.wait_healthy(60).healthy
    assert max(_one_way(fault_lab)) < 10


@pytest.mark.parametrize(
    ("fault_type", "both_ways"), [("unidirectional_loss", False), ("packet_loss", True)], ids=str
)
def test_loss_direction_in_the_counters(fault_lab: FaultLab, fault_type: str, both_ways: bool) -> None:
    lab = fault_lab.lab
    fault = build_fault(fault_type, LEAF1_ETH1, {"loss_pct": 40}, lab.topology)
    started = time.time()
    try:
        fault.inject(lab)
        out = _gap(lab, "leaf1", "eth1", "spine1", "eth1", "198.18.8.0")
        back = _gap(lab, "spine1", "eth1", "leaf1", "eth1", "198.18.8.1")
        assert out >= 10, out
        assert (back >= 10) is both_ways, (out, back)
        assert fault.verify(lab, fault_lab.store, Window(start=started, end=time.time())).confirmed
    finally:
        fault.clear(lab)
    assert lab.wait_healthy(60).healthy
    assert _gap(lab, "leaf1", "eth1", "spine1", "eth1", "198.18.8.0") <= 1


@pytest.mark.parametrize("end", ["spine1", "leaf1"])
@pytest.mark.parametrize("direction", ["egress", "ingress"])
def test_asymmetric_latency_is_confirmed_from_either_end(
    fault_lab: FaultLab, end: str, direction: str
) -> None:
    """Each end and direction: the delay holds from the first frame after inject returns (the
    shaper is bound before the rule feeds it) and verify confirms it, the slow way where expected."""
    lab = fault_lab.lab
    target = {"device": end, "interface": "eth1"}
    fault = build_fault(
        "asymmetric_latency", target, {"latency_ms": 100, "direction": direction}, lab.topology
    )
    assert isinstance(fault, AsymmetricLatency)
    started = time.time()
    try:
        fault.inject(lab)
        first = fault.one_way_ms(lab)
        assert first is not None
        slow, fast = first if direction == "egress" else first[::-1]
        assert slow >= 80 and fast < 30, first
        result = fault.verify(lab, fault_lab.store, Window(start=started, end=time.time()))
        assert result.confirmed, result.evidence
    finally:
        fault.clear(lab)
    assert lab.wait_healthy(60).healthy
    assert max(fault.one_way_ms(lab) or (999.0,)) < 10
