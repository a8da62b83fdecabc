"""Typed records that cross from the episode runner to scoring and reports: one ``CaseRecord`` per
case (it travels from xdist workers to the controller as JSON), and the ``BenchmarkReport``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..diagnosis import DiagnosisResult, GroundTruth
from ..settings import DEFAULT_PASS_SCORE, DEFAULT_RUNTIME

__all__ = [
    "OUTCOMES",
    "REPORT_SCHEMA",
    "Accounting",
    "Attempt",
    "BaselineComparison",
    "BaselineScore",
    "BenchmarkReport",
    "CaseRecord",
    "ConfidenceInterval",
    "Outcome",
    "RepeatStats",
    "RunMeta",
    "Standing",
    "Summary",
]

Outcome = Literal[
    "correct", "wrong", "agent_error", "agent_timeout", "invalid_result", "infra_error", "skipped"
]
OUTCOMES: tuple[str, ...] = (
    "correct",
    "wrong",
    "agent_error",
    "agent_timeout",
    "invalid_result",
    "infra_error",
    "skipped",
)
REPORT_SCHEMA = "netopsbench-report/1"


class Attempt(BaseModel):
    """An earlier attempt at a case that was run again (an in-run retry, a resume, a crash)."""

    case_id: str
    outcome: Outcome
    message: str = ""
    worker: str = ""
    lab: str = ""
    started: float = 0.0
    ended: float = 0.0
    trace_path: str | None = None


class BaselineScore(BaseModel):
    """A built-in trivial baseline's answer on the agent's own episode (same window, evidence and
    scorer, after the agent answered), scored like the agent's; never shown to the agent."""

    outcome: Outcome = "correct"
    score: float = 0.0
    passed: bool = False
    diagnosis: DiagnosisResult | None = None
    #: the baseline's own tool calls (the agent's ``tool_calls`` never include them)
    tool_calls: int = 0
    seconds: float = 0.0
    message: str = ""


class CaseRecord(BaseModel):
    """Everything about one case (one scenario, one trial), ground truth included.

    Never shown to the agent; written to ``cases.jsonl`` as each case finishes."""

    case_id: str
    scenario_id: str
    nodeid: str = ""
    trial: int = 0
    scale: str
    difficulty: str = "medium"
    tags: list[str] = Field(default_factory=list)
    healthy: bool
    #: the scenario's fault type (None for healthy); known even when the case failed before
    #: ground truth existed, so breakdowns never lose an infra_error case to "unknown". A compound
    #: case names its first fault here (the one ``expected`` leads with; ``expected.also`` the rest)
    fault_type: str | None = None
    #: several simultaneous faults (the scenario's ``faults:``)
    compound: bool = False
    #: at least one fault toggled on a ``schedule``
    intermittent: bool = False
    #: the kinds of the scenario's red herrings, in order (benign events, not in the ground truth)
    red_herrings: list[str] = Field(default_factory=list)
    #: the scenario's ``campaign`` version; ``build_report`` lifts it into ``RunMeta``
    campaign: str | None = None
    #: the scenario's campaign tier (``standard``, ``hard``, ...)
    tier: str = "standard"
    expected: GroundTruth | None = None
    expected_verdict: str
    diagnosis: DiagnosisResult | None = None
    outcome: Outcome
    passed: bool = False
    score: float = 0.0
    verdict_correct: bool = False
    device_correct: bool = False
    interface_correct: bool | None = None  # None when the fault has no interface
    fault_type_correct: bool | None = None  # None for healthy cases
    message: str = ""
    agent_seconds: float = 0.0
    tool_calls: int = 0
    tool_errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    llm_calls: int = 0
    cost_usd: float | None = None
    phases: dict[str, float] = Field(default_factory=dict)
    worker: str = "master"
    lab: str = ""
    lab_rebuilt: bool = False
    started: float = 0.0
    ended: float = 0.0
    trace_path: str | None = None
    evidence_path: str | None = None
    # "sandbox": the agent ran in a bubblewrap sandbox; "none": in the pytest process (docs/isolation.md)
    isolation: Literal["sandbox", "none"] = "none"
    agent_output: str | None = None  # the agent's stdout+stderr (sandbox mode), capped at 1 MB
    #: earlier attempts at this case (oldest first); the record itself is the latest attempt
    attempts: list[Attempt] = Field(default_factory=list)
    #: the trivial baselines on this same episode, by name (empty: not run, e.g. a harness error
    #: before the agent, ``--netopsbench-no-baselines``, or a record from before baselines)
    baselines: dict[str, BaselineScore] = Field(default_factory=dict)


class ConfidenceInterval(BaseModel):
    value: float | None
    low: float | None
    high: float | None
    level: float = 0.95
    n: int = 0


