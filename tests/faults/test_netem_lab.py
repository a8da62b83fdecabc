"""The netem path: selected by capability detection, tested wherever the kernel has sch_netem."""

from __future__ import annotations

import time

import pytest

from pytest_netopsbench.faults import build_fault, host_capabilities
from pytest_netopsbench.faults._impair import ImpairSpec, choose_backend

from .conftest import FaultLab
from .test_faults_lab import verify_until

HAS_NETEM = "netem" in host_capabilities()


def test_backend_choice_follows_capabilities() -> None:
    with_netem = frozenset({"netem", "nftables", "nfqueue"})
    without = frozenset({"nftables", "nfqueue"})
    assert choose_backend(ImpairSpec(delay_ms=50), caps=with_netem) == "netem"
    assert choose_backend(ImpairSpec(loss_pct=30), caps=without) == "nft"
    assert choose_backend(ImpairSpec(delay_ms=50), caps=without) == "nfqueue"
    assert choose_backend(ImpairSpec(corrupt_pct=5), caps=without) == "nfqueue"
    assert choose_backend(ImpairSpec(loss_pct=30), caps=frozenset({"nfqueue"})) == "nfqueue"


@pytest.mark.lab
@pytest.mark.skipif(
    not HAS_NETEM,
    reason="this kernel has no sch_netem (tc qdisc netem: 'Specified qdisc "
    "kind is unknown'); the nftables/NFQUEUE fallback is tested instead",
)
def test_netem_latency_and_loss(fault_lab: FaultLab) -> None:
    lab = fault_lab.lab
    for ftype, params, word in (
        ("high_latency", {"latency_ms": 80}, "delay"),
        ("packet_loss", {"loss_pct": 30}, "loss"),
    ):
        fault = build_fault(
            ftype, {"device": "leaf1", "interface": "eth1"}, {**params, "backend": "netem"}, lab.topology
        )
        started = time.time()
        try:
            fault.inject(lab)
            assert word in lab.exec("leaf1", ["tc", "qdisc", "show", "dev", "eth1"]).stdout
            assert verify_until(fault, fault_lab, started)[0]
        finally:
            fault.clear(lab)
        assert "netem" not in lab.exec("leaf1", ["tc", "qdisc", "show", "dev", "eth1"]).stdout
        assert lab.wait_healthy(60).healthy
