"""Fixtures for runtime tests: labs with unique names that are always torn down, even on failure."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_netopsbench.runtime import Lab, create_lab, teardown_lab
from pytest_netopsbench.runtime.netns import host_problem

HOST_PROBLEM = host_problem()
needs_lab_host = pytest.mark.skipif(HOST_PROBLEM is not None, reason=f"cannot run labs here: {HOST_PROBLEM}")


def unique_name(tag: str = "rt") -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_lab() -> Iterator[Callable[..., Lab]]:
    """``make_lab(scale="xs", **options)`` -> an undeployed lab with a unique name, torn down afterwards."""
    labs: list[Lab] = []

    def _make(scale: str = "xs", **options: Any) -> Lab:
        lab = create_lab(scale, name=options.pop("name", None) or unique_name(), **options)
        labs.append(lab)
        return lab

    try:
        yield _make
    finally:
        for lab in labs:
            lab.teardown()


@pytest.fixture
def private_run_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A run root of our own, so `teardown --all` in a test only ever sees this test's labs.

    It lives under /run (not pytest's 0700 tmp dirs) because FRR, running as user frr, must
    traverse into it.
    """
    root = Path("/run") / unique_name("nobtest")
    root.mkdir(mode=0o755)
    monkeypatch.setenv("NETOPSBENCH_RUN_ROOT", str(root))
    try:
        yield root
    finally:
        labs = root / "labs"
        leftovers = sorted(p.name for p in labs.iterdir()) if labs.exists() else []
        for name in leftovers:  # only labs created under this private root (env still points here)
            teardown_lab(name)
        shutil.rmtree(root, ignore_errors=True)