class Summary(BaseModel):
    """Headline metrics over a set of cases (formulas in docs/metrics.md)."""

    cases: int = 0
    scored_cases: int = 0  # cases minus excluded (infra_error, skipped): the agent-metric denominator
    excluded_cases: int = 0
    fault_cases: int = 0
    healthy_cases: int = 0
    interface_cases: int = 0
    passed: int = 0
    pass_rate: float | None = None
    mean_score: float | None = None
    true_positives: int = 0
    false_positives: int = 0
    true_negatives: int = 0
    false_negatives: int = 0
    detection_accuracy: float | None = None
    detection_precision: float | None = None
    detection_recall: float | None = None
    detection_f1: float | None = None
    detection_macro_f1: float | None = None
    false_positive_rate: float | None = None
    device_localization_rate: float | None = None
    interface_localization_rate: float | None = None
    fault_type_accuracy: float | None = None
    strict_accuracy: float | None = None
    mean_agent_seconds: float | None = None
    p90_agent_seconds: float | None = None
    mean_tool_calls: float | None = None
    tool_calls: int = 0
    tool_errors: int = 0
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    mean_input_tokens: float | None = None
    mean_output_tokens: float | None = None
    cost_usd: float | None = None
    mean_cost_usd: float | None = None
    outcomes: dict[str, int] = Field(default_factory=dict)


class Standing(BaseModel):
    """Mean score and pass rate of one answerer (the agent or a baseline) over some cases."""

    cases: int = 0
    passed: int = 0
    pass_rate: float | None = None
    mean_score: float | None = None


class BaselineComparison(BaseModel):
    """The agent next to each baseline on the same episodes: the scored cases of one tier and
    scale (``all`` for every tier or scale) on which the baselines ran."""

    tier: str
    scale: str
    agent: Standing
    baselines: dict[str, Standing] = Field(default_factory=dict)


class RepeatStats(BaseModel):
    """Repeat statistics over scenarios (definitions in docs/metrics.md). ``per_case`` is keyed by
    scenario id: ``{n, c, pass_at_k, pass_hat_k, flaky}``."""

    trials: int
    k: int = 0
    scenarios: int = 0
    pass_at_k: float | None = None
    pass_hat_k: float | None = None
    flaky_share: float | None = None
    flaky_cases: list[str] = Field(default_factory=list)
    per_case: dict[str, dict[str, float]] = Field(default_factory=dict)


class MirrorCounts(BaseModel):
    """The live mirror of one worker: points sent, dropped (queue full, failed request, left at
    the end) and failed write requests."""

    sent: int = 0
    dropped: int = 0
    errors: int = 0
    last_error: str = ""


class Telemetry(MirrorCounts):
    """The live mirror of a run (``--netopsbench-influx-url``): where it went (the URL without user
    info; never the token) and the counts summed over workers."""

    url: str
    bucket: str = ""
    org: str = ""
    workers: dict[str, MirrorCounts] = Field(default_factory=dict)


class RunMeta(BaseModel):
    run_id: str
    agent: str = ""
    runtime: str = DEFAULT_RUNTIME
    isolation: Literal["sandbox", "none"] = "none"
    campaign_version: str | None = None
    netopsbench_version: str = ""
    python: str = ""
    pytest: str = ""
    frr: str = ""
    host: str = ""
    workers: int = 1
    started: float = 0.0
    ended: float = 0.0
    argv: list[str] = Field(default_factory=list)
    pass_score: float = DEFAULT_PASS_SCORE
    #: ``--netopsbench-pass-requires-type``: a fault case passes only with the right fault type too
    pass_requires_type: bool = False
    #: written by ``netopsbench report regrade``: cases rescored from saved diagnoses
    regraded: bool = False
    seed: int | None = Field(default=None, description="seed of the case order (--netopsbench-seed)")
    merged_from: list[str] = Field(default_factory=list, description="run ids of merged shards")
    telemetry: Telemetry | None = None


class Accounting(BaseModel):
    """What became of every selected case: ``selected == finished + len(not_run)``."""

    selected: int = 0
    finished: int = 0
    #: node ids of selected cases with no record (never started, or lost with their run)
    not_run: list[str] = Field(default_factory=list)
    #: why the run stopped early: SIGINT, SIGTERM, SIGHUP, -x, --maxfail, worker crash, cancelled,
    #: unknown (a report rebuilt after the run died); None when it ran to its end
    interrupted: str | None = None
    detail: str = ""
    #: one line per crashed xdist worker ("gw1 crashed during agent: <node id>")
    crashes: list[str] = Field(default_factory=list)
    #: runs of this run directory (1, plus one per resume)
    sessions: int = 1

    @property
    def complete(self) -> bool:
        return not self.not_run and self.interrupted is None

    def describe(self) -> str:
        """One line for summaries; empty when the run is complete."""
        if self.complete:
            return ""
        why = f"interrupted ({self.interrupted}{': ' + self.detail if self.detail else ''})"
        head = why if self.interrupted else "incomplete"
        counts = f"{self.finished} of {self.selected} selected case(s) finished, {len(self.not_run)} not run"
        return f"{head}: {counts}"


class BenchmarkReport(BaseModel):
    schema_: str = Field(default=REPORT_SCHEMA, alias="schema")
    run: RunMeta
    summary: Summary
    confidence: dict[str, ConfidenceInterval] = Field(default_factory=dict)
    breakdowns: dict[str, dict[str, Summary]] = Field(default_factory=dict)
    repeats: RepeatStats | None = None
    cases: list[CaseRecord] = Field(default_factory=list)
    #: None in reports that predate accounting (or built from bare case lists)
    accounting: Accounting | None = None
    #: the agent vs the trivial baselines per tier and scale, the overall row (``all``/``all``)
    #: last; empty when no case has baseline scores (docs/reference-agent.md#baselines)
    baselines: list[BaselineComparison] = Field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        return self.accounting is not None and not self.accounting.complete

    model_config = {"populate_by_name": True}
