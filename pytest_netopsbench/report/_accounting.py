"""Accounting for every selected case: which finished, which did not, what a crash cost, and the
records that ``report rebuild`` and ``--netopsbench-resume`` build on.

Cases are keyed by node id (which carries the ``[trialK]`` suffix) and trial, never by case id:
case ids differ between attempts, node ids are what pytest selects."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from ..records import Accounting, Attempt, CaseRecord

__all__ = [
    "InProgress",
    "Selection",
    "as_attempt",
    "case_key",
    "crash_record",
    "latest_attempts",
    "make_accounting",
    "read_cases",
    "read_json_model",
]


def case_key(record: CaseRecord) -> str:
    return record.nodeid or f"{record.scenario_id}[trial{record.trial}]"


class Selection(BaseModel):
    """What a run selected, written once per run directory by the first process that collects
    (``selection.json``). A resume compares its own selection's fingerprint against it."""

    selected: list[str] = Field(default_factory=list)
    agent: str = ""
    pass_score: float = 1.0
    scales: list[str] = Field(default_factory=list)
    campaigns: list[str] = Field(default_factory=list)

    def differences(self, other: Selection) -> list[str]:
        """Fingerprint fields that differ (the case list itself may: a resume can add cases)."""
        out = []
        for field in ("agent", "pass_score", "scales", "campaigns"):
            mine, theirs = getattr(self, field), getattr(other, field)
            if mine != theirs:
                out.append(f"{field.replace('_', ' ')} {theirs!r} (this run: {mine!r})")
        return out


class InProgress(BaseModel):
    """The per-worker marker ``inprogress/<worker>.json``: the case a worker is running and the
    phase it is in, so the controller can account for the case if the worker dies."""

    worker: str
    phase: str
    record: CaseRecord
    updated: float = 0.0
    pid: int = 0


def read_cases(path: Path) -> tuple[list[CaseRecord], list[str]]:
    """Every valid record of a ``cases.jsonl``, and a note per line that is not one (a process
    killed mid-append leaves a truncated last line; it is skipped, never fatal)."""
    if not path.is_file():
        return [], []
    records: list[CaseRecord] = []
    problems: list[str] = []
    lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(CaseRecord.model_validate_json(line))
        except (ValidationError, ValueError) as exc:
            last = number == len(lines) or all(not rest.strip() for rest in lines[number:])
            what = "truncated last line" if last else "unreadable line"
            problems.append(f"{path.name}:{number}: {what} skipped ({type(exc).__name__})")
    return records, problems


def as_attempt(record: CaseRecord) -> Attempt:
    return Attempt(
        case_id=record.case_id,
        outcome=record.outcome,
        message=record.message,
        worker=record.worker,
        lab=record.lab,
        started=record.started,
        ended=record.ended,
        trace_path=record.trace_path,
    )


def latest_attempts(records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """One record per case: the latest attempt (last written), carrying every earlier one in
    ``attempts``. A record written twice under one case id counts once."""
    groups: dict[str, list[CaseRecord]] = {}
    for record in records:
        group = groups.setdefault(case_key(record), [])
        group[:] = [r for r in group if r.case_id != record.case_id]
        group.append(record)
    out: list[CaseRecord] = []
    for group in groups.values():
        latest = group[-1]
        earlier: dict[str, Attempt] = {}
        for record in group[:-1]:
            for attempt in [*record.attempts, as_attempt(record)]:
                earlier.setdefault(attempt.case_id, attempt)
        for attempt in latest.attempts:
            earlier.setdefault(attempt.case_id, attempt)
        earlier.pop(latest.case_id, None)
        attempts = sorted(earlier.values(), key=lambda a: a.started)
        out.append(latest.model_copy(update={"attempts": attempts}) if attempts else latest)
    return out


def crash_record(marker: InProgress, *, worker: str | None = None, how: str = "crashed") -> CaseRecord:
    """The record of a case whose worker died in ``marker.phase``. Dying inside the agent call is
    the agent's failure (agent_error); anywhere else it is the harness's (infra_error)."""
    in_agent = marker.phase == "agent"
    text = f"worker {worker or marker.worker} {how} during {'the agent call' if in_agent else marker.phase}"
    record = marker.record.model_copy(deep=True)
    record.outcome = "agent_error" if in_agent else "infra_error"
    record.passed, record.score = False, 0.0
    record.message = "; ".join(p for p in (record.message, text) if p)
    record.ended = time.time()
    return record


def make_accounting(
    selected: Iterable[str],
    records: Iterable[CaseRecord],
    *,
    interrupted: str | None = None,
    detail: str = "",
    crashes: Iterable[str] = (),
    sessions: int = 1,
) -> Accounting:
    """``selected`` may miss cases that have records (a report rebuilt without ``selection.json``):
    every recorded case counts as selected."""
    done = {case_key(r) for r in records}
    chosen = list(dict.fromkeys([*selected, *sorted(done)]))
    not_run = [k for k in chosen if k not in done]
    crashes = list(crashes)
    if not not_run:  # stopped after the last case finished: nothing was cut short
        interrupted, detail = None, ""
    elif interrupted is None:
        interrupted = "worker crash" if crashes else "unknown"
    return Accounting(
        selected=len(chosen),
        finished=len(chosen) - len(not_run),
        not_run=not_run,
        interrupted=interrupted,
        detail=detail,
        crashes=crashes,
        sessions=sessions,
    )


M = TypeVar("M", bound=BaseModel)


def read_json_model(path: Path, model: type[M]) -> M | None:
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
