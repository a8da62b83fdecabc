"""Synthetic case records for the statistics tests (values chosen so results are hand-computable)."""

from __future__ import annotations

from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult, GroundTruth
from pytest_netopsbench.report import CaseRecord


def fault_case(
    sid: str,
    fault_type: str = "link_down",
    *,
    interface: str | None = "eth1",
    verdict: bool = True,
    device: bool = True,
    itf: bool | None = True,
    ftype: bool = True,
    score: float | None = None,
    trial: int = 0,
    outcome: str | None = None,
    **extra: Any,
) -> CaseRecord:
    if interface is None:
        itf = None
    if score is None:
        score = 0.0 if not verdict else (0.5 * device + 0.5 * bool(itf) if itf is not None else float(device))
    passed = score >= 1.0
    return CaseRecord(
        case_id=f"c-{sid}-{trial}",
        scenario_id=sid,
        trial=trial,
        scale=extra.pop("scale", "xs"),
        difficulty=extra.pop("difficulty", "medium"),
        healthy=False,
        expected=GroundTruth(fault_type=fault_type, device="leaf1", interface=interface),
        expected_verdict="fault_detected",
        diagnosis=DiagnosisResult(verdict="fault_detected" if verdict else "network_healthy"),
        outcome=outcome or ("correct" if passed else "wrong"),  # type: ignore[arg-type]
        passed=passed,
        score=score,
        verdict_correct=verdict,
        device_correct=device,
        interface_correct=itf,
        fault_type_correct=ftype,
        **extra,
    )


def healthy_case(
    sid: str, *, verdict: bool = True, trial: int = 0, outcome: str | None = None, **extra: Any
) -> CaseRecord:
    return CaseRecord(
        case_id=f"c-{sid}-{trial}",
        scenario_id=sid,
        trial=trial,
        scale=extra.pop("scale", "xs"),
        difficulty=extra.pop("difficulty", "easy"),
        healthy=True,
        expected_verdict="network_healthy",
        diagnosis=DiagnosisResult(verdict="network_healthy" if verdict else "inconclusive"),
        outcome=outcome or ("correct" if verdict else "wrong"),  # type: ignore[arg-type]
        passed=verdict,
        score=1.0 if verdict else 0.0,
        verdict_correct=verdict,
        device_correct=True,
        **extra,
    )


def mixed_run() -> list[CaseRecord]:
    """Six scored cases and one harness failure (hand-computed metrics in test_metrics.py)."""
    return [
        fault_case(
            "f1",
            "link_down",
            agent_seconds=10,
            tool_calls=5,
            input_tokens=100,
            output_tokens=10,
            cost_usd=0.01,
            difficulty="easy",
        ),
        fault_case(
            "f2",
            "packet_loss",
            itf=False,
            ftype=False,
            agent_seconds=20,
            tool_calls=3,
            input_tokens=200,
            output_tokens=20,
            cost_usd=0.02,
            scale="s",
        ),
        fault_case(
            "f3",
            "bgp_neighbor_misconfig",
            interface=None,
            device=False,
            agent_seconds=30,
            tool_calls=4,
            difficulty="hard",
        ),
        fault_case(
            "f4",
            "device_down",
            interface=None,
            verdict=False,
            device=False,
            ftype=False,
            agent_seconds=40,
            tool_calls=0,
            difficulty="easy",
        ),
        healthy_case("h1", agent_seconds=5, tool_calls=2),
        healthy_case("h2", verdict=False, agent_seconds=15, tool_calls=6),
        fault_case(
            "x1",
            "link_down",
            verdict=False,
            device=False,
            itf=False,
            ftype=False,
            outcome="infra_error",
            agent_seconds=999,
            tool_calls=99,
            input_tokens=5000,
            cost_usd=9.0,
        ),
    ]
