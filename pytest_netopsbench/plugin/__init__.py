"""The pytest plugin (entry point ``pytest11: netopsbench``).

Kept light at import time: pytest imports this module at startup in every session, including
sessions that never touch a scenario, so the heavy parts (labs, evidence, toolkit, MCP) are
imported only when a scenario item actually runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._collect import ScenarioItem, collect_file, sort_key
from ._options import add_options, read_settings
from ._runner import (
    CASE,
    REPEAT,
    RUN,
    SETTINGS,
    CaseState,
    RunInfo,
    set_properties,
    update_record,
    worker_id,
    write_case,
)

if TYPE_CHECKING:
    from ..diagnosis import DiagnosisResult
    from ..faults import GroundTruth
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
        run = RunInfo(
            run_id=workerinput["netopsbench_run_id"],
            root=Path(workerinput["netopsbench_run_root"]),
            worker=worker_id(config),
        )
        config.stash[RESUME] = ResumeState.model_validate(workerinput.get("netopsbench_resume") or {})
    else:
        run, config.stash[RESUME] = _controller_run(config, settings)
    config.stash[RUN] = run
    for name, what in _FIXED_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: netopsbench {what}")
    from . import _fixtures

    config.pluginmanager.register(_fixtures, "netopsbench-fixtures")
    if workerinput is None:
        from ._reporting import Controller

        controller = Controller(config, settings, run)
        config.pluginmanager.register(controller, "netopsbench-controller")
        if config.pluginmanager.hasplugin("html"):
            from ._html import HtmlHooks

            config.pluginmanager.register(HtmlHooks(controller), "netopsbench-html")


def _controller_run(config: pytest.Config, settings: Any) -> tuple[RunInfo, Any]:
    """The run this session writes: a new one, or the one named by --netopsbench-resume."""
    from ..report._rundir import DEFAULT_RUNS_DIR, RunDir, new_run_id
    from ._resume import ResumeState, refuse_reuse, resolve_resume, snapshot

    root = (settings.artifacts or (config.rootpath / DEFAULT_RUNS_DIR)).resolve()
    if settings.resume:
        root, run_id = resolve_resume(settings.resume, root)
        resume = snapshot(RunDir(root / run_id))
    else:
        run_id, resume = settings.run_id or new_run_id(), ResumeState()
        if settings.run_id:
            refuse_reuse(root, run_id)
    return RunInfo(run_id=run_id, root=root, worker=worker_id(config)), resume


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
    # Scale-major order: xdist's load scheduler hands out contiguous runs of items, so each worker
    # mostly meets one scale and deploys as few labs as possible (docs/plugin.md).
    items.sort(key=sort_key)
    if config.option.collectonly:
        return
    try:
        _check_agent(config)
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


def _check_agent(config: pytest.Config) -> None:
    settings = config.stash[SETTINGS]
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
    if call.when == "teardown":
        write_case(item, record)
    set_properties(item, record)
    report = yield
    report.netopsbench_case = record.model_dump(mode="json")
    state = item.stash.get(CASE, CaseState())
    if state.agent_name:
        report.netopsbench_agent = state.agent_name
    if call.when == "teardown" and record.trace_path and item.config.pluginmanager.hasplugin("html"):
        # a link from the pytest-html row to the case's trajectory (relative to the run directory)
        from pytest_html import extras

        from ._runner import rundir

        target = rundir(item.config).root / record.trace_path
        report.extras = [*getattr(report, "extras", []), extras.url(target.as_uri(), name="trajectory")]
    return report


@pytest.hookimpl(trylast=True)
def pytest_netopsbench_load_agent(config: pytest.Config, spec: str) -> Any:
    if _AGENT not in config.stash:
        from ._agent import load_agent_spec

        config.stash[_AGENT] = load_agent_spec(spec)
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
