"""SDK pieces that need no lab: agent handles and their trip to pytest, options to argv, run
handles around real in-process pytest runs, scenario listing."""

from __future__ import annotations

import pickle
import textwrap
import time
from pathlib import Path

import pytest

from pytest_netopsbench.errors import RunFailedError, ScenarioError
from pytest_netopsbench.sdk import AgentError, NetOpsBench, RunOptions, _inproc, build_pytest_args
from pytest_netopsbench.sdk._agents import load_agent_spec
from pytest_netopsbench.sdk._run import RunHandle

from .agents_for_tests import AsyncAgent, HealthyAgent

SCENARIO = """\
scenario_id: {sid}
name: test scenario
topology: {{scale: {scale}}}
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    gen = tmp_path / "scenarios" / "generated"
    for sid, scale in (("healthy-a", "xs"), ("healthy-b", "xs"), ("healthy-c", "s")):
        d = gen / scale
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{sid}.yaml").write_text(SCENARIO.format(sid=sid, scale=scale))
    (gen / "xs" / "not-a-scenario.yaml").write_text("jobs: {build: {}}\n")
    return tmp_path


def test_wrap_closes_once_on_exit(workspace: Path) -> None:
    agent = HealthyAgent()
    with NetOpsBench(workspace) as bench:
        handle = bench.agents.wrap(agent, name="mine")
        assert bench.agents.wrap(handle) is handle
        assert handle.diagnose(None).verdict == "network_healthy"
        assert handle.get_capabilities()["closable"] is True
        handle.close()
    assert agent.closed == 1  # closed by hand, not again on exit
    with pytest.raises(AgentError, match="closed"):
        handle.diagnose(None)


def test_async_agent_is_adapted_and_aclosed(workspace: Path) -> None:
    agent = AsyncAgent()
    with NetOpsBench(workspace) as bench:
        result = bench.agents.wrap(agent).diagnose(None)
        assert (result.verdict, result.device, result.interface) == ("fault_detected", "leaf1", "eth1")
    assert agent.closed


def test_wrap_spec_and_bad_specs(workspace: Path) -> None:
    with NetOpsBench(workspace) as bench:
        handle = bench.agents.wrap("sdk.agents_for_tests:make_healthy")
        assert handle.spec == "sdk.agents_for_tests:make_healthy" and handle.name == "always-healthy"
        with pytest.raises(AgentError, match="must look like"):
            bench.agents.wrap("no_colon")
        with pytest.raises(AgentError, match="cannot import module 'nope_mod'"):
            bench.agents.wrap("nope_mod:X")
        with pytest.raises(AgentError, match="has no attribute 'Missing'"):
            bench.agents.wrap("sdk.agents_for_tests:Missing")
        with pytest.raises(AgentError, match="not an agent"):
            bench.agents.wrap(object())


def test_agent_reaches_plugin_by_spec(tmp_path: Path) -> None:
    agent = HealthyAgent()
    spec = _inproc.publish_object(agent)
    assert load_agent_spec(spec) is agent  # the plugin resolves module:attr the same way
    _inproc.forget(spec)
    with pytest.raises(AgentError, match="not visible in another"):
        load_agent_spec(spec)


def test_agent_pickled_for_workers(tmp_path: Path) -> None:
    spec = _inproc.publish_pickle(HealthyAgent(), tmp_path)
    token = spec.rpartition("_")[2]
    path = Path(__import__("os").environ[_inproc.ENV_PREFIX + token.upper()])
    assert isinstance(pickle.loads(path.read_bytes()), HealthyAgent)
    first = load_agent_spec(spec)
    assert isinstance(first, HealthyAgent) and load_agent_spec(spec) is first  # once per process
    _inproc.forget(spec)
    assert not path.exists()


def test_unpicklable_agent_is_refused_for_workers(workspace: Path) -> None:
    class Local:
        def diagnose(self, context: object) -> None:
            return None

    with NetOpsBench(workspace) as bench:
        handle = bench.agents.wrap(Local())
        assert handle.plugin_spec(1, workspace).startswith("pytest_netopsbench.sdk._inproc:agent_")
        with pytest.raises(AgentError, match=r"cannot be sent to pytest-xdist workers.*module:attr"):
            handle.plugin_spec(2, workspace)
        spec_handle = bench.agents.wrap("sdk.agents_for_tests:HealthyAgent")
        assert spec_handle.plugin_spec(2, workspace) == "sdk.agents_for_tests:HealthyAgent"


def test_argv_builder() -> None:
    options = RunOptions(
        workers=2,
        keep_lab=True,
        trace=False,
        agent_timeout=30,
        artifacts=Path("/tmp/runs"),
        report=Path("r.json"),
        pytest_args=["-k", "bgp"],
    )
    settings = options.model_copy(update={"agent": "m:A", "run_id": "run-x", "labs": ["lab1", "lab2"]})
    argv = build_pytest_args(["a.yaml"], settings)
    assert argv == [
        "a.yaml",
        "--netopsbench-agent=m:A",
        "--netopsbench-report=r.json",
        "--netopsbench-artifacts=/tmp/runs",
        "--netopsbench-agent-timeout=30",
        "--netopsbench-keep-lab",
        "--netopsbench-no-trace",
        "--netopsbench-run-id=run-x",
        "--netopsbench-lab=lab1",
        "--netopsbench-lab=lab2",
        "-n",
        "2",
        "-q",
        "-k",
        "bgp",
    ]
    # defaults left unset are not written, so an ini file still supplies them
    assert build_pytest_args(["a.yaml"], RunOptions()) == ["a.yaml", "-q"]


def test_argv_builder_resume_and_retries() -> None:
    options = RunOptions(resume="/runs/run-x", resume_force=True, retries=2)
    argv = build_pytest_args(["a.yaml"], options)
    assert "--netopsbench-resume=/runs/run-x" in argv and "--netopsbench-resume-force" in argv
    assert "--netopsbench-retries=2" in argv
    with pytest.raises(ValueError, match="workers"):
        RunOptions(workers=0)
    with pytest.raises(ValueError, match="scale"):
        RunOptions(scale="huge")


def test_scenarios_list_and_resolve(workspace: Path) -> None:
    with NetOpsBench(workspace) as bench:
        ids = [r.scenario_id for r in bench.scenarios.list()]
        assert ids == ["healthy-c", "healthy-a", "healthy-b"]  # sorted by path: s/ before xs/
        assert [r.scenario_id for r in bench.scenarios.list(scale="xs")] == ["healthy-a", "healthy-b"]
        assert [r.scenario_id for r in bench.sessions._scenarios.resolve(None, scale="xs")] == [
            "healthy-a",
            "healthy-b",
        ]
        with pytest.raises(ScenarioError, match="benchmark prepare --scales m"):
            bench.sessions._scenarios.resolve(None, scale="m")
        bad = workspace / "bad.yaml"
        bad.write_text("scenario_id: Bad_Id\nname: x\n")
        with pytest.raises(ScenarioError, match=r"bad\.yaml:scenario_id"):
            bench.scenarios.validate(bad)


def _handle(tmp_path: Path, args: list[str]) -> RunHandle:
    return RunHandle(
        run_id="run-test",
        mode="suite",
        args=[*args, "-p", "no:cacheprovider", "-q"],
        artifact_dir=tmp_path,
        report_path=tmp_path / "report.json",
        scenario_ids=[],
        runtime=[],
    )


def test_run_handle_wait_honours_timeout(tmp_path: Path) -> None:
    test = tmp_path / "test_slow.py"
    test.write_text(
        textwrap.dedent("""
        import time
        def test_slow():
            time.sleep(2.0)
    """)
    )
    run = _handle(tmp_path, [str(test), "-p", "no:netopsbench"]).start()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"still running after 0\.2s"):
        run.wait(timeout=0.2)
    assert time.monotonic() - started < 1.0
    # a local, so the type checker does not carry the narrowing past wait()
    status = run.status
    assert status == "running"
    # Finished pytest without a report: failed, and raise_on_failure says why.
    with pytest.raises(RunFailedError, match="no report was written") as info:
        run.wait(timeout=30, raise_on_failure=True)
    assert info.value.report is None and run.exit_code == 0 and run.status == "failed"


def test_run_handle_usage_error_is_failed(tmp_path: Path) -> None:
    run = _handle(tmp_path, [str(tmp_path / "missing.yaml")]).start()
    assert run.wait(timeout=60) is None
    assert run.status == "failed" and run.exit_code == 4 and "usage error" in (run.error or "")


REPO = Path(__file__).resolve().parents[2]
LINK_DOWN = REPO / "scenarios" / "generated" / "xs" / "xs-link-down-leaf1-eth2.yaml"
HEALTHY = REPO / "scenarios" / "generated" / "xs" / "xs-healthy-01.yaml"


def test_faults_catalogue() -> None:
    with NetOpsBench(REPO) as bench:
        faults = {f.name: f for f in bench.faults.list()}
        assert faults["link_down"].category and faults["link_down"].targets
        assert bench.faults.get("link_failure").name == "link_down"  # NetOpsBench's name is an alias


def test_evaluator_scores_like_a_run() -> None:
    with NetOpsBench(REPO) as bench:
        ev = bench.evaluators
        truth = ev.ground_truth(LINK_DOWN)
        assert truth is not None and (truth.device, truth.interface) == ("leaf1", "eth2")
        right = {
            "verdict": "fault_detected",
            "fault_type": "link_down",
            "device": "leaf1",
            "interface": "eth2",
        }
        assert ev.evaluate_scenario(LINK_DOWN, right).score == 1.0
        # The other end of the link is the same fault.
        peer = truth.equivalent[0]
        other = dict(right, device=peer.device, interface=peer.interface)
        assert ev.evaluate_scenario(LINK_DOWN, other).score == 1.0
        # A common interface name on the wrong device earns nothing (NetOpsBench paid 0.5).
        assert ev.evaluate_scenario(LINK_DOWN, dict(right, device="leaf2")).score == 0.0
        # A correct healthy verdict scores 1 (NetOpsBench's offline evaluator scored it 0).
        assert ev.ground_truth(HEALTHY) is None
        assert ev.evaluate_scenario(HEALTHY, {"verdict": "network_healthy"}).score == 1.0
        assert ev.evaluate_scenario(HEALTHY, right).score == 0.0


def test_agent_from_main_is_refused_for_workers(tmp_path: Path) -> None:
    Local = type("Local", (), {"diagnose": lambda self, ctx: None, "__module__": "__main__"})
    with pytest.raises(TypeError, match="defined in your script"):
        _inproc.publish_pickle(Local(), tmp_path)


def test_run_handle_cancel_stops_between_tests(tmp_path: Path) -> None:
    test = tmp_path / "test_three.py"
    test.write_text(
        textwrap.dedent("""
        import time
        def test_a(): time.sleep(1.0)
        def test_b(): time.sleep(1.0)
        def test_c(): time.sleep(1.0)
    """)
    )
    junit = tmp_path / "j.xml"
    run = _handle(tmp_path, [str(test), "-p", "no:netopsbench", "--junitxml", str(junit)]).start()
    time.sleep(0.5)
    run.cancel()
    with pytest.raises(RunFailedError, match="cancelled"):
        run.wait(timeout=30, raise_on_failure=True)
    assert run.status == "cancelled"
    assert junit.read_text().count("<testcase") == 1, "stopped after the case in progress"
