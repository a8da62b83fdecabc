"""The run directory ``.netopsbench/runs/<run_id>/`` (``records.DEFAULT_RUNS_DIR``, ``records.new_run_id``).

Layout::

    report.json            whole-run report, written atomically by the controller at the end
    cases.jsonl            one CaseRecord per line, appended by whichever process ran the case,
                           as soon as it finished (a crash loses nothing finished)
    cases/<case_id>/       the evidence store of that case (evidence.sqlite)
    traces/<case_id>/trajectory.json   ATIF v1.7, what the agent saw and did (no ground truth)
    traces/index.jsonl     one row per trajectory
    traces/results.jsonl   scores and ground truth, the only trace file that holds it
    selection.json         the selected cases and the run's fingerprint (agent, pass score, scales,
                           campaigns), written once by the first process that collects
    inprogress/<worker>.json   the case a worker is running and its phase (removed when it ends),
                           read by the controller when the worker dies (docs/reliability.md)

Appends from several xdist workers are serialised with ``flock`` so lines never interleave.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from ..records import BenchmarkReport, CaseRecord
from ..trace import sanitized_json
from ._io import save_report

__all__ = ["RunDir", "open_private"]

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class RunDir:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def create(cls, base: str | os.PathLike[str], run_id: str) -> RunDir:
        if not _SAFE.fullmatch(run_id):
            raise ValueError(f"run id {run_id!r} is not a safe directory name")
        run = cls(Path(base) / run_id)
        # 0700: ground truth and earlier cases' results live here; agents run as another user
        run.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        run.root.chmod(0o700)
        return run

    @property
    def run_id(self) -> str:
        return self.root.name

    @property
    def report_path(self) -> Path:
        return self.root / "report.json"

    @property
    def cases_path(self) -> Path:
        return self.root / "cases.jsonl"

    @property
    def traces_dir(self) -> Path:
        return self.root / "traces"

    def case_dir(self, case_id: str) -> Path:
        return self.root / "cases" / _checked(case_id)

    def trajectory_path(self, case_id: str) -> Path:
        return self.traces_dir / _checked(case_id) / "trajectory.json"

    def _mkdir(self, path: Path) -> None:
        """Create ``path`` (under the root) and its missing parents, each 0700."""
        missing = []
        while path != self.root and not path.exists():
            missing.append(path)
            path = path.parent
        for directory in reversed(missing):
            directory.mkdir(mode=0o700, exist_ok=True)

    # -- appends --------------------------------------------------------------------------------
    def _append(self, path: Path, row: Mapping[str, Any] | BaseModel) -> None:
        line = sanitized_json(row, sort_keys=not isinstance(row, BaseModel), secret_keys=False) + "\n"
        self._mkdir(path.parent)
        with open_private(path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def append_case(self, record: CaseRecord) -> None:
        self._append(self.cases_path, record)

    def write_trace(
        self,
        record: CaseRecord,
        trajectory: BaseModel,
        *,
        agent: str,
        index_extra: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write the trajectory and its index row; the scoring row (with ground truth) goes only
        to ``results.jsonl``."""
        path = self.trajectory_path(record.case_id)
        self._mkdir(path.parent)
        tmp = path.with_suffix(".tmp")
        with open_private(tmp, "w") as fh:
            fh.write(sanitized_json(trajectory, indent=2, exclude_none=True))
        os.replace(tmp, path)
        rel = str(path.relative_to(self.root))
        self._append(
            self.traces_dir / "index.jsonl",
            {
                "run_id": self.run_id,
                "case_id": record.case_id,
                "worker": record.worker,
                "scale": record.scale,
                "agent": agent,
                "started": record.started,
                "ended": record.ended,
                "agent_seconds": record.agent_seconds,
                "tool_calls": record.tool_calls,
                "llm_calls": record.llm_calls,
                "input_tokens": record.input_tokens,
                "output_tokens": record.output_tokens,
                "trajectory": rel,
                **(index_extra or {}),
            },
        )
        self._append(
            self.traces_dir / "results.jsonl",
            {
                "run_id": self.run_id,
                "case_id": record.case_id,
                "scenario_id": record.scenario_id,
                "nodeid": record.nodeid,
                "trial": record.trial,
                "trajectory": rel,
                "outcome": record.outcome,
                "score": record.score,
                "expected": record.expected.model_dump(mode="json") if record.expected else None,
                "expected_verdict": record.expected_verdict,
                "diagnosis": record.diagnosis.model_dump(mode="json") if record.diagnosis else None,
                "message": record.message,
            },
        )
        return path

    # -- reading and the final report -----------------------------------------------------------
    def iter_cases(self) -> Iterator[CaseRecord]:
        """Every valid record, in the order written (a truncated line is skipped)."""
        from ._accounting import read_cases

        yield from read_cases(self.cases_path)[0]

    # -- accounting (docs/reliability.md) --------------------------------------------------------
    @property
    def selection_path(self) -> Path:
        return self.root / "selection.json"

    @property
    def inprogress_dir(self) -> Path:
        return self.root / "inprogress"

    def write_selection(self, selection: BaseModel) -> bool:
        """Write ``selection.json`` unless it exists (atomic: temp file then hard link, which fails
        when another worker got there first). Returns whether this call wrote it."""
        tmp = self.root / f".selection.{os.getpid()}.tmp"
        tmp.write_text(selection.model_dump_json(indent=2), encoding="utf-8")
        try:
            os.link(tmp, self.selection_path)
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def write_marker(self, worker: str, marker: BaseModel) -> None:
        self.inprogress_dir.mkdir(parents=True, exist_ok=True)
        path = self.inprogress_dir / f"{_checked(worker)}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(marker.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)

    def clear_marker(self, worker: str) -> None:
        (self.inprogress_dir / f"{_checked(worker)}.json").unlink(missing_ok=True)

    def write_report(self, report: BenchmarkReport, *extra: str | os.PathLike[str]) -> Path:
        path = save_report(report, self.report_path)
        for other in extra:
            save_report(report, other)
        return path


def open_private(path: Path, mode: str) -> IO[str]:
    """Open a run-directory file readable by its owner only, whatever the umask."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8")


def _checked(case_id: str) -> str:
    if not _SAFE.fullmatch(case_id):
        raise ValueError(f"case id {case_id!r} is not a safe directory name")
    return case_id
