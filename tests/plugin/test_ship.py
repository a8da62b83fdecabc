"""Shipping a remote worker's case to the controller (plugin/_ship.py), without a lab: the bundle
round trip, the size cap, and bundles that must be refused (tampered, escaping the run directory)."""

from __future__ import annotations

import base64
import copy
import gzip
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import execnet
import pytest

from pytest_netopsbench.plugin._ship import (
    BUNDLE_ATTR,
    SHIPPED_FILE,
    STAGING_ATTR,
    ShipStats,
    StagingRunDir,
    is_remote_spec,
    pack_case,
    unpack_report,
)
from pytest_netopsbench.records import CaseRecord
from pytest_netopsbench.report import RunDir

CASE = "case-0123abcd"


def _staged(tmp_path: Path) -> tuple[StagingRunDir, CaseRecord]:
    """A remote worker's staging run directory after one finished case."""
    run = StagingRunDir(tmp_path / "remote" / "run-1")
    case_dir = run.case_dir(CASE)
    case_dir.mkdir(parents=True)
    # incompressible, so the size cap test can exceed a small cap with it alone
    (case_dir / "evidence.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(100_000))
    (case_dir / "agent-output.log").write_text("thinking...\n" * 50)
    record = CaseRecord(
        case_id=CASE,
        scenario_id="xs-link",
        scale="xs",
        healthy=False,
        expected_verdict="fault_detected",
        outcome="correct",
        worker="gw0",
        evidence_path=str(case_dir / "evidence.sqlite"),
        agent_output=str(case_dir / "agent-output.log"),
    )
    path = run.write_trace(record, record, agent="reference")  # any model serialises as a trajectory
    record.trace_path = str(path.relative_to(run.root))
    run.append_case(record)
    return run, record


def _report(run: StagingRunDir, record: CaseRecord, bundle: dict[str, Any] | None) -> pytest.TestReport:
    report = pytest.TestReport(
        "scenarios/x.yaml::xs-link",
        ("x.yaml", None, "xs-link"),
        {},
        "passed",
        None,
        "teardown",
        user_properties=[("netopsbench.trace", str(run.root / str(record.trace_path)))],
    )
    report.netopsbench_case = record.model_dump(mode="json")  # type: ignore[attr-defined]
    setattr(report, STAGING_ATTR, str(run.root))
    if bundle is not None:
        setattr(report, BUNDLE_ATTR, bundle)
    return report


def test_round_trip_rebases_paths_and_appends_rows(tmp_path: Path) -> None:
    staged, record = _staged(tmp_path)
    originals = {p.name: p.read_bytes() for p in staged.case_dir(CASE).iterdir()}
    bundle = pack_case(staged, CASE)
    assert not staged.case_dir(CASE).exists() and not staged.rows  # staged files leave with the case
    assert bundle["bytes"] < bundle["raw_bytes"] + 1024  # gzip adds little to random bytes
    json.dumps(bundle)  # travels as JSON on the report

    run = RunDir.create(tmp_path / "controller", "run-1")
    stats = ShipStats()
    report = _report(staged, record, bundle)
    unpack_report(run, report, stats)

    data = report.netopsbench_case
    assert Path(data["evidence_path"]) == run.case_dir(CASE) / "evidence.sqlite"
    assert Path(data["agent_output"]).read_bytes() == originals["agent-output.log"]
    assert Path(data["evidence_path"]).read_bytes() == originals["evidence.sqlite"]
    assert (run.root / data["trace_path"]).exists()
    assert dict(report.user_properties)["netopsbench.trace"] == str(run.root / data["trace_path"])
    assert [c.case_id for c in run.iter_cases()] == [CASE]
    assert next(run.iter_cases()).evidence_path == data["evidence_path"]
    for name in ("index.jsonl", "results.jsonl"):
        rows = (run.traces_dir / name).read_text().splitlines()
        assert [json.loads(r)["case_id"] for r in rows] == [CASE]
    manifest = json.loads((run.case_dir(CASE) / SHIPPED_FILE).read_text())
    assert set(manifest["files"]) == {
        f"cases/{CASE}/evidence.sqlite",
        f"cases/{CASE}/agent-output.log",
        f"traces/{CASE}/trajectory.json",
    }
    assert (stats.cases, stats.bytes, stats.failed) == (1, bundle["bytes"], [])


def test_size_cap_leaves_the_largest_file_behind(tmp_path: Path) -> None:
    staged, record = _staged(tmp_path)
    bundle = pack_case(staged, CASE, limit=4096)
    assert list(bundle["omitted"]) == [f"cases/{CASE}/evidence.sqlite"]
    assert bundle["bytes"] <= 4096
    run = RunDir.create(tmp_path / "controller", "run-1")
    report = _report(staged, record, bundle)
    unpack_report(run, report, ShipStats())
    data = report.netopsbench_case
    assert "NETOPSBENCH_SHIP_MAX_MB" in data["message"] and "evidence.sqlite" in data["message"]
    assert data["evidence_path"] is None and Path(data["agent_output"]).exists()
    assert (run.root / data["trace_path"]).exists()
    assert not (run.case_dir(CASE) / "evidence.sqlite").exists()


def _evil_tar(name: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    return buf.getvalue()


def _tampered(bundle: dict[str, Any], how: str) -> dict[str, Any]:
    import hashlib

    bad = copy.deepcopy(bundle)
    if how == "blob":
        raw = bytearray(base64.b64decode(bad["data"]))
        raw[-5] ^= 0xFF
        bad["data"] = base64.b64encode(bytes(raw)).decode()
    elif how == "file-digest":
        bad["files"][next(iter(bad["files"]))] = "0" * 64
    elif how in ("escape", "absolute", "other-case"):
        name = {"escape": "cases/../../outside.txt", "absolute": "/tmp/outside.txt"}.get(how, "cases/x/a")
        blob = _evil_tar(name)
        bad["data"] = base64.b64encode(blob).decode()
        bad["sha256"] = hashlib.sha256(blob).hexdigest()
    elif how == "row-file":
        bad["rows"] = [["../cases.jsonl", "{}"]]
    return bad


@pytest.mark.parametrize("how", ["blob", "file-digest", "escape", "absolute", "other-case", "row-file"])
def test_a_bundle_that_does_not_check_out_is_refused(tmp_path: Path, how: str) -> None:
    staged, record = _staged(tmp_path)
    bundle = _tampered(pack_case(staged, CASE), how)
    run = RunDir.create(tmp_path / "controller", "run-1")
    stats = ShipStats()
    report = _report(staged, record, bundle)
    unpack_report(run, report, stats)
    data = report.netopsbench_case
    assert stats.failed == [CASE]
    assert "not stored" in data["message"]
    assert data["evidence_path"] is None and data["trace_path"] is None
    assert [c.case_id for c in run.iter_cases()] == [CASE]  # the case itself still counts
    assert not (run.root / "cases" / CASE).exists()
    assert not (tmp_path / "outside.txt").exists()


def test_only_processes_on_this_host_skip_shipping() -> None:
    assert not is_remote_spec(execnet.XSpec("popen"))
    assert not is_remote_spec(execnet.XSpec("popen//python=python3//chdir=/tmp/x"))
    assert is_remote_spec(execnet.XSpec("ssh=root@10.0.0.2//python=python3"))
    assert is_remote_spec(execnet.XSpec("socket=10.0.0.2:8888"))
    assert is_remote_spec(execnet.XSpec("popen//via=proxy1"))


def test_a_case_without_files_still_reaches_the_controller(tmp_path: Path) -> None:
    """A case that never ran (skipped, lab deploy failed) ships only its record."""
    staged = StagingRunDir(tmp_path / "remote" / "run-1")
    record = CaseRecord(
        case_id=CASE,
        scenario_id="xs-link",
        scale="xs",
        healthy=False,
        expected_verdict="fault_detected",
        outcome="skipped",
        message="needs teleporter",
    )
    bundle = pack_case(staged, CASE)
    assert bundle["files"] == {} and not bundle.get("error")
    run = RunDir.create(tmp_path / "controller", "run-1")
    stats = ShipStats()
    unpack_report(run, _report(staged, record, bundle), stats)
    assert [(c.case_id, c.outcome) for c in run.iter_cases()] == [(CASE, "skipped")]
    assert not run.case_dir(CASE).exists() and stats.failed == []
