"""Turn a campaign run's case (its trace holds every tool answer the agent got) into a replay fixture
(tests/agents/data/<name>.json), so a wrong answer seen in a real run can be replayed without a lab.

    .venv/bin/python tests/agents/fixture_from_trace.py RUN_DIR SCENARIO_ID [--name NAME]

The trace stores each call with the toolkit's defaults filled in (``limit``, ``size``...), so the
current reference agent is run against the trace's answers, each of its calls matched to the next
recorded call of that tool whose arguments agree on every argument the agent passed, and the
fixture keeps the agent's own calls (as ``record_fixtures.py`` does). A call the trace lacks (the
agent now asks something it did not ask then, e.g. a traceroute once its answer turned healthy;
or an answer the trace kept only in part) answers with an error, is reported, and is listed under
``unrecorded`` in the fixture (the replay test allows exactly those); re-record such a case on a
real lab when it can be reproduced. A case whose symptom report the trace cut cannot be replayed.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest_netopsbench.report  # noqa: F401  (loads report before scoring: they import each other)
from pytest_netopsbench.agents.reference import ReferenceAgent
from pytest_netopsbench.agents.reference._recording import RecordingTools
from pytest_netopsbench.evidence import SymptomReport, Window
from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.scoring import score_case
from pytest_netopsbench.topology import build_topology

DATA = Path(__file__).parent / "data"


class TraceTools:
    """Answers the agent's calls from a trace's tool calls, in order per tool and arguments."""

    def __init__(self, calls: list[tuple[str, dict[str, Any], Any]]) -> None:
        self.calls = calls
        self.used: set[int] = set()
        self.missing: list[str] = []

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> object:
        args = arguments or {}
        for i, (n, a, answer) in enumerate(self.calls):
            if i in self.used or n != name:
                continue
            if all(a.get(k) == v for k, v in args.items()):
                self.used.add(i)
                if answer is _CUT:
                    break
                return answer
        self.missing.append(f"{name}{json.dumps(args, sort_keys=True)}")
        return {"error": {"type": "tool_failed", "message": f"not in the trace: {name} {args}"}}


def trace_calls(trajectory: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    out = []
    for step in trajectory["steps"]:
        observed = (step.get("observation") or {}).get("results", [])
        results = {r["source_call_id"]: r["content"] for r in observed}
        for tc in step.get("tool_calls") or []:
            out.append((tc["function_name"], tc["arguments"] or {}, _parse(results.get(tc["tool_call_id"]))))
    return out


#: a trace keeps at most so much of an answer: a cut one is no answer
_CUT = object()


def _parse(content: str | None) -> Any:
    try:
        return json.loads(content) if content else None
    except json.JSONDecodeError:
        return _CUT


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("scenario_id")
    ap.add_argument("--name", default="")
    args = ap.parse_args()
    row = next(
        json.loads(line)
        for line in (args.run_dir / "cases.jsonl").read_text().splitlines()
        if json.loads(line)["scenario_id"] == args.scenario_id
    )
    trajectory = json.loads((args.run_dir / "traces" / row["case_id"] / "trajectory.json").read_text())
    handed = _parse(trajectory["steps"][0]["message"])
    if handed is _CUT:
        print(f"{args.scenario_id}: the trace kept only part of the symptom report: record it on a lab")
        return 1
    tools = TraceTools(trace_calls(trajectory))
    recording = RecordingTools(tools)
    ctx = SimpleNamespace(
        case_id="case-trace",
        topology=build_topology(row["scale"]),
        symptoms=SymptomReport.model_validate(handed["symptoms"]),
        window=Window.model_validate(handed["window"]),
        tools=recording,
    )
    result = ReferenceAgent().diagnose(ctx)
    truth = GroundTruth.model_validate(row["expected"]) if row["expected"] else None
    scored = score_case(truth, result, ctx.topology)
    where = f"{result.fault_type} {result.device}:{result.interface}"
    print(f"{args.scenario_id}: score {scored.score} ({where})")
    print(f"  {result.reasoning}")
    if tools.missing:
        print(f"  calls the trace lacks (re-record on a lab): {tools.missing}")
    fixture = {
        "scale": row["scale"],
        "window": ctx.window.model_dump(),
        "symptoms": ctx.symptoms.model_dump(mode="json"),
        # a call the trace lacks is not an answer: listed apart, replayed as a failed tool
        "answers": {k: v for k, v in recording.answers.items() if k not in tools.missing},
        "unrecorded": tools.missing,
        "diagnosis": result.model_dump(mode="json"),
        "scenario_id": args.scenario_id,
        "truth": truth.model_dump(mode="json") if truth else None,
        "score": scored.score,
    }
    name = args.name or args.scenario_id
    (DATA / f"{name}.json").write_text(json.dumps(fixture, sort_keys=True, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
