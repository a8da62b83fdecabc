"""Toolkit fixtures: an undeployed lab for pure validation tests, and one deployed xs lab with a
running collector shared by a module's lab tests (torn down even when a test fails)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import Collector, EvidenceStore, Window
from pytest_netopsbench.runtime import Lab, create_lab
from pytest_netopsbench.runtime.netns import host_problem
from pytest_netopsbench.toolkit import Toolkit

HOST_PROBLEM = host_problem()
needs_lab_host = pytest.mark.skipif(HOST_PROBLEM is not None, reason=f"cannot run labs here: {HOST_PROBLEM}")


class Sink:
    """A recorder that keeps every call it is given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object], object, str | None, float]] = []

    def record_tool_call(
        self, name: str, arguments: dict[str, object], result: object, error: str | None, seconds: float
    ) -> None:
        self.calls.append((name, arguments, result, error, seconds))


@pytest.fixture
def offline_toolkit(tmp_path: Path) -> Iterator[Toolkit]:
    """A toolkit over a lab that is never deployed: enough for specs and refusals, which must be
    decided before anything reaches a device."""
    lab = create_lab("xs", name=f"nob-e-{uuid.uuid4().hex[:6]}")
    store = EvidenceStore(tmp_path / "e.db")
    try:
        yield Toolkit(lab, store, Window(start=time.time() - 10, end=time.time()), recorder=Sink())
    finally:
        store.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, EvidenceStore, Collector]]:
    lab = create_lab("xs", name=f"nob-e-{uuid.uuid4().hex[:6]}")
    store = EvidenceStore(tmp_path_factory.mktemp("tk") / "evidence.db")
    collector = Collector(lab, store, traffic="light", interval=1.0)
    try:
        lab.deploy()
        collector.start()
        assert collector.wait_rounds(3, timeout=20), list(collector.errors)
        yield lab, store, collector
    finally:
        collector.stop()
        store.close()
        lab.teardown()
