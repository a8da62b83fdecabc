"""Reading and writing ``report.json``: atomic writes, and errors that name the file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ..errors import ReportError
from ..records import REPORT_SCHEMA, BenchmarkReport

__all__ = ["REPORT_FILE", "load_report", "resolve_report_path", "save_report"]

REPORT_FILE = "report.json"


def resolve_report_path(path: str | os.PathLike[str]) -> Path:
    """A report file, or a run directory holding ``report.json``."""
    p = Path(path)
    if p.is_dir():
        candidate = p / REPORT_FILE
        if not candidate.is_file():
            raise ReportError(
                f"directory has no {REPORT_FILE}; pass a report file or a run directory", file=str(p)
            )
        return candidate
    if not p.exists():
        raise ReportError(
            "no such file; pass a report.json or a run directory (.netopsbench/runs/<run_id>)", file=str(p)
        )
    return p


def load_report(path: str | os.PathLike[str]) -> BenchmarkReport:
    """Load and validate a report; raise ``ReportError`` naming the file when it is not one."""
    p = resolve_report_path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read: {exc}", file=str(p)) from exc
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"not JSON (line {exc.lineno}: {exc.msg}); is this a report.json?", file=str(p)
        ) from exc
    if not isinstance(data, dict) or "schema" not in data:
        raise ReportError(f"not a netopsbench report (no 'schema': expected {REPORT_SCHEMA!r})", file=str(p))
    if data["schema"] != REPORT_SCHEMA:
        raise ReportError(
            f"report schema {data['schema']!r} is not {REPORT_SCHEMA!r}: written by an "
            "incompatible netopsbench version",
            file=str(p),
        )
    try:
        return BenchmarkReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ReportError(
            f"invalid report field {where}: {first['msg']} ({exc.error_count()} error(s))", file=str(p)
        ) from exc


def save_report(report: BenchmarkReport, path: str | os.PathLike[str]) -> Path:
    """Write ``report`` as JSON atomically (temp file in the same directory, then rename), so a
    reader never sees half a report and an interrupted write leaves the old one intact."""
    from ..trace import sanitized_json

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    # every artifact goes through the one redactor (agent text may quote credentials)
    text = sanitized_json(report, indent=2, secret_keys=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
