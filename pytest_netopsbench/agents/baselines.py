"""Two trivial baselines that frame a report's scores from below.

- ``AlwaysHealthyAgent`` (``baseline-healthy``) answers ``network_healthy`` without looking: it is
  right on every healthy case and on nothing else, so an agent that does not beat it has learnt
  nothing from the network.
- ``WorstPairAgent`` (``baseline-worst-pair``) makes one tool call, ``get_pingmesh_hotspots``, and
  blames the leaf the worst host pair starts from (no fault type, no interface); with no anomalous
  pair it answers ``network_healthy``. It is what the ping mesh alone localises: faults off the
  leaves, or invisible to the mesh (a fabric link ECMP routes around), are out of its reach.
"""

from __future__ import annotations

from typing import Any

from ..diagnosis import DiagnosisResult

__all__ = ["AlwaysHealthyAgent", "WorstPairAgent", "baseline_agents"]


class AlwaysHealthyAgent:
    """``diagnose(context)`` is always ``network_healthy``; it reads nothing."""

    name = "baseline-healthy"

    def diagnose(self, context: Any) -> DiagnosisResult:
        return DiagnosisResult(
            verdict="network_healthy",
            confidence=0.5,
            reasoning="baseline: always answers healthy without looking at the network",
        )


def _pair_line(pair: dict[str, Any]) -> str:
    rtt = pair.get("rtt_p99_ms")
    return (
        f"worst ping-mesh pair {pair.get('src')} ({pair.get('src_leaf')}) -> {pair.get('dst')} "
        f"({pair.get('dst_leaf')}): {pair.get('loss_pct', 0):g}% loss, "
        f"{pair.get('df_loss_pct', 0):g}% DF loss, p99 RTT {'-' if rtt is None else f'{rtt:g} ms'}"
    )


class WorstPairAgent:
    """Blames the source leaf of the ping mesh's worst host pair, from one hotspots call."""

    name = "baseline-worst-pair"

    def __init__(self, *, limit: int = 5) -> None:
        self.limit = limit

    def diagnose(self, context: Any) -> DiagnosisResult:
        answer = context.tools.call("get_pingmesh_hotspots", {"limit": self.limit})
        if not isinstance(answer, dict) or "error" in answer:
            error = answer.get("error") if isinstance(answer, dict) else answer
            return DiagnosisResult(
                verdict="inconclusive",
                confidence=0.1,
                reasoning=f"get_pingmesh_hotspots failed: {error}",
            )
        pairs = [p for p in answer.get("host_pairs") or [] if isinstance(p, dict) and p.get("src_leaf")]
        if not pairs:
            return DiagnosisResult(
                verdict="network_healthy",
                confidence=0.5,
                reasoning="the ping mesh lists no lossy, slow or jittery host pair",
            )
        worst = pairs[0]
        line = _pair_line(worst)
        return DiagnosisResult(
            verdict="fault_detected",
            device=str(worst["src_leaf"]),
            confidence=0.3,
            reasoning=f"baseline: {line}; blaming the leaf it starts from",
            evidence=[line, f"{answer.get('host_pairs_total', len(pairs))} anomalous host pairs"],
        )


def baseline_agents() -> list[AlwaysHealthyAgent | WorstPairAgent]:
    """Both baselines, as every case scores them on its own episode (``CaseRecord.baselines``)."""
    return [AlwaysHealthyAgent(), WorstPairAgent()]
