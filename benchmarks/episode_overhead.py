"""Harness time per case (everything but the agent), split by phase, on a real xs lab.

Runs a healthy and a link_down scenario with default timing (or --baseline/--observe overrides)
through the same ``Episode`` the pytest plugin uses, with an agent that answers instantly, and
prints seconds per phase. Target: <= 25 s per case (NetOpsBench's fixed floor is about 137 s per
fault scenario). Run as root:  .venv/bin/python benchmarks/episode_overhead.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.episode import EpisodeSettings, LabSession, run_episode
from pytest_netopsbench.scenario import Scenario

PHASES = (
    "health",
    "baseline",
    "inject",
    "observe",
    "verify",
    "context",
    "handoff",
    "agent",
    "score",
    "clear_recover",
    "export",
)


class InstantAgent:
    """Answers at once (so the agent phase measures only the call plumbing)."""

    def diagnose(self, context: Any) -> DiagnosisResult:
        return DiagnosisResult(verdict="network_healthy")


def scenarios(timing: dict[str, float]) -> list[Scenario]:
    healthy = Scenario.model_validate({"scenario_id": "bench-healthy", "name": "healthy", "timing": timing})
    fault = Scenario.model_validate(
        {
            "scenario_id": "bench-link-down",
            "name": "link down",
            "timing": timing,
            "fault": {"type": "link_down", "target": {"device": "leaf1", "interface": "eth1"}},
        }
    )
    return [healthy, fault]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="cases per scenario (default 1)")
    parser.add_argument("--baseline", type=float, help="override timing.baseline_s")
    parser.add_argument("--observe", type=float, help="override timing.observe_s")
    parser.add_argument("--no-mcp", action="store_true", help="do not start the per-case MCP HTTP server")
    args = parser.parse_args()
    timing: dict[str, float] = {}
    if args.baseline:
        timing["baseline_s"] = args.baseline
    if args.observe:
        timing["observe_s"] = args.observe
    run_id = uuid.uuid4().hex[:6]
    name = f"nob-{run_id}-bench"
    with tempfile.TemporaryDirectory(prefix="nob-bench-") as tmp:
        t0 = time.monotonic()
        session = LabSession.start(
            "xs", backend="netns", name=name, run_id=run_id, worker="bench", store_dir=Path(tmp)
        )
        print(f"lab {name}: deploy + converge + collector start {time.monotonic() - t0:.1f} s")
        settings = EpisodeSettings(agent_timeout_s=30, mcp=not args.no_mcp)
        rows: list[tuple[str, dict[str, float], float, str]] = []
        try:
            for scenario in scenarios(timing):
                for trial in range(args.repeat):
                    start = time.monotonic()
                    health = session.check_healthy(scenario.timing.recover_timeout_s)
                    health_s = time.monotonic() - start
                    if not health.healthy:
                        print(f"lab unhealthy before the case: {health.problems}", file=sys.stderr)
                        return 1
                    episode = run_episode(
                        scenario,
                        session,
                        InstantAgent(),
                        run_id=run_id,
                        trial=trial,
                        settings=settings,
                        case_dir=Path(tmp) / f"case{trial}",
                    )
                    total = time.monotonic() - start
                    phases = {"health": health_s, **episode.record.phases}
                    harness = total - phases.get("agent", 0.0)
                    rows.append((scenario.scenario_id, phases, harness, episode.record.outcome))
        finally:
            session.close()
    header = f"{'scenario':<18}" + "".join(f"{p:>14}" for p in PHASES) + f"{'harness':>10}  outcome"
    print(header)
    for sid, phases, harness, outcome in rows:
        cells = "".join(f"{phases.get(p, 0.0):>14.2f}" for p in PHASES)
        print(f"{sid:<18}{cells}{harness:>10.2f}  {outcome}")
    for sid in sorted({r[0] for r in rows}):
        values = [r[2] for r in rows if r[0] == sid]
        print(
            f"{sid}: harness seconds per case mean {statistics.mean(values):.2f} (n={len(values)}; "
            f"target <= 25 s; NetOpsBench fixed floor ~137 s per fault scenario)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
