"""What sandbox mode costs: sandbox start per case, tool-call overhead over the socket, and
(with --lab) the reference agent's wall time per case in both modes.

- start: one case with an agent that answers at once, in a fresh bubblewrap sandbox
  (launch, import, connect, answer, kill). Target <= 0.5 s.
- tool call: ``get_topology`` (no device access, so only the plumbing is measured) called N times
  in-process and N times from inside a sandbox over the case's unix socket. Target <= 5 ms median
  added per call.
- --lab: a healthy xs case worked by the reference agent, in-process and sandboxed (needs root and
  FRR; about a minute).

    .venv/bin/python benchmarks/sandbox_overhead.py [--cases 10] [--calls 200] [--lab]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pytest_netopsbench.episode import McpAccess
from pytest_netopsbench.evidence import EvidenceStore, Window, detect
from pytest_netopsbench.sandbox import SandboxedAgent, SandboxOptions, agent_environment, bwrap_path
from pytest_netopsbench.toolkit import Toolkit
from pytest_netopsbench.topology import build_topology
from pytest_netopsbench.trace import TraceRecorder

HERE = Path(__file__).resolve().parent


def _importable() -> Any:
    """The timing agents live in a light module of their own: the sandbox imports it by name (this
    script is ``__main__`` there, and importing it would also time the harness's heavy imports)."""
    import importlib

    return importlib.import_module("_sandbox_agents")


def _context(tmp: Path) -> Any:
    topo = build_topology("xs")
    store = EvidenceStore(tmp / "evidence.sqlite")
    now = time.time()
    window, baseline = Window(start=now - 10, end=now), Window(start=now - 20, end=now - 10)
    recorder = TraceRecorder()
    lab = SimpleNamespace(topology=topo)  # get_topology needs no device
    return SimpleNamespace(
        case_id="case-000000000000",
        topology=topo,
        symptoms=detect(store, topo, baseline, window),
        window=window,
        budget_s=60.0,
        mcp=McpAccess(),
        tools=Toolkit(lab, store, window, topology=topo, recorder=recorder),
        trace=recorder,
    )


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {statistics.median(values) * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms (n={len(values)})"


def bench_start(options: SandboxOptions, context: Any, cases: int) -> float:
    agent = SandboxedAgent.from_object(_importable().Instant(), options)
    walls = []
    for _ in range(cases):
        start = time.monotonic()
        call = agent.run(context, 30.0, None)
        walls.append(time.monotonic() - start)
        assert call.kind == "ok", call.message
    print(f"sandbox start per case (launch, import, answer, kill): {_ms(walls)}; target <= 500 ms")
    return statistics.median(walls)


def bench_tools(options: SandboxOptions, context: Any, calls: int) -> float:
    local = _importable().ToolTimer(calls).diagnose(context)
    inproc = [float(t) for t in local.reasoning.split(",")]
    call = SandboxedAgent.from_object(_importable().ToolTimer(calls), options).run(context, 120.0, None)
    assert call.kind == "ok" and call.diagnosis is not None, call.message
    remote = [float(t) for t in call.diagnosis.reasoning.split(",")]
    added = statistics.median(remote) - statistics.median(inproc)
    print(f"tool call in-process:        {_ms(inproc)}")
    print(f"tool call over the socket:   {_ms(remote)}")
    print(f"added per call (median):     {added * 1000:.2f} ms; target <= 5 ms")
    return added


def bench_lab(options: SandboxOptions) -> None:
    sys.path.insert(0, str(HERE.parent))
    from pytest_netopsbench.agents import ReferenceAgent
    from pytest_netopsbench.episode import EpisodeSettings, LabSession, run_episode
    from pytest_netopsbench.scenario import Scenario

    timing = {"baseline_s": 4.0, "observe_s": 5.0, "settle_s": 1.0, "handoff_s": 0.5}
    scenario = Scenario.model_validate({"scenario_id": "bench-healthy", "name": "healthy", "timing": timing})
    run_id = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="nob-bench-") as tmp:
        session = LabSession.start(
            "xs",
            backend="netns",
            name=f"nob-{run_id}-sbx",
            run_id=run_id,
            worker="bench",
            store_dir=Path(tmp),
        )
        try:
            modes = {
                "none": ReferenceAgent(),
                "sandbox": SandboxedAgent.for_spec("reference", options),
            }
            for mode, agent in modes.items():
                episode = run_episode(
                    scenario,
                    session,
                    agent,
                    run_id=run_id,
                    settings=EpisodeSettings(agent_timeout_s=120),
                    case_dir=Path(tmp) / mode,
                )
                rec = episode.record
                print(
                    f"reference agent, isolation={mode:<8} agent phase {rec.phases.get('agent', 0.0):.2f} s, "
                    f"{rec.tool_calls} tool calls, outcome {rec.outcome}"
                )
        finally:
            session.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10, help="sandbox starts to time (default 10)")
    parser.add_argument("--calls", type=int, default=200, help="tool calls to time per mode (default 200)")
    parser.add_argument("--lab", action="store_true", help="also time the reference agent on an xs lab")
    args = parser.parse_args()
    bwrap = bwrap_path()
    if bwrap is None:
        print("bubblewrap is not installed (apt-get install bubblewrap)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE))  # see _importable
    options = SandboxOptions(bwrap=bwrap, env=agent_environment())
    with tempfile.TemporaryDirectory(prefix="nob-sbx-bench-") as tmp:
        context = _context(Path(tmp))
        bench_start(options, context, args.cases)
        bench_tools(options, context, args.calls)
    if args.lab:
        bench_lab(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
