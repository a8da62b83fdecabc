"""The plugin in sandbox mode without a lab: one usage error for an agent that cannot be built in
its sandbox, for a missing bwrap; isolation in the options and in compare/merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_helpers import HERE, needs_bwrap

from pytest_netopsbench.errors import ReportError
from pytest_netopsbench.report import CaseRecord, RunMeta, build_report, compare_reports, merge_reports

_SCENARIO = "scenario_id: case-a\nname: a\ntopology: {scale: xs}\n"


def _project(pytester: pytest.Pytester) -> None:
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "a.yaml").write_text(_SCENARIO)
    pytester.makeini(f"[pytest]\npythonpath = {HERE}\n")


@needs_bwrap
def test_unimportable_agent_is_one_usage_error_from_its_sandbox(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:xdist", "--netopsbench-agent=adversaries:Missing")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "(in its sandbox)" in err and "has no attribute 'Missing'" in err, err
    assert err.count("has no attribute") == 1
    # the pytest process never imported the agent's module: a bad spec shape is refused before that
    result = pytester.runpytest_subprocess("-p", "no:xdist", "--netopsbench-agent=adversaries.Snoop")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "must look like module:attr" in result.stderr.str()


SPY_AGENT = """
import os
from pathlib import Path

# Runs at import: in the pytest process this file appears; in the sandbox the directory is read-only.
try:
    Path(__file__).with_name("imported-by-pytest").write_text(str(os.getpid()))
except OSError:
    pass


class Agent:
    name = "spy"

    def diagnose(self, context):
        return {"verdict": "network_healthy"}
"""

SKIPPING_CONFTEST = """
from pytest_netopsbench.faults.link import LinkDown


class TeleporterLinkDown(LinkDown):
    name = "teleporter_link_down"
    aliases = ()
    requires = ("teleporter",)


def pytest_netopsbench_register_faults(register):
    register(TeleporterLinkDown)
"""


@needs_bwrap
def test_pytest_never_imports_the_agent_in_sandbox_mode(pytester: pytest.Pytester) -> None:
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "a.yaml").write_text(
        _SCENARIO + "fault: {type: teleporter_link_down, target: {device: leaf1, interface: eth1}}\n"
    )
    pytester.makepyfile(spy_agent=SPY_AGENT)
    pytester.makeconftest(SKIPPING_CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:xdist", "--netopsbench-agent=spy_agent:Agent", "-rs")
    result.assert_outcomes(skipped=1)
    assert not (pytester.path / "imported-by-pytest").exists()
    result.stdout.fnmatch_lines(["*isolation: sandbox*"])
    # the same run in-process imports it (the marker proves the probe works)
    result = pytester.runpytest_subprocess(
        "-p", "no:xdist", "--netopsbench-agent=spy_agent:Agent", "--netopsbench-isolation=none"
    )
    result.assert_outcomes(skipped=1)
    assert (pytester.path / "imported-by-pytest").exists()


def test_missing_bwrap_is_one_usage_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(pytester)
    monkeypatch.setenv("PATH", str(pytester.path / "no-bin"))
    result = pytester.runpytest_subprocess("-p", "no:xdist", "--netopsbench-agent=adversaries:Snoop")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "install bubblewrap" in err and "--netopsbench-isolation=none" in err, err


def test_missing_agent_env_variable_is_a_usage_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    _project(pytester)
    env_file = tmp_path / "env.yaml"
    env_file.write_text("API_KEY: ${NETOPSBENCH_TEST_UNSET_VARIABLE}\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:xdist", "--netopsbench-agent=adversaries:Snoop", f"--netopsbench-agent-env={env_file}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert str(env_file) in err and "NETOPSBENCH_TEST_UNSET_VARIABLE" in err, err


def _report(run_id: str, isolation: str) -> object:
    case = CaseRecord(
        case_id="case-1",
        scenario_id="s1",
        scale="xs",
        healthy=True,
        expected_verdict="network_healthy",
        outcome="correct",
        passed=True,
        score=1.0,
        isolation=isolation,  # type: ignore[arg-type]
    )
    return build_report(RunMeta(run_id=run_id, agent="a", isolation=isolation), [case])  # type: ignore[arg-type]


def test_compare_and_merge_refuse_mixed_isolation() -> None:
    a, b = _report("run-a", "sandbox"), _report("run-b", "none")
    with pytest.raises(ReportError, match="isolation"):
        compare_reports(a, b)  # type: ignore[arg-type]
    with pytest.raises(ReportError, match="isolation"):
        merge_reports([a, b])  # type: ignore[list-item]
    assert compare_reports(a, b, force=True).shared_scenarios == 1  # type: ignore[arg-type]
    merged = merge_reports([a, _report("run-c", "sandbox")])  # type: ignore[list-item]
    assert merged.run.isolation == "sandbox"
