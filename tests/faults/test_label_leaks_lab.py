"""No label leaks: with each fault active, nothing an agent can see on any device (FRR config and
state, nft, iptables, tc, links, routes, processes) names the harness or the fault; and tool
errors on a down device read like the device's own."""

from __future__ import annotations

import time

import pytest

from pytest_netopsbench.evidence import Window
from pytest_netopsbench.faults import build_fault
from pytest_netopsbench.toolkit import Toolkit
from pytest_netopsbench.toolkit._commands import NO_DAEMON

from ._cases import CASES, Case
from ._snapshot import leaks, new_lines, snapshot
from ._tool_errors import harness_words, tool_errors
from .conftest import FaultLab
from .test_faults_lab import verify_until

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_label_leak_while_active(fault_lab: FaultLab, case: Case) -> None:
    lab = fault_lab.lab
    fault = build_fault(case.fault, case.target, case.params, lab.topology)
    if fault.unsupported_reason():
        pytest.skip(fault.unsupported_reason() or "")
    started = time.time()
    try:
        fault.inject(lab)
        assert verify_until(fault, fault_lab, started)[0], f"{case.id} never became visible"
        added = new_lines(fault_lab.baseline, snapshot(lab))
    finally:
        fault.clear(lab)
        lab.wait_healthy(60)
    assert added, f"{case.id}: the fault left nothing visible to compare (snapshot too narrow?)"
    found = leaks(added)
    assert not found, f"{case.id} leaks harness/fault words: {found[:5]}"


@pytest.mark.parametrize("device", ["leaf1", "spine1"])
def test_tool_errors_on_a_down_device_read_like_the_device(fault_lab: FaultLab, device: str) -> None:
    """With a switch down (ports down, routing daemons stopped), every tool's error names only the
    device and what a real one would show: no path, lab name, socket or harness step."""
    lab = fault_lab.lab
    fault = build_fault("device_down", {"device": device}, {}, lab.topology)
    toolkit = Toolkit(lab, fault_lab.store, Window(start=time.time() - 10, end=time.time()))
    try:
        fault.inject(lab)
        errors = tool_errors(toolkit, device, "198.19.2.10")
    finally:
        fault.clear(lab)
        lab.wait_healthy(60)
    assert errors.get("get_bgp_neighbors") == f"{device}: {NO_DAEMON}", errors
    assert device in errors.get("get_all_bgp_status", ""), errors
    found = harness_words(errors, lab.name)
    assert not found, found
