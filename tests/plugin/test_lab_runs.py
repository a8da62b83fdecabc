"""The plugin end to end on real xs labs (root + FRR): every outcome, JUnit properties, the
pytest-html rows, the run directory, and a `-n 2` run aggregated on the controller.

Lab bring-ups are kept low: one lab (plus the rebuild it provokes) for the outcome run, one per worker
for each xdist run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plugin_helpers import FAST_TIMING, LINK_DOWN, html_rows, junit_cases, labs_of_run, run_dir, scenario

pytestmark = pytest.mark.lab

# A conftest that scripts the agent per scenario: the test knows each scenario's answer, the
# agent only ever sees the opaque context.
SCRIPTED_CONFTEST = '''
import time
import pytest
from pytest_netopsbench import DiagnosisResult

class Scripted:
    def __init__(self, behaviour):
        self.behaviour = behaviour
    def diagnose(self, context):
        context.tools.call("get_topology", {})
        kind = self.behaviour
        if kind == "healthy":
            return DiagnosisResult(verdict="network_healthy")
        if kind == "wrong":
            return DiagnosisResult(verdict="fault_detected", device="leaf2", interface="eth1")
        if kind == "raises":
            raise RuntimeError("model quota exhausted")
        if kind == "hangs":
            time.sleep(60)
        if kind == "garbage":
            return "I think leaf1 is broken"
        if kind in ("link-right", "stuck"):
            return {"verdict": "fault_detected", "fault_type": "interface_down",
                    "findings": {"location": {"device": "spine1", "interface": "eth1"}}}
        if kind == "link-partial":
            return DiagnosisResult(verdict="fault_detected", fault_type="link_down", device="leaf1",
                                   interface="eth2")
        raise AssertionError(kind)

@pytest.fixture
def netopsbench_agent(request):
    return Scripted(request.node.scenario.scenario_id.split("-", 1)[1])


from pytest_netopsbench.faults.link import LinkDown


class StuckLinkDown(LinkDown):
    """A fault whose clear() does nothing, so the lab cannot recover and must be rebuilt."""

    name = "stuck_link_down"
    aliases = ()

    def clear(self, lab):
        pass


class TeleporterLinkDown(LinkDown):
    """Needs a capability no host has, so its scenario is skipped with the reason."""

    name = "teleporter_link_down"
    aliases = ()
    requires = ("teleporter",)


def pytest_netopsbench_register_faults(register):
    register(StuckLinkDown)
    register(TeleporterLinkDown)
'''


def _no_secrets_or_truth(trajectory: Path) -> None:
    text = trajectory.read_text()
    # ground truth and scenario identity live only in results.jsonl
    for word in ('"expected', "case-link-", "case-healthy", "case-wrong", "scenarios/", ".yaml"):
        assert word not in text, f"{word!r} leaked into {trajectory}"


def test_every_outcome_on_a_real_lab(pytester: pytest.Pytester) -> None:
    for behaviour in ("healthy", "wrong", "raises", "hangs", "garbage"):
        scenario(pytester, f"scenarios/{behaviour}.yaml", f"case-{behaviour}", timing=FAST_TIMING)
    for behaviour in ("link-right", "link-partial"):
        scenario(
            pytester, f"scenarios/{behaviour}.yaml", f"case-{behaviour}", fault=LINK_DOWN, timing=FAST_TIMING
        )
    # the lab it leaves broken must be rebuilt for the next case (seed 1 runs it sixth of nine)
    scenario(
        pytester,
        "scenarios/aaa_stuck.yaml",
        "case-stuck",
        timing={**FAST_TIMING, "recover_timeout_s": 3},
        fault={"type": "stuck_link_down", "target": {"device": "leaf1", "interface": "eth1"}},
    )
    scenario(
        pytester,
        "scenarios/skip.yaml",
        "case-skip",
        timing=FAST_TIMING,
        fault={"type": "teleporter_link_down", "target": {"device": "leaf1", "interface": "eth1"}},
    )
    pytester.makeconftest(SCRIPTED_CONFTEST)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-rs",
        "--netopsbench-agent-timeout=2",
        "--junitxml=junit.xml",
        "--html=report.html",
        "--netopsbench-report=bench.json",
        "--netopsbench-seed=1",
        "-o",
        "junit_family=xunit2",
        timeout=600,
    )
    out = result.stdout.str()
    result.assert_outcomes(passed=3, failed=5, errors=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*teleporter_link_down needs teleporter, which this host lacks*"])
    result.stdout.fnmatch_lines(["*ERROR at teardown of*case-stuck*", "*did not recover after this case*"])
    assert "PytestWarning" not in out  # no xunit2 record_property warning

    cases = junit_cases(pytester.path / "junit.xml")
    assert "did not recover after this case" in cases.pop("case-stuck")["error"]
    assert cases.pop("case-skip")["props"]["netopsbench.outcome"] == "skipped"
    assert set(cases) == {
        f"case-{b}" for b in ("healthy", "wrong", "raises", "hangs", "garbage", "link-right", "link-partial")
    }
    expect_outcome = {
        "case-healthy": "correct",
        "case-wrong": "wrong",
        "case-raises": "agent_error",
        "case-hangs": "agent_timeout",
        "case-garbage": "invalid_result",
        "case-link-right": "correct",
        "case-link-partial": "wrong",
    }
    for name, case in cases.items():
        props = case["props"]
        assert props["netopsbench.outcome"] == expect_outcome[name], (name, props)
        for key in (
            "score",
            "verdict",
            "expected_verdict",
            "fault_type",
            "expected_fault_type",
            "fault_type_correct",
            "device",
            "expected_device",
            "interface",
            "expected_interface",
            "scale",
            "agent_seconds",
            "tool_calls",
            "input_tokens",
            "output_tokens",
            "worker",
            "trace",
        ):
            assert f"netopsbench.{key}" in props, (name, key)
        assert props["netopsbench.scale"] == "xs" and props["netopsbench.worker"] == "master"
    right = cases["case-link-right"]["props"]
    assert right["netopsbench.score"] == "1.0" and right["netopsbench.fault_type_correct"] == "true"
    assert right["netopsbench.device"] == "spine1" and right["netopsbench.expected_device"] == "leaf1"
    assert int(right["netopsbench.tool_calls"]) >= 1
    partial = cases["case-link-partial"]
    assert partial["props"]["netopsbench.score"] == "0.5"
    assert "expected fault_detected link_down at leaf1:eth1 (or spine1:eth1)" in partial["failure"]
    assert "got fault_detected link_down at leaf1:eth2" in partial["failure"]
    assert "expected network_healthy; got fault_detected" in cases["case-wrong"]["failure"]
    assert "RuntimeError: model quota exhausted" in cases["case-raises"]["failure"]
    assert "did not answer within the 2 s budget" in cases["case-hangs"]["failure"]
    assert "returned str" in cases["case-garbage"]["failure"]
    assert float(cases["case-hangs"]["props"]["netopsbench.agent_seconds"]) < 4

    # pytest-html rows carry the benchmark columns; the summary has the per-fault chart
    rows = html_rows(pytester.path / "report.html")
    cells = [" ".join(r["resultsTableRow"]) for r in rows]
    link_row = next(c for c in cells if "case-link-right" in c)
    assert "link_down" in link_row and "leaf1:eth1" in link_row and "spine1:eth1" in link_row
    assert "1.00" in link_row
    link_extras = next(r for r in rows if "case-link-right" in " ".join(r["resultsTableRow"]))["extras"]
    assert any(e["name"] == "trajectory" and e["content"].endswith("trajectory.json") for e in link_extras)
    html = (pytester.path / "report.html").read_text()
    assert "Benchmark summary" in html and "netopsbench-chart" in html
    # per-case pictures from the real evidence store: the topology and the ping-mesh heatmap
    assert "netopsbench-topology" in html and "netopsbench-heatmap" in html

    # run directory: report.json (also at --netopsbench-report), cases.jsonl, traces, evidence
    run = run_dir(pytester)
    report = json.loads((run / "report.json").read_text())
    assert json.loads((pytester.path / "bench.json").read_text())["run"]["run_id"] == report["run"]["run_id"]
    assert report["summary"]["cases"] == 9
    assert report["summary"]["outcomes"]["skipped"] == 1
    assert report["summary"]["outcomes"]["agent_timeout"] == 1
    assert set(report["breakdowns"]["fault_type"]) == {
        "healthy",
        "link_down",
        "stuck_link_down",
        "teleporter_link_down",
    }
    records = [json.loads(x) for x in (run / "cases.jsonl").read_text().splitlines()]
    assert len(records) == 9
    # the case after the one that broke the lab ran on a rebuilt lab, and says so (records are
    # appended in run order; a skipped case never takes a lab)
    stuck = next(r for r in records if r["scenario_id"] == "case-stuck")
    ran = [r for r in records if r["outcome"] != "skipped"]
    assert ran.index(stuck) < len(ran) - 1, "the seed must not run the stuck case last"
    after = ran[ran.index(stuck) + 1]
    assert after["lab_rebuilt"] and "was rebuilt before this case" in after["message"]
    assert "did not recover" in stuck["message"]
    index = [json.loads(x) for x in (run / "traces" / "index.jsonl").read_text().splitlines()]
    results = [json.loads(x) for x in (run / "traces" / "results.jsonl").read_text().splitlines()]
    assert len(index) == len(results) == 8
    assert any(r["expected"] and r["expected"]["fault_type"] == "link_down" for r in results)
    for row in index:
        trajectory = run / row["trajectory"]
        assert json.loads(trajectory.read_text())["schema_version"] == "ATIF-v1.7"
        _no_secrets_or_truth(trajectory)
    assert all((run / "cases" / row["case_id"] / "evidence.sqlite").exists() for row in index)
    assert labs_of_run(report["run"]["run_id"]) == []


AGENT_MODULE = '''
from pytest_netopsbench import DiagnosisResult


class LinkDetective:
    """A real (if simple) agent: healthy unless some switch port is down, found with the tools
    (an uplink down in xs barely shows in the ping mesh: ECMP routes around it)."""

    name = "link-detective"

    def diagnose(self, context):
        for device in context.topology.switches:
            table = context.tools.call("get_device_interfaces", {"device": device.name})
            for row in table.get("interfaces", []):
                if row["name"] != "lo" and "down" in (row["admin_state"], row["oper_state"]):
                    return DiagnosisResult(verdict="fault_detected", fault_type="link_down",
                                           device=device.name, interface=row["name"])
        return DiagnosisResult(verdict="network_healthy", reasoning="every switch port is up")
'''


# The extension hooks, exercised on the way: a context tweak (workers) and a report amendment
# (controller).
HOOKS_CONFTEST = """
def pytest_netopsbench_make_context(context, scenario, item):
    return context.model_copy(update={"budget_s": 4321.0})


