"""Each public package imports on its own, in any order (scoring and report refer to each other)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PACKAGES = ["scoring", "report", "episode", "plugin", "sdk", "toolkit", "evidence", "faults", "runtime"]


@pytest.mark.parametrize("name", PACKAGES)
def test_package_imports_first(name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", f"import pytest_netopsbench.{name}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
