"""``ArtifactManager``: run directories, reports, per-case records and traces of past runs."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from ..errors import NetopsbenchError
from ..records import BenchmarkReport, CaseRecord
from ..report import RunDir, load_report
from ._harbor import ExportSummary, export_harbor_job

__all__ = ["ArtifactManager", "RunSummary", "TraceRef"]


class RunSummary(BaseModel):
    run_id: str
    path: Path
    has_report: bool
    cases: int
    traces: int
    agent: str = ""
    mean_score: float | None = None
    #: "" when the run is complete (or its report predates accounting), else what is missing
    incomplete: str = ""


class TraceRef(BaseModel):
    run_id: str
    case_id: str
    scenario_id: str
    outcome: str
    score: float
    path: Path | None


class ArtifactManager:
    def __init__(self, runs_root: Path) -> None:
        self.runs_root = runs_root

    def run_dir(self, run_id: str = "latest") -> Path:
        """The directory of ``run_id`` (``latest``: the most recent run with any record)."""
        if run_id == "latest":
            runs = self._dirs()
            if not runs:
                raise NetopsbenchError(
                    f"no runs under {self.runs_root}; run a benchmark first "
                    "(netopsbench run ... or pytest --netopsbench-agent=...)"
                )
            return runs[-1]
        path = Path(run_id)
        if path.is_dir():
            return path
        path = self.runs_root / run_id
        if not path.is_dir():
            known = ", ".join(p.name for p in self._dirs()[-5:]) or "none"
            raise NetopsbenchError(
                f"no run {run_id!r} under {self.runs_root} (recent: {known}); see `netopsbench trace list`"
            )
        return path

    def _dirs(self) -> list[Path]:
        if not self.runs_root.is_dir():
            return []
        return sorted(
            p
            for p in self.runs_root.iterdir()
            if p.is_dir() and ((p / "report.json").exists() or (p / "cases.jsonl").exists())
        )

    def runs(self, limit: int | None = None) -> list[RunSummary]:
        out = []
        for path in self._dirs()[-limit:] if limit else self._dirs():
            cases = self.cases(path.name)
            report = self._maybe_report(path)
            out.append(
                RunSummary(
                    run_id=path.name,
                    path=path,
                    has_report=report is not None,
                    cases=len(cases),
                    traces=sum(1 for c in cases if c.trace_path),
                    agent=report.run.agent if report else "",
                    mean_score=report.summary.mean_score if report else None,
                    incomplete=report.accounting.describe() if report and report.accounting else "",
                )
            )
        return out

    def _maybe_report(self, path: Path) -> BenchmarkReport | None:
        try:
            return load_report(path / "report.json") if (path / "report.json").exists() else None
        except NetopsbenchError:
            return None

    def report(self, run_id: str = "latest") -> BenchmarkReport:
        return load_report(self.run_dir(run_id) / "report.json")

    def cases(self, run_id: str = "latest") -> list[CaseRecord]:
        """Per-case records; from ``cases.jsonl`` so an interrupted run still shows what finished."""
        path = self.run_dir(run_id)
        cases = list(RunDir(path).iter_cases())
        if not cases:
            report = self._maybe_report(path)
            cases = list(report.cases) if report else []
        return cases

    def traces(self, run_id: str = "latest") -> list[TraceRef]:
        path = self.run_dir(run_id)
        refs = []
        for case in self.cases(run_id):
            trace = None
            if case.trace_path:
                trace = Path(case.trace_path)
                trace = trace if trace.is_absolute() else path / trace
            refs.append(
                TraceRef(
                    run_id=path.name,
                    case_id=case.case_id,
                    scenario_id=case.scenario_id,
                    outcome=case.outcome,
                    score=case.score,
                    path=trace,
                )
            )
        return refs

    def run_report(self, run_id: str = "latest") -> BenchmarkReport:
        """The run's report; for an interrupted run (no ``report.json``) one built from the cases
        that finished."""
        path = self.run_dir(run_id)
        report = self._maybe_report(path)
        if report is None:
            cases = self.cases(run_id)
            if not cases:
                raise NetopsbenchError(f"run {path.name} has neither report.json nor cases.jsonl")
            from ..records import RunMeta
            from ..report import build_report

            report = build_report(RunMeta(run_id=path.name), cases, resamples=200)
        return report

    def export_traces(self, run_id: str, output: str | Path) -> ExportSummary:
        """Write the run as a Harbor job directory under ``output`` (see docs/cli.md)."""
        return export_harbor_job(self.run_report(run_id), self.run_dir(run_id), Path(output))