def pytest_netopsbench_amend_report(report, config):
    report.run.agent += " (amended by conftest)"
"""


def test_xdist_run_on_real_labs_aggregates_on_the_controller(pytester: pytest.Pytester) -> None:
    scenario(pytester, "scenarios/healthy_a.yaml", "healthy-a", timing=FAST_TIMING)
    scenario(pytester, "scenarios/healthy_b.yaml", "healthy-b", timing=FAST_TIMING)
    scenario(
        pytester,
        "scenarios/link.yaml",
        "link-down-leaf1-uplink",
        fault=LINK_DOWN,
        timing={**FAST_TIMING, "observe_s": 3},
    )
    pytester.makepyfile(nob_detective=AGENT_MODULE)
    pytester.makeini("[pytest]\npythonpath = .\n")
    pytester.makeconftest(HOOKS_CONFTEST)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--netopsbench-agent=nob_detective:LinkDetective",
        "--junitxml=junit.xml",
        timeout=600,
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["*netopsbench run run-*agent link-detective (amended by conftest)*", "*link_down*1*1*100.0%*"]
    )
    report = json.loads((run_dir(pytester) / "report.json").read_text())
    assert report["summary"]["cases"] == 3 and report["summary"]["pass_rate"] == 1.0
    assert report["run"]["agent"] == "link-detective (amended by conftest)"
    for case in report["cases"]:
        trajectory = json.loads((run_dir(pytester) / case["trace_path"]).read_text())
        assert '"budget_s": 4321.0' in trajectory["steps"][0]["message"]
    workers = {case["worker"] for case in report["cases"]}
    assert workers == {"gw0", "gw1"}
    assert {c["lab"].rsplit("-", 2)[1] for c in report["cases"]} == {"gw0", "gw1"}
    cases = junit_cases(pytester.path / "junit.xml")
    assert {c["props"]["netopsbench.worker"] for c in cases.values()} == {"gw0", "gw1"}
    link = cases["link-down-leaf1-uplink"]["props"]
    assert link["netopsbench.outcome"] == "correct" and int(link["netopsbench.tool_calls"]) >= 1
    assert labs_of_run(report["run"]["run_id"]) == []


HEALTHY_AGENT_CONFTEST = """
import pytest
from pytest_netopsbench import DiagnosisResult


