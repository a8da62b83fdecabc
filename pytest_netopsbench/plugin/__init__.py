"""The pytest plugin (entry point ``pytest11: netopsbench``).

Kept light at import time: pytest imports this module at startup in every session, including
sessions that never touch a scenario, so the heavy parts (labs, evidence, toolkit, MCP) are
imported only when a scenario item actually runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._collect import ScenarioItem, collect_file, shuffle_within_scale, sort_key
from ._options import add_options, read_settings
from ._runner import (
    CASE,
    REPEAT,
    RUN,
    SETTINGS,
    SHIPPING,
    CaseState,
    RunInfo,
    rundir,
    set_properties,
    update_record,
    worker_id,
    write_case,
)

if TYPE_CHECKING:
    from ..diagnosis import DiagnosisResult, GroundTruth
    from ..scenario import Scenario
    from ..scoring import CaseScore
    from ..topology import Topology

__all__ = ["ScenarioItem"]

_AGENT = pytest.StashKey[Any]()
_WORKER_ERROR = pytest.StashKey[str]()
_FIXED_MARKERS = {
    "healthy": "scenario without a fault (negative case)",
    "xs": "scale",
    "s": "scale",
    "m": "scale",
    "l": "scale",
    "xl": "scale",
    "easy": "difficulty",
    "medium": "difficulty",
    "hard": "difficulty",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    settings = read_settings(config)
    config.stash[SETTINGS] = settings
    config.stash[REPEAT] = settings.repeat
    workerinput = getattr(config, "workerinput", None)
    from ._resume import RESUME, ResumeState

    if workerinput is not None and "netopsbench_run_id" in workerinput:
        root = Path(workerinput["netopsbench_run_root"])
        if workerinput.get("netopsbench_remote"):
            # another host: the controller's run directory is not ours to write (plugin/_ship.py)
            from ._ship import staging_root

            root = staging_root(workerinput["netopsbench_run_id"], worker_id(config))
            config.stash[SHIPPING] = True
        run = RunInfo(
            run_id=workerinput["netopsbench_run_id"],
            root=root,
            worker=worker_id(config),
            seed=int(workerinput["netopsbench_seed"]),
        )
        config.stash[RESUME] = ResumeState.model_validate(workerinput.get("netopsbench_resume") or {})
    else:
        run, config.stash[RESUME] = _controller_run(config, settings)
    config.stash[RUN] = run
    from . import _signals

    _signals.install(config)
    for name, what in _FIXED_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: netopsbench {what}")
    if config.option.markers:
        # `pytest --markers` lists before any collection; other sessions register fault types and
        # tags when they collect a scenario, so plain test runs never import the fault registry
        from ._collect import register_campaign_tags, register_fault_markers
        from ._runner import register_faults_once

        register_faults_once(config)
        register_fault_markers(config)
        register_campaign_tags(config)
    from . import _fixtures

    config.pluginmanager.register(_fixtures, "netopsbench-fixtures")
    if workerinput is None:
        from ._reporting import Controller
        from ._sweep import Sweeper

        controller = Controller(config, settings, run)
        config.pluginmanager.register(controller, "netopsbench-controller")
        sweeper = Sweeper(run.run_id, enabled=not settings.keep_lab and not settings.labs)
        config.pluginmanager.register(sweeper, "netopsbench-sweeper")
        if config.pluginmanager.hasplugin("html"):
            from ._html import HtmlHooks

            config.pluginmanager.register(HtmlHooks(controller), "netopsbench-html")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """The xdist controller collects nothing itself: it learns here that the run has scenarios."""
    if any(".yaml::" in i.lower() or ".yml::" in i.lower() for i in ids):
        from . import _signals

        _signals.activate(node.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    from . import _signals

    _signals.restore(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    run = config.stash.get(RUN, None)
    return f"netopsbench: case order seed {run.seed} (--netopsbench-seed)" if run is not None else None


def _controller_run(config: pytest.Config, settings: Any) -> tuple[RunInfo, Any]:
    """The run this session writes: a new one, or the one named by --netopsbench-resume."""
    import secrets

    from ..records import DEFAULT_RUNS_DIR, new_run_id
    from ..report import RunDir
    from ._resume import ResumeState, refuse_reuse, resolve_resume, snapshot

    root = (settings.artifacts or (config.rootpath / DEFAULT_RUNS_DIR)).resolve()
    if settings.resume:
        root, run_id = resolve_resume(settings.resume, root)
        resume = snapshot(RunDir(root / run_id))
    else:
        run_id, resume = settings.run_id or new_run_id(), ResumeState()
        if settings.run_id:
            refuse_reuse(root, run_id)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(2**32)
    return RunInfo(run_id=run_id, root=root, worker=worker_id(config), seed=seed), resume


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return collect_file(file_path, parent)


def _agent_fixture_overridden(config: pytest.Config) -> bool:
    ours = config.pluginmanager.get_plugin("netopsbench-fixtures")
    return any(
        plugin is not ours and getattr(plugin, "netopsbench_agent", None) is not None
        for plugin in config.pluginmanager.get_plugins()
    )


@pytest.hookimpl(trylast=True)  # after -k/-m deselection, so only selected scenarios count
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not any(isinstance(i, ScenarioItem) for i in items):
        return
    from . import _signals

    _signals.activate(config)
    # Scale-major order: xdist's load scheduler hands out contiguous runs of items, so each worker
    # mostly meets one scale and deploys as few labs as possible (docs/plugin.md).
    items.sort(key=sort_key)
    if config.option.collectonly:
        return
    shuffle_within_scale(items, config.stash[RUN].seed)
    try:
        _check_agent(config, items)
        from ._preflight import check_run_memory

        check_run_memory(config, config.stash[SETTINGS], items)
        from ._resume import select

        select(config, items)
    except pytest.UsageError as exc:
        if not hasattr(config, "workerinput"):
            raise
        # A worker cannot abort the run with a usage error (xdist reports it as a crash), so it
        # runs none of the scenarios and tells the controller, which reports the error once.
        config.stash[_WORKER_ERROR] = str(exc)
        scenarios = [i for i in items if isinstance(i, ScenarioItem)]
        config.hook.pytest_deselected(items=scenarios)
        items[:] = [i for i in items if not isinstance(i, ScenarioItem)]


def _check_agent(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[SETTINGS]
    if settings.isolation == "sandbox":
        from ._sandbox import build_options

        build_options(config, [i.path for i in items if isinstance(i, ScenarioItem)])
    if _agent_fixture_overridden(config):
        return
    if not settings.agent:
        from ._agent import NO_AGENT_MESSAGE

        raise pytest.UsageError(NO_AGENT_MESSAGE)
    # Load it now: a bad spec is one usage error, not the same setup error on every item.
    if config.hook.pytest_netopsbench_load_agent(config=config, spec=settings.agent) is None:
        raise pytest.UsageError(f"netopsbench: no plugin could load agent {settings.agent!r}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    error = session.config.stash.get(_WORKER_ERROR, None)
    if workeroutput is not None and error:
        workeroutput["netopsbench_error"] = error
    if session.config.stash.get(SHIPPING, False):
        from ._ship import finish_worker

        finish_worker(session.config.stash[RUN].root)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    if not isinstance(item, ScenarioItem) or not item.config.stash[SETTINGS].retries:
        return None
    from ._resume import run_with_retries

    return run_with_retries(item, nextitem)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if isinstance(item, ScenarioItem):
        from ._resume import mark_phase

        mark_phase(item, "setup")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if isinstance(item, ScenarioItem):
        from ._resume import mark_phase

        mark_phase(item, "teardown")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    if not isinstance(item, ScenarioItem):
        return (yield)
    record = update_record(item, call)
    shipping = item.config.stash.get(SHIPPING, False)
    bundle = None
    if call.when == "teardown":
        write_case(item, record)
        if shipping:
            from ._ship import StagingRunDir, pack_case

            run = rundir(item.config)
            assert isinstance(run, StagingRunDir)
            bundle = pack_case(run, record.case_id)
    set_properties(item, record)
    report = yield
    report.netopsbench_case = record.model_dump(mode="json")
    if shipping:
        from ._ship import BUNDLE_ATTR, STAGING_ATTR

        setattr(report, STAGING_ATTR, str(rundir(item.config).root))
        if bundle is not None:
            setattr(report, BUNDLE_ATTR, bundle)
    state = item.stash.get(CASE, CaseState())
    if state.agent_name:
        report.netopsbench_agent = state.agent_name
    # the pytest-html trajectory link is added on the controller (_html.HtmlHooks), which knows
    # where the HTML report goes and links relative to it
    return report


@pytest.hookimpl(trylast=True)
def pytest_netopsbench_load_agent(config: pytest.Config, spec: str) -> Any:
    if _AGENT not in config.stash:
        from ..errors import AgentError

        if config.stash[SETTINGS].isolation == "sandbox":
            from ._sandbox import load_sandboxed  # the agent is imported only in its sandbox

            config.stash[_AGENT] = load_sandboxed(config, spec)
            return config.stash[_AGENT]
        from ._agent import load_agent_spec

        try:
            config.stash[_AGENT] = load_agent_spec(spec)
        except AgentError as exc:  # one usage error saying what to fix, not a traceback
            raise pytest.UsageError(str(exc)) from None
    return config.stash[_AGENT]


@pytest.hookimpl(trylast=True)
def pytest_netopsbench_score_case(
    truth: GroundTruth | None,
    diagnosis: DiagnosisResult,
    topology: Topology,
    scenario: Scenario,
) -> CaseScore:
    from ..scoring import score_case

    return score_case(truth, diagnosis, topology)
