"""Per-case artifacts of remote xdist workers, shipped back to the controller's run directory.

A worker on another host (``--tx ssh=...``, ``socket=...``, anything ``via=`` a proxy) cannot write
the controller's run directory: it writes each case into a private staging run directory, packs
that case's files (evidence store, agent output, tool-call log, trajectory) into one gzipped tar,
and sends it base64-encoded on the case's teardown report, next to the ``CaseRecord`` that already
travels there. The controller checks the checksums, unpacks into its own run directory, appends the
``cases.jsonl`` and trace index rows, and rewrites the staging paths in the record and the JUnit
properties to its own. A ``popen`` worker (same host, same file system) writes the run directory
directly, as before, and pays nothing for this.

Size cap: ``NETOPSBENCH_SHIP_MAX_MB`` (default 64, compressed). Over the cap the largest files are
dropped, largest first, named in the record's message, and the record's paths to them cleared: the
case still counts.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ..report import RunDir

__all__ = [
    "BUNDLE_ATTR",
    "REMOTE_KEY",
    "SHIPPED_FILE",
    "STAGING_ATTR",
    "ShipStats",
    "StagingRunDir",
    "finish_worker",
    "is_remote_spec",
    "pack_case",
    "staging_root",
    "unpack_report",
]

#: workerinput key set by the controller: True for a worker on another host
REMOTE_KEY = "netopsbench_remote"
#: TestReport attributes: the worker's staging run directory (every phase), the bundle (teardown)
STAGING_ATTR = "netopsbench_staging"
BUNDLE_ATTR = "netopsbench_artifacts"
#: written by the controller into ``cases/<case_id>/`` of a shipped case: sizes and checksums
SHIPPED_FILE = "shipped.json"
_BUNDLE_VERSION = 1
_DEFAULT_MAX_MB = 64.0


def is_remote_spec(spec: Any) -> bool:
    """An execnet gateway spec for a process that may not share our file system. ``popen`` (with or
    without ``chdir``) runs here; ``ssh``, ``socket`` and anything reached ``via`` a proxy do not."""
    return not getattr(spec, "popen", None) or bool(getattr(spec, "via", None))


def max_bytes() -> int:
    raw = os.environ.get("NETOPSBENCH_SHIP_MAX_MB", "").strip()
    try:
        mb = float(raw) if raw else _DEFAULT_MAX_MB
    except ValueError:
        mb = _DEFAULT_MAX_MB
    return max(0, int(mb * 1024 * 1024))


def staging_root(run_id: str, worker: str) -> Path:
    """A private base directory on the worker's host for this run's staging run directory."""
    return Path(tempfile.mkdtemp(prefix=f"netopsbench-{worker}-{run_id[:40]}-"))


class StagingRunDir(RunDir):
    """A run directory on a remote worker: files are written as usual, but the shared appends
    (``cases.jsonl``, trace index and results) are kept in memory and travel with the case."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.rows: list[tuple[str, str]] = []

    def _append(self, path: Path, row: Any) -> None:
        if path == self.cases_path:
            return  # the controller appends the record it received, with its own paths
        line = row.model_dump_json() if hasattr(row, "model_dump_json") else json.dumps(row, sort_keys=True)
        self.rows.append((str(path.relative_to(self.root)), line))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _case_files(run: RunDir, case_id: str) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for top in (run.case_dir(case_id), run.traces_dir / case_id):
        if top.is_dir():
            for path in sorted(top.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    files[str(path.relative_to(run.root))] = path
    return files


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    # mtime 0 and sorted names: the same files give the same bytes (and checksum)
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
            tar.addfile(info, io.BytesIO(files[name]))
    return buf.getvalue()


def pack_case(run: StagingRunDir, case_id: str, limit: int | None = None) -> dict[str, Any]:
    """The bundle of one finished case; its staged files and rows are removed afterwards. Never
    raises: a failure travels as the bundle's ``error`` and is reported on the controller."""
    try:
        return _pack(run, case_id, max_bytes() if limit is None else limit)
    except Exception as exc:
        return {"version": _BUNDLE_VERSION, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        run.rows.clear()
        for top in (run.case_dir(case_id), run.traces_dir / case_id):
            shutil.rmtree(top, ignore_errors=True)


def _pack(run: StagingRunDir, case_id: str, limit: int) -> dict[str, Any]:
    contents = {rel: path.read_bytes() for rel, path in _case_files(run, case_id).items()}
    omitted: dict[str, int] = {}
    blob = _tar(contents)
    while len(blob) > limit and contents:
        largest = max(contents, key=lambda k: len(contents[k]))
        omitted[largest] = len(contents.pop(largest))
        blob = _tar(contents)
    bundle = {
        "version": _BUNDLE_VERSION,
        "staging_root": str(run.root),
        "sha256": _sha256(blob),
        "bytes": len(blob),
        "raw_bytes": sum(len(v) for v in contents.values()),
        "files": {rel: _sha256(data) for rel, data in contents.items()},
        "rows": [list(r) for r in run.rows],
        "omitted": omitted,
        "data": base64.b64encode(blob).decode("ascii"),
    }
    return bundle


class ShipStats:
    """What the controller received, for the terminal summary."""

    def __init__(self) -> None:
        self.cases = 0
        self.bytes = 0
        self.raw_bytes = 0
        self.failed: list[str] = []


def _rebase(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str) and old and (value == old or value.startswith(old + "/")):
        return new + value[len(old) :]
    return value


def unpack_report(run: RunDir, report: pytest.TestReport, stats: ShipStats) -> None:
    """Controller side, for every report of a remote worker: rewrite its staging paths to this run
    directory; on the teardown report, verify and store the case's files and rows."""
    staging = getattr(report, STAGING_ATTR, None)
    if not isinstance(staging, str) or not staging:
        return
    root = str(run.root)
    data = getattr(report, "netopsbench_case", None)
    if isinstance(data, dict):
        for key in ("evidence_path", "agent_output", "trace_path"):
            data[key] = _rebase(data.get(key), staging, root)
    report.user_properties = [(k, _rebase(v, staging, root)) for k, v in report.user_properties]
    bundle = getattr(report, BUNDLE_ATTR, None)
    if report.when != "teardown" or not isinstance(data, dict):
        return
    from ..episode import append_message
    from ..records import CaseRecord

    record = CaseRecord.model_validate(data)
    if isinstance(bundle, dict):
        problem = _store(run, record.case_id, bundle)
        if problem:
            stats.failed.append(record.case_id)
            append_message(record, f"artifacts from the remote worker not stored: {problem}")
            record.evidence_path = record.agent_output = record.trace_path = None
        else:
            stats.cases += 1
            stats.bytes += int(bundle.get("bytes", 0))
            stats.raw_bytes += int(bundle.get("raw_bytes", 0))
            omitted = dict(bundle.get("omitted") or {})
            if omitted:
                left = ", ".join(f"{k} ({v} bytes)" for k, v in omitted.items())
                append_message(record, f"not shipped, over NETOPSBENCH_SHIP_MAX_MB: {left}")
                # the record names only files the run directory has
                for key in ("evidence_path", "agent_output", "trace_path"):
                    value = getattr(record, key)
                    if value and not (run.root / value).exists():
                        setattr(record, key, None)
        data.clear()
        data.update(record.model_dump(mode="json"))
    run.append_case(record)


def _store(run: RunDir, case_id: str, bundle: dict[str, Any]) -> str:
    """Unpack a bundle into the run directory; an error text instead when it does not check out."""
    if bundle.get("error"):
        return f"packing failed on the worker: {bundle['error']}"
    if bundle.get("version") != _BUNDLE_VERSION:
        return f"unknown bundle version {bundle.get('version')!r}"
    rows = [(str(rel), str(line)) for rel, line in bundle.get("rows") or []]
    for rel, _ in rows:
        if _safe_target(run.root, rel) is None or not rel.startswith("traces/") or "/" in rel[7:]:
            return f"refused row file {rel!r}"
    try:
        blob = base64.b64decode(str(bundle["data"]), validate=True)
    except (KeyError, ValueError) as exc:
        return f"undecodable bundle ({exc})"
    if _sha256(blob) != bundle.get("sha256"):
        return "bundle checksum mismatch"
    expected: dict[str, str] = dict(bundle.get("files") or {})
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar.getmembers():
            target = _safe_target(run.root, member.name)
            own = member.name.startswith((f"cases/{case_id}/", f"traces/{case_id}/"))
            if target is None or not own or not member.isfile():
                return f"refused bundle member {member.name!r}"
            fh = tar.extractfile(member)
            if fh is None:
                return f"unreadable bundle member {member.name!r}"
            contents[member.name] = fh.read()
    if {k: _sha256(v) for k, v in contents.items()} != expected:
        return "file checksum mismatch"
    for rel, raw in contents.items():
        target = run.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(raw)
        os.replace(tmp, target)
    for rel, line in rows:
        run._append(run.root / rel, json.loads(line))
    if not contents:
        return ""  # a case that never ran (skipped, lab deploy failed) has no files to account for
    # what arrived and its checksums, beside the case's files: an audit of the transfer
    manifest = {k: bundle.get(k) for k in ("staging_root", "sha256", "bytes", "raw_bytes", "omitted")}
    manifest["files"] = expected
    (run.case_dir(case_id) / SHIPPED_FILE).parent.mkdir(parents=True, exist_ok=True)
    (run.case_dir(case_id) / SHIPPED_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return ""


def _safe_target(root: Path, rel: str) -> Path | None:
    """Only ``cases/<id>/...`` and ``traces/<id>/...`` (and the trace index files) inside the run."""
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or ".." in parts or parts[0] not in ("cases", "traces"):
        return None
    return root / rel


def finish_worker(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
