"""Controller side of accounting (docs/reliability.md): crashed workers' cases, why a run stopped
early, the final case set of a run directory, and the JUnit testsuite properties."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..report import BenchmarkReport, CaseRecord, RunDir, Selection

__all__ = ["final_cases", "interrupt_reason", "junit_properties", "record_crash", "stop_reason"]


def record_crash(run: RunDir, nodeid: str, worker: str) -> CaseRecord:
    """The record of the case ``worker`` was running when it died, appended to cases.jsonl."""
    from ..episode import new_case_id
    from ..report import CaseRecord, InProgress, crash_record, read_json_model

    marker = read_json_model(run.inprogress_dir / f"{worker}.json", InProgress)
    if marker is not None and marker.record.nodeid == nodeid:
        record = crash_record(marker, worker=worker)
    else:  # died before its first marker: little is known beyond the node id
        name = nodeid.rsplit("::", 1)[-1]
        now = time.time()
        record = CaseRecord(
            case_id=new_case_id(),
            scenario_id=name.split("[", 1)[0],
            nodeid=nodeid,
            scale="unknown",
            healthy=False,
            expected_verdict="",
            outcome="infra_error",
            message=f"worker {worker} crashed during setup",
            worker=worker,
            started=now,
            ended=now,
        )
    run.append_case(record)
    run.clear_marker(worker)
    return record


def _maxfail_reason(config: pytest.Config) -> str:
    return "-x" if config.getoption("maxfail", 0) == 1 else "--maxfail"


def interrupt_reason(config: pytest.Config, text: str) -> tuple[str, str]:
    """(reason, detail) of a KeyboardInterrupt reaching the controller. xdist raises one for
    ``-x``/``--maxfail`` and cancels too; a signal handler names its signal in the message."""
    for signal in ("SIGTERM", "SIGHUP", "SIGINT"):
        if signal in text:
            return signal, text
    if "stopping after" in text:
        return _maxfail_reason(config), text
    if "crashed" in text:
        return "worker crash", text
    if not text or "keyboard-interrupt" in text or text == "KeyboardInterrupt":
        return "SIGINT", text
    return "cancelled", text


def stop_reason(session: pytest.Session) -> tuple[str, str] | None:
    """Why a session that ended without an exception stopped early, if it did."""
    fail = session.shouldfail
    if isinstance(fail, str) and fail:
        return _maxfail_reason(session.config), fail
    dsession: Any = session.config.pluginmanager.getplugin("dsession")
    summary = str(getattr(dsession, "_summary_report", "") or "")
    if "crashed" in summary:
        return "worker crash", summary
    for stop in (session.shouldstop, getattr(dsession, "shouldstop", False)):
        if isinstance(stop, str) and stop:
            if "stopping after" in stop:
                return _maxfail_reason(session.config), stop
            return "cancelled", stop
    return None


def final_cases(
    run: RunDir, in_memory: list[CaseRecord]
) -> tuple[list[CaseRecord], Selection | None, list[str]]:
    """Every case of the run directory once (latest attempt wins), the run's selection, and
    problems met reading cases.jsonl. In-memory records missing from the file (a failed append)
    are kept too."""
    from ..report import Selection, latest_attempts, read_cases, read_json_model

    records, problems = read_cases(run.cases_path)
    seen = {r.case_id for r in records}
    records += [r for r in in_memory if r.case_id not in seen]
    shutil.rmtree(run.inprogress_dir, ignore_errors=True)
    return latest_attempts(records), read_json_model(run.selection_path, Selection), problems


def junit_properties(config: pytest.Config, report: BenchmarkReport) -> None:
    """Testsuite properties, so CI sees an incomplete run without opening report.json."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    accounting = report.accounting
    if xml is None or accounting is None:
        return
    xml.add_global_property("netopsbench.selected", accounting.selected)
    xml.add_global_property("netopsbench.finished", accounting.finished)
    xml.add_global_property("netopsbench.not_run", len(accounting.not_run))
    xml.add_global_property("netopsbench.incomplete", str(not accounting.complete).lower())
    xml.add_global_property("netopsbench.interrupted", accounting.interrupted or "")
