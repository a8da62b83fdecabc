"""The Toggler's own logic (an intermittent fault's on/off cycle): timing, a verification holding
the fault active, stopping with no thread left. The fault here only notes its calls; the real
faults toggling on a real lab are in test_hard_cases_lab.py."""

from __future__ import annotations

import threading
import time
from typing import Any

from pytest_netopsbench.diagnosis import GroundTruth
from pytest_netopsbench.episode._schedule import HerringRun, Toggler
from pytest_netopsbench.errors import FaultError
from pytest_netopsbench.faults import Fault, FaultTarget, TargetKind, Verification
from pytest_netopsbench.scenario import Schedule
from pytest_netopsbench.topology import build_topology


class Noted(Fault):
    name = "noted"
    category = "test"
    targets = (TargetKind.DEVICE,)
    intermittent_ok = True

    def __init__(self) -> None:
        super().__init__(build_topology("xs"), FaultTarget(device="leaf1"))
        self.calls: list[tuple[str, float]] = []
        self.fail_on: str | None = None

    def inject(self, lab: Any) -> None:
        if self.fail_on == "inject":
            raise FaultError("lab gone")
        self.calls.append(("inject", time.monotonic()))

    def clear(self, lab: Any) -> None:
        self.calls.append(("clear", time.monotonic()))

    def verify(self, lab: Any, store: Any, window: Any) -> Verification:
        return Verification(confirmed=True)

    def ground_truth(self) -> GroundTruth:
        return GroundTruth(fault_type=self.name, device="leaf1")


def test_cycles_on_schedule_and_stops_cleanly() -> None:
    fault = Noted()
    toggler = Toggler(fault, Schedule(on_s=1, off_s=1), lab=None)  # type: ignore[arg-type]
    before = set(threading.enumerate())
    start = time.monotonic()
    toggler.start()
    time.sleep(3.5)
    toggler.stop()
    kinds = [k for k, _ in fault.calls]
    assert kinds[:3] == ["clear", "inject", "clear"] and toggler.cycles >= 1
    # off after on_s, on again after off_s (a loaded host may add a little)
    assert 0.9 <= fault.calls[0][1] - start <= 1.6
    assert 0.9 <= fault.calls[1][1] - fault.calls[0][1] <= 1.6
    assert not toggler.running and not toggler.errors
    assert not [t for t in set(threading.enumerate()) - before if t.is_alive()]


def test_a_verification_holds_the_fault_active() -> None:
    fault = Noted()
    toggler = Toggler(fault, Schedule(on_s=1, off_s=1), lab=None)  # type: ignore[arg-type]
    toggler.start()
    try:
        with toggler.held_active(5) as active:
            assert active
            time.sleep(1.6)  # past the on-period: the clear waits for the block to end
            assert fault.calls == []
        time.sleep(0.2)
        assert [k for k, _ in fault.calls] == ["clear"]
        # now off: the next hold waits for the next on-period
        with toggler.held_active(3) as active:
            assert active and [k for k, _ in fault.calls][-1] == "inject"
    finally:
        toggler.stop()


def test_no_on_period_in_time_and_a_failed_toggle_is_reported() -> None:
    fault = Noted()
    toggler = Toggler(fault, Schedule(on_s=1, off_s=5), lab=None)  # type: ignore[arg-type]
    toggler.start()
    fault.fail_on = "inject"
    try:
        time.sleep(1.2)
        with toggler.held_active(0.5) as active:
            assert not active
    finally:
        toggler.stop()
    assert not toggler.errors  # stopped in its off-period, before the failing inject
    toggler = Toggler(fault, Schedule(on_s=1, off_s=1), lab=None)  # type: ignore[arg-type]
    toggler.start()
    time.sleep(2.5)
    toggler.stop()
    assert toggler.errors == ["toggling noted: lab gone"]


def test_no_herrings_is_a_no_op() -> None:
    run = HerringRun([], lab=None)  # type: ignore[arg-type]
    run.start()
    assert run.wait(0) and run.close() == [] and run.evidence == []
