"""``report rebuild``: a report from a run directory's ``cases.jsonl`` after the run died before
writing one (SIGKILL, OOM, power loss), or to refresh one after a manual edit."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import NetopsbenchError, ReportError
from ..records import BenchmarkReport, RunMeta
from ._accounting import InProgress, Selection, latest_attempts, make_accounting, read_cases, read_json_model
from ._build import build_report
from ._io import load_report
from ._rundir import RunDir

__all__ = ["rebuild_report"]


def rebuild_report(path: str | os.PathLike[str]) -> tuple[BenchmarkReport, list[str]]:
    """The run's report rebuilt from cases.jsonl (latest attempt per case wins; a truncated last
    line is skipped), and notes on what was skipped or still in progress when the run died.

    Run metadata comes from the existing report.json when there is one, else from
    ``selection.json`` and the records themselves."""
    run = RunDir(Path(path))
    if not run.root.is_dir():
        raise ReportError("no such run directory", file=str(run.root))
    records, notes = read_cases(run.cases_path)
    selection = read_json_model(run.selection_path, Selection)
    if not records and selection is None:
        raise ReportError(
            "nothing to rebuild: no cases.jsonl records and no selection.json", file=str(run.root)
        )
    cases = latest_attempts(records)
    previous: BenchmarkReport | None = None
    if run.report_path.is_file():
        try:
            previous = load_report(run.report_path)
        except NetopsbenchError as exc:
            notes.append(f"existing report.json ignored: {exc}")
    if previous is not None:
        meta = previous.run
    else:
        meta = RunMeta(
            run_id=run.run_id,
            agent=selection.agent if selection else "",
            pass_score=selection.pass_score if selection else 1.0,
            started=min((c.started for c in cases if c.started), default=0.0),
            ended=max((c.ended for c in cases), default=0.0),
            workers=len({c.worker for c in cases}) or 1,
        )
    in_progress = []
    for marker_path in sorted(run.inprogress_dir.glob("*.json")):
        marker = read_json_model(marker_path, InProgress)
        if marker is not None:
            in_progress.append(f"{marker.record.nodeid} ({marker.worker}, {marker.phase})")
    if in_progress:
        notes.append("in progress when the run died (counted as not run): " + ", ".join(in_progress))
    old = previous.accounting if previous is not None else None
    report = build_report(meta, cases)
    report.accounting = make_accounting(
        selection.selected if selection else [],
        cases,
        interrupted=old.interrupted if old is not None else None,
        detail=old.detail if old is not None else "" if previous is not None else "no report.json written",
        crashes=old.crashes if old is not None else (),
        sessions=old.sessions if old is not None else 1,
    )
    return report, notes
