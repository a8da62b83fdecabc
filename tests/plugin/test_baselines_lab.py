"""The trivial baselines on real episodes, through the plugin on one real xs lab: a healthy case and
a link fault. Every record carries both baselines' scores, scored like the agent's answer; the
agent's tool-call count stays its own; the report, the terminal summary and JUnit compare them."""

from __future__ import annotations

import json

import pytest
from plugin_helpers import FAST_TIMING, LINK_DOWN, junit_cases, run_dir, scenario

from pytest_netopsbench.diagnosis import DiagnosisResult, GroundTruth
from pytest_netopsbench.scoring import score_case
from pytest_netopsbench.topology import build_topology

pytestmark = pytest.mark.lab

# Two tool calls, never the hotspots tool the worst-pair baseline calls; then "healthy" (right on
# the healthy case, wrong on the fault: the numbers are not the point, the bookkeeping is).
AGENT_MODULE = """
from pytest_netopsbench import DiagnosisResult


class TwoCalls:
    name = "two-calls"

    def diagnose(self, context):
        context.tools.call("get_topology", {})
        context.tools.call("get_pingmesh_summary", {})
        return DiagnosisResult(verdict="network_healthy")
"""

HEALTHY, WORST = "baseline-healthy", "baseline-worst-pair"


def test_every_case_carries_both_baselines(pytester: pytest.Pytester) -> None:
    scenario(pytester, "scenarios/healthy.yaml", "healthy-a", timing=FAST_TIMING)
    scenario(
        pytester, "scenarios/link.yaml", "link-a", fault=LINK_DOWN, timing={**FAST_TIMING, "observe_s": 3}
    )
    pytester.makepyfile(nob_two_calls=AGENT_MODULE)
    pytester.makeini("[pytest]\npythonpath = .\n")
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--netopsbench-agent=nob_two_calls:TwoCalls",
        "--junitxml=junit.xml",
        timeout=600,
    )
    result.assert_outcomes(passed=1, failed=1)
    report = json.loads((run_dir(pytester) / "report.json").read_text())
    cases = {c["scenario_id"]: c for c in report["cases"]}
    healthy, fault = cases["healthy-a"], cases["link-a"]
    topology = build_topology("xs")
    for case in (healthy, fault):
        assert set(case["baselines"]) == {HEALTHY, WORST}, case["baselines"]
        # the agent's calls only: the baseline's hotspots call went to its own recorder
        assert case["tool_calls"] == 2, case
        assert case["baselines"][HEALTHY]["tool_calls"] == 0
        worst = case["baselines"][WORST]
        assert worst["tool_calls"] == 1 and worst["outcome"] in ("correct", "wrong"), worst
        # scored by the same rules as the agent's answer
        truth = GroundTruth.model_validate(case["expected"]) if case["expected"] else None
        again = score_case(truth, DiagnosisResult.model_validate(worst["diagnosis"]), topology)
        assert worst["score"] == again.score
        assert "baseline_agents" in case["phases"]
    assert (healthy["baselines"][HEALTHY]["score"], healthy["baselines"][HEALTHY]["passed"]) == (1.0, True)
    assert (fault["baselines"][HEALTHY]["score"], fault["baselines"][HEALTHY]["passed"]) == (0.0, False)
    # the comparison: standard/xs, then all
    rows = report["baselines"]
    assert [(r["tier"], r["scale"]) for r in rows] == [("standard", "xs"), ("all", "all")]
    assert rows[-1]["agent"]["cases"] == 2 and rows[-1]["baselines"][HEALTHY]["mean_score"] == 0.5
    result.stdout.fnmatch_lines(["*vs baselines*two-calls 0.500 |*baseline-healthy 0.500*"])
    junit = (pytester.path / "junit.xml").read_text()
    assert 'name="netopsbench.baselines" value="two-calls 0.500' in junit
    props = junit_cases(pytester.path / "junit.xml")["healthy-a"]["props"]
    assert props["netopsbench.baselines"].startswith("baseline-healthy 1, baseline-worst-pair ")
