"""RunDir: appends from several processes never interleave; the report is written atomically."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from pytest_netopsbench.records import new_run_id
from pytest_netopsbench.report import CaseRecord, RunDir, RunMeta, build_report


def record(i: int, worker: str) -> CaseRecord:
    return CaseRecord(
        case_id=f"case-{i:012x}",
        scenario_id=f"s{i}",
        scale="xs",
        healthy=True,
        expected_verdict="network_healthy",
        outcome="correct",
        passed=True,
        score=1.0,
        worker=worker,
        message="x" * 5000,
    )


def _writer(root: str, worker: int) -> None:
    run = RunDir(Path(root))
    for i in range(40):
        run.append_case(record(worker * 1000 + i, f"gw{worker}"))


def test_concurrent_appends_stay_whole_lines(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, new_run_id())
    procs = [multiprocessing.Process(target=_writer, args=(str(run.root), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    cases = list(run.iter_cases())
    assert len(cases) == 160 and len({c.case_id for c in cases}) == 160


def test_report_is_written_atomically_and_also_where_asked(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path / "runs", "run-test")
    report = build_report(RunMeta(run_id="run-test"), [record(1, "master")])
    run.write_report(report, tmp_path / "copy.json")
    assert run.report_path.exists() and (tmp_path / "copy.json").exists()
    assert not list(run.root.glob("*.tmp"))
