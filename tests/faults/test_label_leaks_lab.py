"""No label leaks: with each fault active, nothing an agent can see on any device (FRR config and
state, nft, iptables, tc, links, routes, processes) names the harness or the fault."""

from __future__ import annotations

import time

import pytest

from pytest_netopsbench.faults import build_fault

from ._cases import CASES, Case
from ._snapshot import leaks, new_lines, snapshot
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
