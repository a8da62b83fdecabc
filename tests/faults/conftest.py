"""Fixtures for fault tests: one real xs lab per test module (with a running evidence collector),
torn down even when a test fails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import Collector, EvidenceStore
from pytest_netopsbench.runtime import Lab, create_lab
from pytest_netopsbench.runtime.netns import host_problem

from ._snapshot import Snapshot, snapshot

HOST_PROBLEM = host_problem()
needs_lab_host = pytest.mark.skipif(HOST_PROBLEM is not None, reason=f"cannot run labs here: {HOST_PROBLEM}")


@dataclass
class FaultLab:
    lab: Lab
    store: EvidenceStore
    collector: Collector
    baseline: Snapshot


@pytest.fixture(scope="module")
def fault_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultLab]:
    """A deployed xs lab plus a light evidence collector, shared by one test module."""
    if HOST_PROBLEM is not None:
        pytest.skip(f"cannot run labs here: {HOST_PROBLEM}")
    lab = create_lab("xs", name=f"nob-f-{uuid.uuid4().hex[:6]}")
    store: EvidenceStore | None = None
    collector: Collector | None = None
    try:
        lab.deploy()
        store = EvidenceStore(Path(tmp_path_factory.mktemp("evidence")) / "evidence.db")
        collector = Collector(lab, store, traffic="light").start()
        collector.wait_rounds(2, timeout=20)
        yield FaultLab(lab=lab, store=store, collector=collector, baseline=snapshot(lab))
    finally:
        if collector is not None:
            collector.stop()
        if store is not None:
            store.close()
        lab.teardown()
