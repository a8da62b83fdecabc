"""A finished run written through the real writers (no lab), for the viewer and HTML page tests:
a fault case answered by an LLM agent whose trajectory comes from the real ``TraceRecorder``
(tool calls, one failing, observations, LLM calls with token counts), a healthy case, a wrong
answer and a harness error without a trajectory. The fault case has an evidence store, so its
page also gets the ping-mesh heatmap."""

from __future__ import annotations

from pathlib import Path

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.records import BenchmarkReport, CaseRecord
from pytest_netopsbench.report import RunMeta, build_report
from pytest_netopsbench.report._rundir import RunDir
from pytest_netopsbench.trace import TraceRecorder

from ._cases import fault_case, healthy_case
from .test_heatmap import PHASES, T0, _store

CONTEXT = {"task": "find the fault in the leaf-spine fabric", "devices": ["leaf1", "leaf2", "spine1"]}


def _trajectory(case: CaseRecord, answer: DiagnosisResult, *, wrong_turn: bool) -> TraceRecorder:
    rec = TraceRecorder()
    rec.record_llm_call(
        "gpt-test-mini",
        [{"role": "user", "content": "Diagnose the network."}],
        "Let me look at the interfaces of leaf1 first.",
        usage={"prompt_tokens": 812, "completion_tokens": 41, "cost_usd": 0.0012},
        seconds=1.3,
    )
    rec.record_tool_call("show_interfaces", {"device": "leaf1"}, "eth1: DOWN\neth2: UP\neth3: UP", None, 0.21)
    if wrong_turn:
        rec.record_tool_call("ping", {"src": "h1", "dst": "h9"}, None, "unknown host h9", 0.01)
    rec.record_tool_call(
        "show_bgp_summary", {"device": "spine1"}, "neighbor leaf1 Idle\nneighbor leaf2 Established", None, 0.3
    )
    rec.record_llm_call(
        "gpt-test-mini",
        [{"role": "user", "content": "tool results ..."}],
        answer.model_dump_json(),
        usage={"prompt_tokens": 1530, "completion_tokens": 77, "cost_usd": 0.0021},
        seconds=2.1,
    )
    return rec


def write_run(
    root: Path, run_id: str = "run-viewer-1", *, agent: str = "llm-test", fixed: bool = False
) -> RunDir:
    """Write the run under ``root`` (its runs directory) and return it; ``fixed``: the agent also
    gets "link-wrong" right (a second run to compare with)."""
    run = RunDir.create(root, run_id)
    store = _store(run.case_dir("c-link-leaf1-0") / "evidence.sqlite")
    right = DiagnosisResult(
        verdict="fault_detected", fault_type="link_down", device="leaf1", interface="eth1"
    )
    wrong = DiagnosisResult(
        verdict="fault_detected", fault_type="link_down", device="leaf2", interface="eth3"
    )
    cases = [
        fault_case(
            "link-leaf1",
            campaign="2026.12",
            started=T0,
            ended=T0 + 30,
            phases=PHASES,
            evidence_path=str(store.relative_to(run.root)),  # resolved against the run dir
            agent_seconds=3.9,
            tool_calls=2,
            llm_calls=2,
            input_tokens=2342,
            output_tokens=118,
            cost_usd=0.0033,
        ),
        fault_case(
            "link-wrong",
            device=fixed,
            itf=fixed,
            campaign="2026.12",
            tool_calls=3,
            tool_errors=1,
            llm_calls=2,
        ),
        healthy_case("healthy-1", campaign="2026.12", llm_calls=2),
        healthy_case(
            "infra-1",
            outcome="infra_error",
            campaign="2026.12",
            message="lab build failed: FRR did not start",
        ),
    ]
    cases[3].diagnosis = None
    cases[0].diagnosis = right
    cases[1].diagnosis = right if fixed else wrong
    answers = {0: right, 1: right if fixed else wrong, 2: DiagnosisResult(verdict="network_healthy")}
    for i, answer in answers.items():
        rec = _trajectory(cases[i], answer, wrong_turn=i == 1)
        traj = rec.to_atif(agent_name=agent, agent_version="1.0", context=CONTEXT, final=answer.model_dump())
        cases[i].trace_path = str(run.write_trace(cases[i], traj, agent=agent).relative_to(run.root))
    for case in cases:
        run.append_case(case)
    run.write_report(report_of(run_id, cases, agent))
    return run


def report_of(run_id: str, cases: list[CaseRecord], agent: str) -> BenchmarkReport:
    return build_report(RunMeta(run_id=run_id, agent=agent), cases, resamples=50)
