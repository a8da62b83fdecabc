"""JUnit XML read with junitparser: run-level testsuite properties, ``<scale>.<fault_type>``
classnames, XML booleans, no score on harness errors, absolute trace paths. Harness errors come
from a lab that does not exist (no lab needed); a scored case from the property builder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import JUnitXml, Properties, TestCase
from plugin_helpers import LINK_DOWN, scenario

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.plugin._runner import case_properties
from pytest_netopsbench.report import CaseRecord


def _props(node: TestCase) -> dict[str, str]:
    found = node.child(Properties)
    return {p.name: p.value for p in found} if found is not None else {}


@pytest.fixture
def tree(pytester: pytest.Pytester) -> pytest.Pytester:
    scenario(pytester, "scenarios/xs-link.yaml", "xs-link", fault=LINK_DOWN, campaign="2026.12")
    scenario(pytester, "scenarios/xs-healthy.yaml", "xs-healthy", campaign="2026.12")
    alias = {"type": "interface_down", "target": {"device": "leaf1", "interface": "eth1"}}
    scenario(pytester, "scenarios/xs-alias.yaml", "xs-alias", fault=alias, campaign="2026.12")
    agent = "class Agent:\n    def diagnose(self, context):\n        raise RuntimeError\n"
    pytester.makepyfile(myagent=agent)
    pytester.makeconftest(
        "import pytest\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        "        if item.name == 'xs-healthy':\n"
        "            item.add_marker(pytest.mark.skip(reason='skipped on purpose'))\n"
    )
    return pytester


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["no-xdist", "xdist"])
def test_junit_suite_and_case_fields(tree: pytest.Pytester, workers: list[str]) -> None:
    result = tree.runpytest(
        "scenarios",
        "--netopsbench-agent=myagent:Agent",
        "--netopsbench-lab=no-such-lab",
        "--netopsbench-run-id=run-junit-1",
        "--junitxml=junit.xml",
        "-o",
        "junit_family=xunit2",
        *workers,
    )
    assert result.ret == 1, result.stdout.str()
    (suite,) = list(JUnitXml.fromfile(str(tree.path / "junit.xml")))
    suite_props = {p.name: p.value for p in suite.properties()}
    run_dir = suite_props["netopsbench.run_dir"]
    assert {
        "netopsbench.run_id": "run-junit-1",
        "netopsbench.run_dir": run_dir,
        "netopsbench.campaign": "2026.12",
        "netopsbench.agent": "myagent:Agent",
        "netopsbench.incomplete": "false",
    }.items() <= suite_props.items()
    assert Path(run_dir).is_absolute() and (Path(run_dir) / "cases.jsonl").is_file()
    cases = {c.name: c for c in suite}
    assert {n: c.classname for n, c in cases.items()} == {
        "xs-link": "xs.link_down",
        "xs-alias": "xs.link_down",  # aliases group under the canonical fault type
        "xs-healthy": "xs.healthy",
    }
    link, healthy = _props(cases["xs-link"]), _props(cases["xs-healthy"])
    assert link["netopsbench.outcome"] == "infra_error" and healthy["netopsbench.outcome"] == "skipped"
    # harness errors say nothing about the agent: no score at all, not a 0.0
    assert "netopsbench.score" not in link and "netopsbench.score" not in healthy
    assert cases["xs-link"].is_error and cases["xs-healthy"].is_skipped


def test_scored_case_properties_use_xml_booleans_and_absolute_trace(tmp_path: Path) -> None:
    record = CaseRecord(
        case_id="c1",
        scenario_id="xs-link",
        scale="xs",
        healthy=False,
        expected=GroundTruth(fault_type="link_down", device="leaf1", interface="eth1"),
        expected_verdict="fault_detected",
        diagnosis=DiagnosisResult(verdict="fault_detected", device="leaf1", fault_type="packet_loss"),
        outcome="wrong",
        score=0.5,
        verdict_correct=True,
        device_correct=True,
        interface_correct=False,
        fault_type_correct=False,
        trace_path="traces/c1/trajectory.json",
    )
    props = dict(case_properties(record, tmp_path))
    assert props["netopsbench.score"] == 0.5
    assert props["netopsbench.tier"] == "standard"
    assert props["netopsbench.fault_type_correct"] == "false"
    assert props["netopsbench.trace"] == str(tmp_path / "traces" / "c1" / "trajectory.json")
    record.fault_type_correct = True
    assert dict(case_properties(record, tmp_path))["netopsbench.fault_type_correct"] == "true"


@pytest.mark.parametrize(
    ("args", "ini", "expected"),
    [([], "", False), (["--netopsbench-pass-requires-type"], "", True), ([], "true", True)],
    ids=["default", "option", "ini"],
)
def test_pass_requires_type_is_recorded_in_the_report(
    tree: pytest.Pytester, args: list[str], ini: str, expected: bool
) -> None:
    if ini:
        tree.makeini(f"[pytest]\nnetopsbench_pass_requires_type = {ini}\n")
    result = tree.runpytest(
        "scenarios", "--netopsbench-agent=myagent:Agent", "--netopsbench-lab=no-such-lab", *args
    )
    assert result.ret == 1, result.stdout.str()
    (run,) = (tree.path / ".netopsbench" / "runs").iterdir()
    report = json.loads((run / "report.json").read_text())
    assert report["run"]["pass_requires_type"] is expected
