"""A run removes its own run id's stale labs at start and at end, even when no case ran, and
never another run's. Lab records whose namespaces never existed stand in for labs left by a killed
run: teardown works from ``lab.json`` alone, so no lab has to be deployed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from plugin_helpers import scenario

AGENT_CONFTEST = """
import pytest
from pytest_netopsbench import DiagnosisResult

class Healthy:
    def diagnose(self, context):
        return DiagnosisResult(verdict="network_healthy")

@pytest.fixture
def netopsbench_agent():
    return Healthy()
"""


def _stale_record(root: Path, name: str, run_id: str) -> Path:
    lab = root / "labs" / name
    lab.mkdir(parents=True)
    info = {
        "name": name,
        "backend": "netns",
        "scale": "xs",
        "run_id": run_id,
        "worker": "gw0",
        "owner_pid": 2**22 - 1,  # above pid_max on most hosts: a dead owner
        "owner_start": 1,
        "created": time.time() - 60,
        "devices": ["h1"],
        "run_dir": str(lab),
        "state": "up",
    }
    (lab / "lab.json").write_text(json.dumps(info))
    return lab


@pytest.mark.parametrize("keep", [False, True], ids=["sweeps", "keep-lab-sweeps-nothing"])
def test_a_run_sweeps_only_its_own_stale_labs_even_when_no_case_ran(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, keep: bool
) -> None:
    root = pytester.path / "labroot"
    monkeypatch.setenv("NETOPSBENCH_RUN_ROOT", str(root))
    mine = _stale_record(root, "nob-mine-0001-gw0-xs", "retry-7")
    theirs = _stale_record(root, "nob-them-0002-gw0-xs", "other-run")
    scenario(pytester, "scenarios/a.yaml", "healthy-a")
    pytester.makeconftest(AGENT_CONFTEST)
    args = ["-p", "no:cacheprovider", "--netopsbench-run-id=retry-7", "-k", "no-such-case"]
    result = pytester.runpytest_subprocess(*args, *(["--netopsbench-keep-lab"] if keep else []))
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert theirs.exists()
    if keep:
        assert mine.exists()
    else:
        assert not mine.exists()
        result.stdout.fnmatch_lines(
            ["*removed stale labs of run retry-7 left by an earlier attempt: nob-mine-0001*"]
        )
