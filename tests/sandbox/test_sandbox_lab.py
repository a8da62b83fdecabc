"""Sandbox mode end to end on real xs labs (root + FRR): adversarial agents earn nothing they did
not diagnose, leave nothing behind and do not disturb the next case; the reference agent scores the
same as in-process. Two runs, one lab each (``-p no:xdist``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from adversaries import SLEEP_MARKER
from sandbox_helpers import HERE, needs_bwrap

sys.path.insert(0, str(HERE.parents[1] / "tests" / "plugin"))
from plugin_helpers import FAST_TIMING, junit_cases, run_dir, scenario

pytestmark = [pytest.mark.lab, needs_bwrap]

CHECKOUT = HERE.parents[1]
#: the built-in reference agent, by spec (imported only inside the sandbox)
REFERENCE = "reference"

ADVERSARY_CONFTEST = """
import pytest
import adversaries

@pytest.fixture
def netopsbench_agent(request, pytestconfig):
    kind = request.node.scenario.scenario_id.split("-", 1)[1]
    root = str(pytestconfig.rootpath)
    paths = [root + "/scenarios", root + "/scenarios/aaa_snoop.yaml", root + "/.netopsbench",
             "/run/netopsbench", "/var/run/netns"]
    return {
        "snoop": adversaries.Snoop(paths),
        "exit": adversaries.ExitsQuietly(),
        "hang": adversaries.Hangs(),
        "after": adversaries.Healthy(),
    }[kind]
"""


def _report(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    data = json.loads((run_dir(pytester) / "report.json").read_text())
    assert data["run"]["isolation"] == "sandbox"
    return {c["scenario_id"]: c for c in data["cases"]}


def test_adversarial_agents_are_contained(pytester: pytest.Pytester) -> None:
    for name in ("aaa_snoop", "bbb_exit", "ccc_hang", "ddd_after"):
        scenario(pytester, f"scenarios/{name}.yaml", f"case-{name.split('_')[1]}", timing=FAST_TIMING)
    pytester.makeini(f"[pytest]\npythonpath = {HERE}\n")
    pytester.makeconftest(ADVERSARY_CONFTEST)
    result = pytester.runpytest_subprocess(
        "-p", "no:xdist", "-p", "no:cacheprovider", "--netopsbench-agent-timeout=4", timeout=600
    )
    result.assert_outcomes(passed=2, failed=2)
    cases = _report(pytester)
    assert {k: c["outcome"] for k, c in cases.items()} == {
        "case-snoop": "correct",
        "case-exit": "agent_error",
        "case-hang": "agent_timeout",
        "case-after": "correct",
    }
    assert "without returning a result" in cases["case-exit"]["message"]
    assert all(c["isolation"] == "sandbox" for c in cases.values())
    seen = json.loads(cases["case-snoop"]["diagnosis"]["reasoning"])
    assert not [k for k in seen["env"] if k.startswith(("PYTEST", "NETOPSBENCH", "PYTHON", "XDIST"))]
    assert set(seen["pids"]) <= {1, 2, 3}
    root = str(pytester.path)
    readable = seen["readable"]
    assert readable[root + "/scenarios"] == [] and readable[root + "/.netopsbench"] == []
    assert readable[root + "/scenarios/aaa_snoop.yaml"] is False
    assert readable["/run/netopsbench"] is False and readable["/var/run/netns"] is False
    assert not any(root in c for c in seen["cmdlines"])
    assert seen["topology_tool_ok"] and cases["case-snoop"]["tool_calls"] == 1
    output = Path(cases["case-snoop"]["agent_output"])
    assert output.read_text().strip() == "snoop ran"
    left = subprocess.run(["pgrep", "-f", f"sleep {SLEEP_MARKER}"], capture_output=True, text=True)
    assert left.returncode == 1, f"the hanging agent's child survived: {left.stdout}"


def test_reference_agent_scores_the_same_sandboxed(pytester: pytest.Pytester) -> None:
    scenario(
        pytester,
        "scenarios/link.yaml",
        "case-link",
        timing={**FAST_TIMING, "observe_s": 4},
        fault={"type": "link_down", "target": {"device": "spine1", "interface": "eth2"}},
    )
    scenario(pytester, "scenarios/healthy.yaml", "case-healthy", timing={**FAST_TIMING, "observe_s": 4})
    pytester.makeini(f"[pytest]\npythonpath = {CHECKOUT}\n")
    result = pytester.runpytest_subprocess(
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        f"--netopsbench-agent={REFERENCE}",
        "--junitxml=junit.xml",
        timeout=600,
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*isolation: sandbox*"])
    cases = _report(pytester)
    assert {k: (c["outcome"], c["score"]) for k, c in cases.items()} == {
        "case-link": ("correct", 1.0),
        "case-healthy": ("correct", 1.0),
    }
    assert all(c["tool_calls"] > 5 for c in cases.values())  # it worked through the socket
    props = junit_cases(pytester.path / "junit.xml")
    assert {c["props"]["netopsbench.isolation"] for c in props.values()} == {"sandbox"}
