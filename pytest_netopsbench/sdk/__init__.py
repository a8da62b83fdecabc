"""The Python API, on top of the pytest plugin (one execution path)::

    from pytest_netopsbench.sdk import NetOpsBench, RunFailedError

    with NetOpsBench(workspace=".") as bench:
        agent = bench.agents.wrap(MyAgent())
        run = bench.sessions.run_scenario("scenarios/generated/xs/....yaml", agent=agent)
        report = run.wait(raise_on_failure=True)

Guide: docs/sdk.md.
"""

from ..errors import RunFailedError
from ..settings import SettingsError
from ._agents import AgentError, AgentHandle, AgentManager, load_agent_spec
from ._argv import RunOptions, build_pytest_args
from ._artifacts import ArtifactManager, RunSummary, TraceRef
from ._bench import NetOpsBench
from ._faults import EvaluatorManager, FaultInfo, FaultManager
from ._harbor import ExportSummary, export_harbor_job
from ._run import RunHandle, RunStatus
from ._runtimes import RuntimeManager, RuntimePool
from ._scenarios import ScenarioManager, ScenarioRef
from ._sessions import SessionManager
from ._viewer import DEFAULT_JOBS_DIR, TraceViewer, open_trace_viewer

__all__ = [
    "DEFAULT_JOBS_DIR",
    "AgentError",
    "AgentHandle",
    "AgentManager",
    "ArtifactManager",
    "EvaluatorManager",
    "ExportSummary",
    "FaultInfo",
    "FaultManager",
    "NetOpsBench",
    "RunFailedError",
    "RunHandle",
    "RunOptions",
    "RunStatus",
    "RunSummary",
    "RuntimeManager",
    "RuntimePool",
    "ScenarioManager",
    "ScenarioRef",
    "SessionManager",
    "SettingsError",
    "TraceRef",
    "TraceViewer",
    "build_pytest_args",
    "export_harbor_job",
    "load_agent_spec",
    "open_trace_viewer",
]
