"""Fixtures for SDK tests on real labs: a private runs directory and a guard that removes any lab
one of the test's runs left behind (found by the run id in its lab.json, never by pattern)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_netopsbench.runtime.netns import host_problem

REPO = Path(__file__).resolve().parents[2]
XS = REPO / "scenarios" / "generated" / "xs"


HOST_PROBLEM = host_problem()
needs_lab_host = pytest.mark.skipif(HOST_PROBLEM is not None, reason=f"cannot run labs here: {HOST_PROBLEM}")


class LabGuard:
    def __init__(self) -> None:
        self.run_ids: set[str] = set()
        self.names: set[str] = set()

    def leftovers(self) -> list[str]:
        from pytest_netopsbench.runtime import list_labs

        return [i.name for i in list_labs() if i.run_id in self.run_ids or i.name in self.names]


@pytest.fixture
def lab_guard() -> Iterator[LabGuard]:
    guard = LabGuard()
    try:
        yield guard
    finally:
        from pytest_netopsbench.runtime import teardown_lab

        for name in guard.leftovers():
            teardown_lab(name)
