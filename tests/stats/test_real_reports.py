"""``report compare`` and ``report merge`` on reports written by real pytest runs of the plugin on
real xs labs (pytester, a scripted agent, short timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.report import load_report

pytestmark = [pytest.mark.lab, pytest.mark.slow]

_TIMING = "timing: {baseline_s: 2, observe_s: 2, settle_s: 0.5, handoff_s: 0.5}\n"
HEALTHY = (
    """scenario_id: cmp-healthy
name: healthy control
topology: {scale: xs}
difficulty: easy
campaign: cmp-1
"""
    + _TIMING
)
LINK_DOWN = (
    """scenario_id: cmp-link-down
name: leaf uplink down
topology: {scale: xs}
difficulty: easy
campaign: cmp-1
fault: {type: link_down, target: {device: leaf1, interface: eth1}}
"""
    + _TIMING
)

# Two scripted agents, chosen by an environment variable and installed by overriding the documented
# ``netopsbench_agent`` fixture: one always answers network_healthy, the other always names
# leaf1:eth1 link_down.
CONFTEST = """
import os
import pytest
from pytest_netopsbench.diagnosis import DiagnosisResult


class SaysHealthy:
    def diagnose(self, context):
        return DiagnosisResult(verdict="network_healthy")


class SaysLinkDown:
    def diagnose(self, context):
        return DiagnosisResult(verdict="fault_detected", fault_type="link_down", device="leaf1",
                               interface="eth1")


@pytest.fixture(scope="session")
def netopsbench_agent():
    return SaysHealthy() if os.environ["CMP_AGENT"] == "healthy" else SaysLinkDown()
"""


def _run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    agent: str,
    files: list[str],
    out: Path,
    *extra: str,
) -> tuple[Path, str]:
    monkeypatch.setenv("CMP_AGENT", agent)
    result = pytester.runpytest_subprocess(
        *files,
        "-p",
        "no:cacheprovider",
        f"--netopsbench-report={out}",
        "--netopsbench-no-trace",
        # the agents live in the conftest beside the scenarios, which a sandbox never sees
        "--netopsbench-isolation=none",
        f"--netopsbench-artifacts={pytester.path / 'runs'}",
        *extra,
        timeout=600,
    )
    assert out.is_file(), result.stdout.str()[-3000:]
    return out, result.stdout.str()


def test_compare_and_merge_real_reports(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".yaml", **{"healthy": HEALTHY, "link_down": LINK_DOWN})
    out = pytester.path
    # agent "healthy": two shards, one scenario each (as two CI jobs would run them)
    a1, _ = _run(pytester, monkeypatch, "healthy", ["healthy.yaml"], out / "a1.json")
    a2, _ = _run(pytester, monkeypatch, "healthy", ["link_down.yaml"], out / "a2.json")
    # agent "fault": one run over both, every scenario twice
    b, terminal = _run(
        pytester,
        monkeypatch,
        "fault",
        ["healthy.yaml", "link_down.yaml"],
        out / "b.json",
        "--netopsbench-repeat=2",
    )
    report_b = load_report(b)
    assert report_b.repeats is not None and report_b.repeats.k == 2
    # deterministic agent: the healthy case always fails, the link-down case always passes
    assert report_b.repeats.pass_at_k == 0.5 and report_b.repeats.pass_hat_k == 0.5
    assert report_b.repeats.flaky_share == 0
    for path in (a1, a2, b):
        report = load_report(path)
        assert report.run.campaign_version == "cmp-1"
        assert all(c.outcome in {"correct", "wrong"} for c in report.cases), [
            (c.scenario_id, c.outcome, c.message) for c in report.cases
        ]

    merged = out / "a.json"
    assert main(["report", "merge", str(a1), str(a2), "-o", str(merged)]) == 0
    capsys.readouterr()
    a = load_report(merged)
    assert sorted(c.scenario_id for c in a.cases) == ["cmp-healthy", "cmp-link-down"]
    assert len(a.run.merged_from) == 2 and a.run.campaign_version == "cmp-1"
    by = {c.scenario_id: c for c in a.cases}
    assert by["cmp-healthy"].passed and not by["cmp-link-down"].passed
    assert a.summary.false_positive_rate == 0 and a.summary.detection_recall == 0

    # `report show` prints the table the run printed at its end
    assert main(["report", "show", str(b)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("netopsbench run") and "pass@2 / pass^2" in "\n".join(shown)
    for line in shown:
        assert line in terminal, line

    assert main(["report", "compare", str(merged), str(b), "--json"]) == 0
    cmp = json.loads(capsys.readouterr().out)
    assert cmp["shared_scenarios"] == 2
    assert sorted(d["scenario_id"] for d in cmp["disagreements"]) == ["cmp-healthy", "cmp-link-down"]
    recall = next(m for m in cmp["metrics"] if m["metric"] == "device_localization_rate")
    assert (recall["a"], recall["b"], recall["diff"]["value"]) == (0.0, 1.0, 1.0)
    assert (cmp["a_cases"], cmp["b_cases"]) == (2, 4)  # one trial against two: paired by scenario
    assert main(["report", "compare", str(merged), str(b)]) == 0
    assert "cases where the runs disagree (2)" in capsys.readouterr().out

    # a different agent's report is refused as a shard, and accepted with --force
    assert main(["report", "merge", str(merged), str(b), "-o", str(out / "x.json")]) == 1
    assert "different agents" in capsys.readouterr().err
    assert main(["report", "show", str(merged)]) == 0
    assert "cmp-1" in capsys.readouterr().out
