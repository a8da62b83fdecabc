"""Repository-level pytest configuration for pytest-netopsbench's own test suite.

The plugin itself is loaded through its ``pytest11`` entry point; this file only adds what the
project's tests need: real-lab tests (``-m lab``) are skipped with a reason on a host that cannot run
labs, and a last sweep removes any lab this very pytest process still owns when the session ends, so
a test that crashed mid-way cannot leave namespaces or FRR daemons behind. Tests write only under
their own temporary directories: the session fails if the checkout gained files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

_CHECKOUT = Path(__file__).resolve().parent
# Caches and the environment that a test session creates by design, not files a test wrote.
_EXPECTED = (".venv/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/", ".hypothesis/")
_baseline: set[str] | None = None


def _checkout_files() -> set[str] | None:
    """Untracked and ignored paths of the checkout (``None`` when this is not a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(_CHECKOUT), "status", "--porcelain", "--ignored", "--untracked-files=all"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = {line[3:] for line in out.splitlines() if line[:2] in ("??", "!!")}
    return {
        p for p in paths if not p.startswith(_EXPECTED) and "__pycache__/" not in p and ".egg-info/" not in p
    }


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    global _baseline
    if not _is_xdist_worker(session.config):
        _baseline = _checkout_files()


def _lab_host_problem() -> str | None:
    if os.geteuid() != 0:
        return "real-lab tests need root (network namespaces, FRR)"
    if not os.path.exists("/usr/lib/frr/bgpd"):
        return "real-lab tests need FRR: run scripts/setup.sh"
    for tool in ("ip", "fping", "nft", "iptables", "iperf3"):
        if shutil.which(tool) is None:
            return f"real-lab tests need {tool}: run scripts/setup.sh"
    return None


#: a real-lab test judges timing and sampled counters on a shared 2-core host that also runs the
#: rest of the suite; one failure in a few hundred such tests per run was the host, not the code.
#: Each gets one rerun (pytest-rerunfailures; shown as ``R`` and counted as "rerun" in the summary),
#: a second failure fails the suite. Unit tests and benchmark runs started from this checkout get none.
LAB_RERUNS = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = _lab_host_problem()
    tests = _CHECKOUT / "tests"
    for item in items:
        if item.get_closest_marker("lab") is None:
            continue
        if problem is not None:
            item.add_marker(pytest.mark.skip(reason=problem))
        elif item.path.is_relative_to(tests) and item.get_closest_marker("flaky") is None:
            item.add_marker(pytest.mark.flaky(reruns=LAB_RERUNS))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _check_checkout_unchanged(session)
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


def _check_checkout_unchanged(session: pytest.Session) -> None:
    if _baseline is None or _is_xdist_worker(session.config):
        return
    # An inner run (the SDK's in-process pytest.main, pytester in-process) shares this conftest.
    if session.config.getoption("netopsbench_agent", None):
        return
    now = _checkout_files()
    if now is None:
        return
    gained = sorted(now - _baseline)
    if gained:
        listing = "\n  ".join(gained[:20])
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            f"the test session wrote {len(gained)} file(s) into the checkout; tests write only under "
            f"their own temporary directories:\n  {listing}"
        )
        if reporter is not None:
            reporter.write("\n")
            reporter.write_sep("=", "checkout changed", red=True)
            reporter.write_line(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