class Healthy:
    def diagnose(self, context):
        return DiagnosisResult(verdict="network_healthy")


@pytest.fixture
def netopsbench_agent():
    return Healthy()
"""


def test_scale_affinity_gives_each_worker_one_lab(pytester: pytest.Pytester) -> None:
    """Two scales, two workers: xdist's plain load scheduling would make both workers deploy both
    scales; with scale affinity each worker deploys exactly one lab."""
    quick: dict[str, float] = {"baseline_s": 1, "observe_s": 1, "settle_s": 0}
    for k in (1, 2, 3):
        scenario(pytester, f"scenarios/xs{k}.yaml", f"xs-healthy-{k}", timing=quick)
        scenario(pytester, f"scenarios/s{k}.yaml", f"s-healthy-{k}", timing=quick, topology={"scale": "s"})
    pytester.makeconftest(HEALTHY_AGENT_CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", timeout=600)
    result.assert_outcomes(passed=6)
    report = json.loads((run_dir(pytester) / "report.json").read_text())
    labs_per_worker: dict[str, set[str]] = {}
    for case in report["cases"]:
        labs_per_worker.setdefault(case["worker"], set()).add(case["lab"])
    assert sorted(len(labs) for labs in labs_per_worker.values()) == [1, 1], labs_per_worker
    assert labs_of_run(report["run"]["run_id"]) == []
