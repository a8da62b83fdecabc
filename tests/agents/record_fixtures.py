"""Record what the toolkit really answers on a real lab, per scenario, as JSON fixtures for the
reference agent's unit tests (tests/agents/data/<scenario_id>.json).

    .venv/bin/python tests/agents/record_fixtures.py scenarios/generated/xs [more paths] [--only SUBSTR]

Each fixture holds the topology scale, the symptom report, the window, the ground truth (for the
test's assertions only; the agent never sees it) and every tool answer the reference agent asked
for, keyed by call. Not collected by pytest (no test_ prefix); needs root and FRR.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pytest_netopsbench.agents.reference import ReferenceAgent
from pytest_netopsbench.agents.reference._recording import RecordingTools
from pytest_netopsbench.episode import LabSession, run_episode
from pytest_netopsbench.scenario import iter_scenarios

DATA = Path(__file__).parent / "data"


class RecordingAgent:
    """Runs the reference agent on a recording toolkit and keeps the answers for the fixture."""

    def __init__(self) -> None:
        self.fixture: dict[str, Any] = {}
        self.inner = ReferenceAgent()

    def diagnose(self, context: Any) -> Any:
        tools = RecordingTools(context.tools)
        ctx = context.model_copy(update={"tools": tools})
        result = self.inner.diagnose(ctx)
        self.fixture = {
            "scale": context.topology.scale,
            "window": context.window.model_dump(),
            "symptoms": context.symptoms.model_dump(mode="json"),
            "answers": tools.answers,
            "diagnosis": result.model_dump(mode="json"),
        }
        return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    scenarios = [(p, s) for p, s in iter_scenarios(args.paths) if args.only in s.scenario_id]
    by_scale: dict[str, list[Any]] = {}
    for _, s in scenarios:
        by_scale.setdefault(s.scale, []).append(s)
    DATA.mkdir(parents=True, exist_ok=True)
    for scale, items in by_scale.items():
        name = f"nob-ref{uuid.uuid4().hex[:4]}-{scale}"
        with tempfile.TemporaryDirectory() as tmp:
            session = LabSession.start(
                scale,
                backend="netns",
                name=name,
                run_id=uuid.uuid4().hex[:6],
                worker="rec",
                store_dir=Path(tmp),
            )
            try:
                for scenario in items:
                    session.use_traffic(scenario.traffic)
                    agent = RecordingAgent()
                    started = time.monotonic()
                    ep = run_episode(scenario, session, agent, run_id="rec")
                    rec = ep.record
                    truth = ep.truth.model_dump(mode="json") if ep.truth else None
                    print(
                        f"{scenario.scenario_id}: {rec.outcome} score={rec.score} "
                        f"({time.monotonic() - started:.1f}s; agent {rec.agent_seconds:.2f}s, "
                        f"{rec.tool_calls} tool calls) "
                        f"{rec.message[:300]}",
                        flush=True,
                    )
                    if agent.fixture:
                        agent.fixture.update(scenario_id=scenario.scenario_id, truth=truth, score=rec.score)
                        (DATA / f"{scenario.scenario_id}.json").write_text(
                            json.dumps(agent.fixture, sort_keys=True, separators=(",", ":"))
                        )
            finally:
                session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
