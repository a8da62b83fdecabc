"""The trivial baselines on the agent's own episode: after the agent answered, each baseline gets
a context with the same topology, symptoms and observation window, on the same lab and evidence,
and is scored with the same scorer and pass rule. It costs no lab time (no second injection, no
second window) and frames the agent's score from below (docs/reference-agent.md#baselines).

The baselines are trusted built-in code (the episode is handed them; it cannot import ``agents``),
run in this process with their own trace recorder and toolkit, so the agent's tool-call counts and
trajectory stay the agent's. Their results go to ``CaseRecord.baselines`` only, never to the agent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..diagnosis import DiagnosisResult, GroundTruth
from ..records import BaselineScore
from ..scoring import CaseScore, passes
from ..toolkit import Toolkit
from ..topology import Topology
from ..trace import TraceRecorder
from ._agent import agent_name, call_agent
from ._context import DiagnosticContext

__all__ = ["BASELINE_TIMEOUT_S", "run_baselines"]

#: a baseline reads stored evidence once at most; a minute is far beyond what it needs
BASELINE_TIMEOUT_S = 60.0

_FAILED = {"error": "agent_error", "timeout": "agent_timeout"}


def _context(agent_context: Any, lab: Any, store: Any, topology: Topology) -> DiagnosticContext:
    recorder = TraceRecorder(enabled=False)  # counts only: a baseline has no trajectory
    tools = Toolkit(lab, store, agent_context.window, topology=topology, recorder=recorder)
    return DiagnosticContext(
        case_id=agent_context.case_id,
        topology=topology,
        symptoms=agent_context.symptoms,
        window=agent_context.window,
        tools=tools,
        budget_s=BASELINE_TIMEOUT_S,
        trace=recorder,
    )


def run_baselines(
    baselines: Sequence[Any],
    agent_context: Any,
    *,
    lab: Any,
    store: Any,
    topology: Topology,
    truth: GroundTruth | None,
    score: Callable[[GroundTruth | None, DiagnosisResult, Topology], CaseScore],
    pass_score: float,
    requires_type: bool,
) -> dict[str, BaselineScore]:
    """Each baseline's scored answer by its name. ``agent_context`` is the context the agent got
    (its window and symptoms are reused; its tools and recorder are not)."""
    out: dict[str, BaselineScore] = {}
    if not all(hasattr(agent_context, f) for f in ("case_id", "window", "symptoms")):
        return out  # a make_context hook replaced the context with another shape: nothing to reuse
    for baseline in baselines:
        context = _context(agent_context, lab, store, topology)
        call = call_agent(baseline, context, BASELINE_TIMEOUT_S)
        calls = context.trace.totals.tool_calls
        name = agent_name(baseline)
        if call.kind != "ok" or call.diagnosis is None:
            outcome = _FAILED.get(call.kind, "invalid_result")
            out[name] = BaselineScore(
                outcome=outcome,  # type: ignore[arg-type]
                tool_calls=calls,
                seconds=round(call.seconds, 4),
                message=call.message,
            )
            continue
        result = score(truth, call.diagnosis, topology)
        passed = passes(
            result.score, result.fault_type_correct, pass_score=pass_score, requires_type=requires_type
        )
        out[name] = BaselineScore(
            outcome="correct" if passed else "wrong",
            score=result.score,
            passed=passed,
            diagnosis=call.diagnosis,
            tool_calls=calls,
            seconds=round(call.seconds, 4),
            message=result.message,
        )
    return out
