"""Repository-level pytest configuration for pytest-netopsbench's own test suite.

The plugin itself is loaded through its ``pytest11`` entry point; this file only adds what the
project's tests need: real-lab tests (``-m lab``) are skipped with a reason on a host that cannot run
labs, and a last sweep removes any lab this very pytest process still owns when the session ends, so
a test that crashed mid-way cannot leave namespaces or FRR daemons behind.
"""

from __future__ import annotations

import os
import shutil

import pytest


def _lab_host_problem() -> str | None:
    if os.geteuid() != 0:
        return "real-lab tests need root (network namespaces, FRR)"
    if not os.path.exists("/usr/lib/frr/bgpd"):
        return "real-lab tests need FRR: run scripts/setup.sh"
    for tool in ("ip", "fping", "nft", "iptables", "iperf3"):
        if shutil.which(tool) is None:
            return f"real-lab tests need {tool}: run scripts/setup.sh"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = _lab_host_problem()
    if problem is None:
        return
    skip = pytest.mark.skip(reason=problem)
    for item in items:
        if item.get_closest_marker("lab") is not None:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _lab_host_problem() is not None:
        return
    # A benchmark run started from this checkout (the SDK's in-process pytest.main, `netopsbench
    # run`) shares our pid and this conftest: sweeping there would remove labs it was told to keep
    # (--netopsbench-keep-lab) or that an SDK pool owns. The outer test session still sweeps them.
    if session.config.getoption("netopsbench_agent", None):
        return
    from pytest_netopsbench.runtime import list_labs, teardown_lab

    me = os.getpid()
    for info in list_labs():
        if info.owner_pid == me:
            teardown_lab(info.name)
