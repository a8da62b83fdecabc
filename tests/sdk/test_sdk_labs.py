"""The SDK on real xs labs: every run goes through the pytest plugin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.mcp_example import McpExampleAgent
from pytest_netopsbench.errors import NetopsbenchError
from pytest_netopsbench.runtime import list_labs
from pytest_netopsbench.sdk import NetOpsBench

from .agents_for_tests import HealthyAgent
from .conftest import REPO, XS, LabGuard, needs_lab_host

pytestmark = [pytest.mark.lab, needs_lab_host]

HEALTHY = [XS / f"xs-healthy-0{i}.yaml" for i in (1, 2, 3)]
LINK_DOWN = XS / "xs-link-down-leaf1-eth2.yaml"


def _names() -> set[str]:
    return {i.name for i in list_labs()}


def test_run_scenario_in_process(tmp_path: Path, lab_guard: LabGuard) -> None:
    agent = HealthyAgent()
    with NetOpsBench(REPO, artifacts=tmp_path) as bench:
        # in-process on purpose: in sandbox mode (the default) the sandbox gets a pickled copy
        run = bench.sessions.run_scenario(HEALTHY[0], agent=bench.agents.wrap(agent), isolation="none")
        lab_guard.run_ids.add(run.id)
        report = run.wait(timeout=600, raise_on_failure=True)
        assert report is not None and run.status == "completed"
        assert [(c.scenario_id, c.outcome) for c in report.cases] == [("xs-healthy-01", "correct")]
        assert agent.calls == 1, "one worker: the plugin called the very object we wrapped"
        assert run.artifact_dir == tmp_path / run.id and run.report_path.is_file()
        assert report.run.run_id == run.id
        traces = bench.artifacts.traces(run.id)
        assert len(traces) == 1 and traces[0].path is not None and traces[0].path.is_file()
    assert agent.closed == 1
    assert not lab_guard.leftovers(), "the plugin tears its labs down without keep_lab"


def test_run_suite_two_workers_with_mcp_agent(tmp_path: Path, lab_guard: LabGuard) -> None:
    """Two workers rebuild the wrapped object from a pickle; the agent works only over MCP."""
    with NetOpsBench(REPO, artifacts=tmp_path) as bench:
        agent = bench.agents.wrap(McpExampleAgent())
        run = bench.sessions.run_suite([LINK_DOWN, HEALTHY[1]], agent=agent, workers=2)
        lab_guard.run_ids.add(run.id)
        assert "-n" in run.args and "2" in run.args
        report = run.wait(timeout=900, raise_on_failure=True)
        assert report is not None
        got = {c.scenario_id: c for c in report.cases}
        assert set(got) == {"xs-link-down-leaf1-eth2", "xs-healthy-02"}
        assert {c.worker for c in report.cases} == {"gw0", "gw1"}
        assert all(c.outcome == "correct" for c in report.cases), [c.message for c in report.cases]
        assert got["xs-link-down-leaf1-eth2"].tool_calls >= 3  # MCP calls are counted by the toolkit
        export = bench.artifacts.export_traces(run.id, tmp_path / "harbor")
        assert export.trials == 2 and export.with_trajectory == 2 and export.mean_reward == 1.0
    assert not lab_guard.leftovers()


def test_run_on_runtime_pool(tmp_path: Path, lab_guard: LabGuard) -> None:
    with NetOpsBench(REPO, artifacts=tmp_path) as bench:
        pool = bench.runtimes.provision("xs", count=2)
        lab_guard.names.update(pool.names)
        assert set(pool.names) <= _names()
        # Two workers import the spec (this test module is not importable in xdist workers).
        spec = bench.agents.wrap("agents.mcp_example:McpExampleAgent")
        suite = bench.sessions.run_on_runtime_suite(HEALTHY[:2], agent=spec, runtime=pool)
        lab_guard.run_ids.add(suite.id)
        report = suite.wait(timeout=900, raise_on_failure=True)
        assert report is not None and len(report.cases) == 2
        assert all(c.outcome in ("correct", "wrong") for c in report.cases), [c.message for c in report.cases]
        assert {c.lab for c in report.cases} == set(pool.names), "each worker used its own pool lab"
        assert suite.runtime == pool.names
        # The run attached the labs; it did not remove them: the next run reuses them.
        assert set(pool.names) <= _names()
        agent = HealthyAgent()
        one = bench.sessions.run_on_runtime_scenario(
            HEALTHY[2], agent=agent, runtime=pool, workers=1, isolation="none"
        )
        lab_guard.run_ids.add(one.id)
        report = one.wait(timeout=600, raise_on_failure=True)
        assert report is not None and report.cases[0].lab in pool.names
        assert report.cases[0].outcome == "correct" and agent.calls == 1
        with pytest.raises(NetopsbenchError, match="only 2 lab"):
            bench.sessions.run_on_runtime_suite(HEALTHY, agent=agent, runtime=pool, workers=3)
    assert not set(pool.names) & _names(), "pools provisioned without keep go with the NetOpsBench block"


def test_keep_lab(tmp_path: Path, lab_guard: LabGuard) -> None:
    with NetOpsBench(REPO, artifacts=tmp_path, keep_lab=True) as bench:
        run = bench.sessions.run_scenario(HEALTHY[0], agent=HealthyAgent())
        lab_guard.run_ids.add(run.id)
        report = run.wait(timeout=600, raise_on_failure=True)
        assert report is not None
        lab = report.cases[0].lab
        assert "--netopsbench-keep-lab" in run.args
    assert lab in _names(), "keep_lab leaves the run's lab up"
    kept = next(i for i in list_labs() if i.name == lab)
    assert kept.run_id == run.id
    assert json.loads((Path(kept.run_dir) / "lab.json").read_text())["name"] == lab
