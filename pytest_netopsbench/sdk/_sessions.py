"""``SessionManager``: run scenarios through the pytest plugin (the one execution path)."""

from __future__ import annotations

import builtins
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NetopsbenchError
from ..records import DEFAULT_RUNS_DIR, new_run_id
from . import _inproc
from ._agents import AgentHandle, AgentManager
from ._argv import RunOptions, build_pytest_args
from ._run import RunHandle
from ._scenarios import ScenarioManager, ScenarioRef

if TYPE_CHECKING:
    from ._runtimes import RuntimePool

__all__ = ["ScenarioInput", "SessionManager", "new_run_id"]

ScenarioInput = str | Path | ScenarioRef


class SessionManager:
    def __init__(
        self,
        workspace: Path,
        defaults: RunOptions,
        agents: AgentManager,
        scenarios: ScenarioManager,
    ) -> None:
        self.workspace = workspace
        self.defaults = defaults
        self._agents = agents
        self._scenarios = scenarios
        self._runs: list[RunHandle] = []

    # -- public API ---------------------------------------------------------------------------
    def run_scenario(self, scenario: ScenarioInput, agent: Any, **options: Any) -> RunHandle:
        """Run one scenario on labs the plugin creates (and removes unless ``keep_lab``)."""
        return self._start("scenario", [scenario], agent, options, labs=[])

    def run_suite(
        self,
        scenarios: ScenarioInput | Iterable[ScenarioInput] | None,
        agent: Any,
        **options: Any,
    ) -> RunHandle:
        """Run files/directories (or ``scenarios/generated/<scale>`` when ``scenarios`` is None)."""
        return self._start("suite", scenarios, agent, options, labs=[])

    def run_on_runtime_scenario(
        self,
        scenario: ScenarioInput,
        agent: Any,
        *,
        runtime: RuntimePool | Iterable[str] | str,
        **options: Any,
    ) -> RunHandle:
        """Run one scenario on labs you provisioned (``bench.runtimes.provision``); they stay up."""
        return self._start("scenario", [scenario], agent, options, labs=_lab_names(runtime))

    def run_on_runtime_suite(
        self,
        scenarios: ScenarioInput | Iterable[ScenarioInput] | None,
        agent: Any,
        *,
        runtime: RuntimePool | Iterable[str] | str,
        **options: Any,
    ) -> RunHandle:
        return self._start("suite", scenarios, agent, options, labs=_lab_names(runtime))

    def list(self) -> list[RunHandle]:
        return list(self._runs)

    def wait_all(self, timeout: float | None = None) -> None:
        for run in self._runs:
            run.wait(timeout)

    # -- internals ----------------------------------------------------------------------------
    def _options(self, overrides: dict[str, Any]) -> RunOptions:
        return RunOptions(**{**self.defaults.model_dump(exclude_unset=True), **overrides})

    def _start(
        self,
        mode: str,
        scenarios: Any,
        agent: Any,
        overrides: dict[str, Any],
        *,
        labs: builtins.list[str],
    ) -> RunHandle:
        options = self._options(overrides)
        refs = self._scenarios.resolve(scenarios, scale=options.scale)
        if labs:
            options = self._fit_workers(options, refs, labs)
        handle = agent if isinstance(agent, AgentHandle) else self._agents.wrap(agent)
        run_id = new_run_id()
        runs_root = options.artifacts or self.workspace / DEFAULT_RUNS_DIR
        if not runs_root.is_absolute():
            runs_root = self.workspace / runs_root
        if options.resume:  # the run keeps its id and directory (docs/reliability.md)
            resumed = Path(options.resume)
            resumed = resumed if resumed.is_dir() else runs_root / options.resume
            if not resumed.is_dir():
                raise NetopsbenchError(f"cannot resume {options.resume!r}: no run directory {resumed}")
            run_id = resumed.resolve().name
            options = options.model_copy(update={"resume": str(resumed.resolve())})
        artifact_dir = runs_root / run_id
        scratch = Path(tempfile.mkdtemp(prefix=f"netopsbench-{run_id}-"))
        try:
            spec = handle.plugin_spec(options.workers, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

        def cleanup() -> None:
            _inproc.forget(spec)
            shutil.rmtree(scratch, ignore_errors=True)

        report_path = artifact_dir / "report.json"
        # The plugin writes report.json into the run directory itself; no --netopsbench-report needed.
        settings = options.model_copy(
            update={"agent": spec, "run_id": run_id, "labs": labs, "artifacts": runs_root}
        )
        args = build_pytest_args([str(r.path) for r in refs], settings)
        run = RunHandle(
            run_id=run_id,
            mode=mode,
            args=args,
            artifact_dir=artifact_dir,
            report_path=report_path,
            scenario_ids=[r.scenario_id for r in refs],
            runtime=labs,
            cleanup=cleanup,
        )
        self._runs.append(run)
        return run.start()

    @staticmethod
    def _fit_workers(
        options: RunOptions,
        refs: builtins.list[ScenarioRef],
        labs: builtins.list[str],
    ) -> RunOptions:
        """Each worker needs its own lab of every scale it runs; with a pool of k labs per scale,
        at most k workers."""
        from ..runtime import attach_lab

        per_scale: dict[str, builtins.list[str]] = {}
        for name in labs:
            per_scale.setdefault(attach_lab(name).topology.scale, []).append(name)
        needed = sorted({r.scale for r in refs})
        missing = [s for s in needed if s not in per_scale]
        if missing:
            have = ", ".join(f"{s}: {len(v)}" for s, v in sorted(per_scale.items())) or "none"
            raise NetopsbenchError(
                f"the runtime has no lab of scale {', '.join(missing)} (labs per scale: {have}); "
                f"provision one with bench.runtimes.provision(scale={missing[0]!r})"
            )
        most = min(len(per_scale[s]) for s in needed)
        if "workers" not in options.model_fields_set:
            return options.model_copy(update={"workers": most})
        if options.workers > most:
            raise NetopsbenchError(
                f"workers={options.workers} but the runtime has only {most} lab(s) per scale for "
                f"{', '.join(needed)}; each worker needs its own lab: provision more or lower workers"
            )
        return options


def _lab_names(runtime: Any) -> list[str]:
    if isinstance(runtime, str):
        return [runtime]
    names = getattr(runtime, "names", None)
    if names is not None:
        return list(names)
    return [str(n) for n in runtime]
