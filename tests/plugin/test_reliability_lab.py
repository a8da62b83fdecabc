"""Accounting, resume and retries on real xs labs (docs/reliability.md): a worker SIGKILLed in the
agent call and in the harness, SIGINT then --netopsbench-resume, and a retried infra error.

Each test runs 1-3 healthy/link cases with short windows; the kills are aimed with the worker's
own crash marker (``inprogress/<worker>.json`` names the phase and the pid)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import (
    FAST_TIMING,
    LINK_DOWN,
    in_file_order,
    junit_suite_properties,
    labs_of_run,
    scenario,
)

from pytest_netopsbench.report._accounting import InProgress

pytestmark = pytest.mark.lab

AGENT_CONFTEST = '''
import os
import sys
import time
from pathlib import Path

import pytest
from pytest_netopsbench import DiagnosisResult
from pytest_netopsbench.errors import FaultError
from pytest_netopsbench.faults.link import LinkDown


class Agent:
    def __init__(self, behaviour):
        self.behaviour = behaviour

    def diagnose(self, context):
        if self.behaviour == "sleepy":
            time.sleep(120)  # the test kills this worker meanwhile
        if self.behaviour == "link":
            return DiagnosisResult(verdict="fault_detected", fault_type="link_down", device="leaf1",
                                   interface="eth1")
        return DiagnosisResult(verdict="network_healthy")


@pytest.fixture
def netopsbench_agent(request):
    return Agent(request.node.scenario.scenario_id.split("-", 1)[0])


class LabPickyLinkDown(LinkDown):
    """Refuses to inject on the first lab it meets (told apart by leaf1's namespace inode), so the
    case is an infra_error there and passes only when retried on a freshly built lab."""

    name = "lab_picky_link_down"
    aliases = ()

    def inject(self, lab):
        inode = str(os.stat(f"/run/netns/{lab.ns('leaf1')}").st_ino)
        flag = Path("first-lab-inode")
        if not flag.exists():
            flag.write_text(inode)
        if flag.read_text() == inode:
            raise FaultError(f"this fault refuses lab namespace inode {inode}")
        super().inject(lab)


def pytest_netopsbench_register_faults(register):
    register(LabPickyLinkDown)
'''


def _sigint_default() -> None:
    # A suite started in the background (`cmd &` in a script, nohup, some CI runners) ignores SIGINT,
    # and an ignored signal stays ignored across exec: the run under test must see it as Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _popen(pytester: pytest.Pytester, *args: str) -> subprocess.Popen[bytes]:
    proc: subprocess.Popen[bytes] = pytester.popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_sigint_default,
    )
    return proc


def _wait_marker(run: Path, scenario_id: str, phase: str, proc: subprocess.Popen[bytes]) -> InProgress:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        for path in (run / "inprogress").glob("*.json"):
            try:
                marker = InProgress.model_validate_json(path.read_text())
            except (OSError, ValueError):
                continue
            if marker.record.scenario_id == scenario_id and marker.phase == phase:
                return marker
        time.sleep(0.2)
    out = proc.stdout.read().decode() if proc.poll() is not None and proc.stdout else ""
    raise AssertionError(f"{scenario_id} never reached {phase}\n{out}")


def _finish(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stdout is not None
    out = proc.stdout.read()  # pytester.popen closes stdin, so communicate() cannot be used
    proc.wait(timeout=600)
    return out.decode()


def _report(run: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((run / "report.json").read_text())
    return report


def test_worker_killed_in_agent_call_and_in_harness_is_accounted(pytester: pytest.Pytester) -> None:
    scenario(pytester, "scenarios/a.yaml", "sleepy-agent", timing=FAST_TIMING)
    scenario(pytester, "scenarios/b.yaml", "slow-baseline", timing={**FAST_TIMING, "baseline_s": 40})
    scenario(pytester, "scenarios/c.yaml", "healthy-c", timing=FAST_TIMING)
    pytester.makeconftest(AGENT_CONFTEST)
    run = pytester.path / ".netopsbench" / "runs" / "crashy"
    proc = _popen(
        pytester, "-n", "2", in_file_order(3), "--netopsbench-run-id=crashy", "--junitxml=junit.xml"
    )
    in_agent = _wait_marker(run, "sleepy-agent", "agent", proc)
    os.kill(in_agent.pid, signal.SIGKILL)
    in_harness = _wait_marker(run, "slow-baseline", "baseline", proc)
    os.kill(in_harness.pid, signal.SIGKILL)
    out = _finish(proc)
    report = _report(run)
    cases = {c["scenario_id"]: c for c in report["cases"]}
    assert set(cases) == {"sleepy-agent", "slow-baseline", "healthy-c"}, out
    assert cases["sleepy-agent"]["outcome"] == "agent_error"
    assert "crashed during the agent call" in cases["sleepy-agent"]["message"]
    assert cases["slow-baseline"]["outcome"] == "infra_error"
    assert "crashed during baseline" in cases["slow-baseline"]["message"]
    assert cases["healthy-c"]["outcome"] == "correct"
    acc = report["accounting"]
    assert acc["selected"] == acc["finished"] + len(acc["not_run"]) == 3
    assert len(acc["crashes"]) == 2 and acc["interrupted"] is None
    lines = (run / "cases.jsonl").read_text().splitlines()
    assert len(lines) == 3  # the controller wrote the crashed cases' records
    assert junit_suite_properties(pytester.path / "junit.xml")["netopsbench.incomplete"] == "false"
    assert "worker crash: gw" in out
    assert labs_of_run("crashy") == []  # the crashed workers' labs were swept


def test_sigint_then_resume_runs_only_the_missing_cases(pytester: pytest.Pytester) -> None:
    ids = ["healthy-a", "healthy-b", "healthy-c"]
    for sid in ids:
        scenario(pytester, f"scenarios/{sid}.yaml", sid, timing=FAST_TIMING)
    pytester.makeconftest(AGENT_CONFTEST)
    run = pytester.path / ".netopsbench" / "runs" / "cut"
    proc = _popen(
        pytester,
        "-p",
        "no:xdist",
        in_file_order(3),
        "--netopsbench-run-id=cut",
        "--junitxml=junit.xml",
        "--html=cut.html",
    )
    _wait_marker(run, "healthy-b", "baseline", proc)
    proc.send_signal(signal.SIGINT)
    out = _finish(proc)
    first = _report(run)
    acc = first["accounting"]
    assert acc["interrupted"] == "SIGINT", out
    assert acc["selected"] == 3 and acc["finished"] == 1 and len(acc["not_run"]) == 2
    assert "INCOMPLETE RUN" in out and "--netopsbench-resume cut" in out
    props = junit_suite_properties(pytester.path / "junit.xml")
    assert props["netopsbench.incomplete"] == "true" and props["netopsbench.interrupted"] == "SIGINT"
    assert "INCOMPLETE RUN: interrupted (SIGINT" in (pytester.path / "cut.html").read_text()
    assert labs_of_run("cut") == []

    refused = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--netopsbench-resume=cut", "--netopsbench-pass-score=0.5"
    )
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*refusing to resume run cut*pass score*"])
    assert _report(run)["accounting"]["interrupted"] == "SIGINT"  # the refusal wrote nothing

    resumed = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "--netopsbench-resume=cut"
    )
    resumed.assert_outcomes(passed=2, deselected=1)
    final = _report(run)
    assert sorted(c["scenario_id"] for c in final["cases"]) == ids
    assert final["accounting"]["interrupted"] is None and final["accounting"]["not_run"] == []
    assert final["accounting"]["sessions"] == 2
    case_ids = [json.loads(line)["case_id"] for line in (run / "cases.jsonl").read_text().splitlines()]
    assert len(case_ids) == len(set(case_ids)) == 3
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--netopsbench-run-id=cut")
    assert again.ret == pytest.ExitCode.USAGE_ERROR  # a run id is never reused for a second run


def test_retry_runs_an_infra_error_again_on_a_fresh_lab(pytester: pytest.Pytester) -> None:
    fault = {**LINK_DOWN, "type": "lab_picky_link_down"}
    timing = {**FAST_TIMING, "observe_s": 3}
    scenario(pytester, "scenarios/link.yaml", "link-picky", fault=fault, timing=timing)
    pytester.makeconftest(AGENT_CONFTEST)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "--netopsbench-run-id=retry", "--netopsbench-retries=1"
    )
    result.assert_outcomes(passed=1)
    run = pytester.path / ".netopsbench" / "runs" / "retry"
    (case,) = _report(run)["cases"]
    assert case["outcome"] == "correct" and case["lab_rebuilt"] is True
    (attempt,) = case["attempts"]
    assert attempt["outcome"] == "infra_error" and "refuses lab namespace inode" in attempt["message"]
    assert attempt["case_id"] != case["case_id"]
    assert len((run / "cases.jsonl").read_text().splitlines()) == 2  # both attempts on disk
    assert labs_of_run("retry") == []


def test_x_stops_the_run_and_the_report_says_so(pytester: pytest.Pytester) -> None:
    scenario(
        pytester, "scenarios/a.yaml", "nope-link", fault=LINK_DOWN, timing={**FAST_TIMING, "observe_s": 3}
    )
    scenario(pytester, "scenarios/b.yaml", "healthy-after", timing=FAST_TIMING)
    pytester.makeconftest(AGENT_CONFTEST)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "-x", in_file_order(2), "--netopsbench-run-id=x"
    )
    result.assert_outcomes(failed=1)
    acc = _report(pytester.path / ".netopsbench" / "runs" / "x")["accounting"]
    assert acc["interrupted"] == "-x" and acc["not_run"] == ["scenarios/b.yaml::healthy-after"]
    result.stdout.fnmatch_lines(["*INCOMPLETE RUN: interrupted (-x: stopping after 1 failures)*"])
    assert labs_of_run("x") == []


def test_sigkill_of_the_run_then_rebuild_then_resume(pytester: pytest.Pytester) -> None:
    """SIGKILL of a single-process run leaves no report: `report rebuild` makes one from cases.jsonl
    (the killed case is not run) and a resume completes the run."""
    from pytest_netopsbench.cli import main
    from pytest_netopsbench.runtime import list_labs, teardown_lab

    ids = ["healthy-k1", "healthy-k2", "healthy-k3"]
    for sid in ids:
        scenario(pytester, f"scenarios/{sid}.yaml", sid, timing=FAST_TIMING)
    pytester.makeconftest(AGENT_CONFTEST)
    run = pytester.path / ".netopsbench" / "runs" / "killed"
    proc = _popen(pytester, "-p", "no:xdist", in_file_order(3), "--netopsbench-run-id=killed")
    _wait_marker(run, "healthy-k2", "observe", proc)
    proc.kill()
    _finish(proc)
    # nothing reaps a SIGKILLed owner's lab on this branch (owner watchdogs are another change)
    for info in list_labs():
        if info.run_id == "killed":
            teardown_lab(info.name)
    assert not (run / "report.json").exists()
    assert main(["report", "rebuild", str(run)]) == 0
    acc = _report(run)["accounting"]
    assert (acc["selected"], acc["finished"], acc["interrupted"]) == (3, 1, "unknown")
    assert sorted(acc["not_run"]) == [
        "scenarios/healthy-k2.yaml::healthy-k2",
        "scenarios/healthy-k3.yaml::healthy-k3",
    ]
    resumed = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "--netopsbench-resume=killed"
    )
    resumed.assert_outcomes(passed=2, deselected=1)
    final = _report(run)
    assert sorted(c["scenario_id"] for c in final["cases"]) == ids and final["accounting"]["not_run"] == []


def test_sigint_to_the_xdist_controller_before_any_case_finished_still_writes_the_report(
    pytester: pytest.Pytester,
) -> None:
    scenario(pytester, "scenarios/a.yaml", "healthy-s1", timing={**FAST_TIMING, "baseline_s": 20})
    scenario(pytester, "scenarios/b.yaml", "healthy-s2", timing={**FAST_TIMING, "baseline_s": 20})
    pytester.makeconftest(AGENT_CONFTEST)
    run = pytester.path / ".netopsbench" / "runs" / "early"
    proc = _popen(pytester, "-n", "2", in_file_order(2), "--netopsbench-run-id=early", "--junitxml=junit.xml")
    _wait_marker(run, "healthy-s1", "baseline", proc)
    proc.send_signal(signal.SIGINT)
    out = _finish(proc)
    acc = _report(run)["accounting"]
    assert acc["interrupted"] == "SIGINT", out
    assert acc["selected"] == acc["finished"] + len(acc["not_run"]) == 2
    assert acc["finished"] == 0 and len(acc["not_run"]) == 2, acc
    assert junit_suite_properties(pytester.path / "junit.xml")["netopsbench.incomplete"] == "true"
    deadline = time.monotonic() + 30
    while labs_of_run("early") and time.monotonic() < deadline:
        time.sleep(1)
    assert labs_of_run("early") == []
