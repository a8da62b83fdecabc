"""Fixtures for evidence tests: synthetic probe data for unit tests, and real xs labs (always torn down)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import Collector, EvidenceStore
from pytest_netopsbench.runtime import Lab, create_lab
from pytest_netopsbench.runtime.netns import host_problem

HOST_PROBLEM = host_problem()
needs_lab_host = pytest.mark.skipif(HOST_PROBLEM is not None, reason=f"cannot run labs here: {HOST_PROBLEM}")


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A deployed xs lab with a unique name, torn down even when the test fails."""
    created = create_lab("xs", name=f"nob-e-{uuid.uuid4().hex[:6]}")
    try:
        created.deploy()
        yield created
    finally:
        created.teardown()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EvidenceStore]:
    s = EvidenceStore(tmp_path / "evidence.db")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def collector(lab: Lab, store: EvidenceStore) -> Iterator[Collector]:
    """A running collector (no background traffic, so loss figures are the probes' own)."""
    c = Collector(lab, store, traffic="none", interval=0.5)
    c.start()
    try:
        assert c.wait_rounds(2, timeout=15), f"no ping-mesh rounds: {list(c.errors)}"
        yield c
    finally:
        c.stop()
