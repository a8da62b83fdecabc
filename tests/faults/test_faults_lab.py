"""Every built-in fault on a real xs lab: inject, verify sees it, the operator's view shows it, clear,
and the lab is back to its baseline (health, config, rules, routes, processes)."""

from __future__ import annotations

import re
import time

import pytest

from pytest_netopsbench.evidence import Window
from pytest_netopsbench.faults import Fault, build_fault

from ._cases import CASES, Case
from ._snapshot import snapshot
from .conftest import FaultLab

pytestmark = pytest.mark.lab

# Views that must be identical to the baseline once a fault is cleared (uptimes and counters excluded).
_STABLE_VIEWS = ("nft", "iptables", "tc", "link", "route", "show running-config", "processes")


def _clean(view: str, text: str) -> set[str]:
    lines = {ln.strip() for ln in text.splitlines() if ln.strip()}
    if view == "iptables":
        lines = {ln for ln in lines if not ln.startswith("#")}
    if view == "processes":  # the collector's own probes come and go
        lines = {ln for ln in lines if not ln.startswith(("fping", "iperf3 -c", "iperf3 -s -p 5201"))}
    return lines


def verify_until(fault: Fault, fl: FaultLab, started: float, timeout: float = 20.0) -> tuple[bool, list[str]]:
    deadline = time.monotonic() + timeout
    evidence: list[str] = []
    while time.monotonic() < deadline:
        fl.collector.wait_rounds(1, timeout=5)
        v = fault.verify(fl.lab, fl.store, Window(start=started, end=time.time()))
        evidence = v.evidence
        if v.confirmed:
            return True, evidence
    return False, evidence


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault_lifecycle(fault_lab: FaultLab, case: Case) -> None:
    lab = fault_lab.lab
    fault = build_fault(case.fault, case.target, case.params, lab.topology)
    reason = fault.unsupported_reason()
    if reason:
        pytest.skip(reason)
    started = time.time()
    try:
        fault.inject(lab)
        if case.on_wire:  # the fault is on the wire: every device's rules and qdiscs stay healthy
            during = snapshot(lab)
            for dev, views in fault_lab.baseline.items():
                for view in ("nft", "iptables", "tc", "processes"):
                    if view == "processes" and not lab.topology.device(dev).is_switch:
                        continue  # congestion's load is real traffic between hosts
                    before, now = _clean(view, views[view]), _clean(view, during[dev][view])
                    assert before == now, (
                        f"{case.id}: {dev} {view} changed at inject: +{sorted(now - before)[:5]}"
                    )
        confirmed, evidence = verify_until(fault, fault_lab, started)
        assert confirmed, f"{case.id}: verify did not confirm: {evidence}"
        assert case.operator_sees(lab), f"{case.id}: the operator's view does not show the fault"
    finally:
        fault.clear(lab)
    fault.clear(lab)  # idempotent
    health = lab.wait_healthy(60)
    assert health.healthy, f"{case.id}: lab not healthy after clear: {health.problems}"
    after_clear = snapshot(lab)
    for dev, views in fault_lab.baseline.items():
        for view in (v for v in _STABLE_VIEWS if v in views):
            before, after = _clean(view, views[view]), _clean(view, after_clear[dev][view])
            extra, gone = sorted(after - before)[:5], sorted(before - after)[:5]
            assert before == after, f"{case.id}: {dev} {view} differs after clear: +{extra} -{gone}"
    gt = fault.ground_truth()
    assert gt.fault_type == case.fault and gt.device == case.target["device"]


def test_verify_does_not_confirm_a_healthy_lab(fault_lab: FaultLab) -> None:
    """verify reads the network, not a flag: a fault never injected is not confirmed."""
    lab = fault_lab.lab
    for case in CASES:
        if case.fault in ("link_flapping",):  # its verify watches a full cycle; covered above
            continue
        fault = build_fault(case.fault, case.target, case.params, lab.topology)
        v = fault.verify(lab, fault_lab.store, Window(start=time.time() - 2, end=time.time()))
        assert not v.confirmed, f"{case.id} confirmed on a healthy lab: {v.evidence}"


def test_flapping_continues_until_cleared(fault_lab: FaultLab) -> None:
    lab = fault_lab.lab
    fault = build_fault(
        "link_flapping", {"device": "leaf2", "interface": "eth2"}, {"down_s": 0.5, "up_s": 0.5}, lab.topology
    )
    path = "/sys/class/net/eth2/carrier_changes"
    try:
        fault.inject(lab)
        first = int(lab.exec("spine2", ["cat", path.replace("eth2", "eth2")]).stdout or 0)
        time.sleep(4)
        later = int(lab.exec("spine2", ["cat", path]).stdout or 0)
        assert later - first >= 4, "the link stopped flapping before it was cleared"
    finally:
        fault.clear(lab)
    settled = int(lab.exec("spine2", ["cat", path]).stdout or 0)
    time.sleep(1.5)
    assert int(lab.exec("spine2", ["cat", path]).stdout or 0) == settled, "still flapping after clear"
    assert re.search(r"state UP", lab.exec("leaf2", ["ip", "link", "show", "dev", "eth2"]).stdout)
    assert lab.wait_healthy(60).healthy


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in CASES
        if c.id
        in (
            "bgp_remote_as",
            "congestion",
            "high_latency",
            "packet_loss_nfqueue",
            "device_down",
            "fib_rib_mismatch",
            "route_policy_network",
            "mtu_mismatch",
            "bgp_hold_timer_expiry",
            "bgpd_crash",
            "zebra_restart",
            "bgp_ttl_security_mismatch",
            "ecmp_maximum_paths_one",
            "as_path_prepend_skew",
            "host_wrong_netmask",
            "unidirectional_loss",
            "asymmetric_latency",
        )
    ],
    ids=lambda c: c.id,
)
def test_fresh_instance_clears_another_instances_injection(fault_lab: FaultLab, case: Case) -> None:
    """Recovery after the injecting object is gone (another process, a crash): a new instance with the
    same scenario fields must still restore the baseline."""
    lab = fault_lab.lab
    first = build_fault(case.fault, case.target, case.params, lab.topology)
    try:
        first.inject(lab)
        assert verify_until(first, fault_lab, time.time())[0]
    finally:
        build_fault(case.fault, case.target, case.params, lab.topology).clear(lab)
    assert lab.wait_healthy(60).healthy
    now = snapshot(lab)
    for dev, views in fault_lab.baseline.items():
        for view in (v for v in _STABLE_VIEWS if v in views):
            assert _clean(view, views[view]) == _clean(view, now[dev][view]), f"{case.id}: {dev} {view}"
