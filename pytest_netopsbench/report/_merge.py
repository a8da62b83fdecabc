"""Merging shard reports (CI matrix jobs, ``pytest -n`` on several hosts) into one report."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .. import scoring
from ..errors import ReportError
from ..records import BenchmarkReport, CaseRecord, RunMeta, Telemetry
from ._build import build_report

__all__ = ["merge_reports"]


def _rank(case: CaseRecord) -> tuple[bool, float]:
    # A scored record beats a harness failure (so re-running infra errors and merging repairs a run);
    # between equals, the one that finished last wins.
    return (scoring.is_scored(case), case.ended)


def _check_same(
    field: str, values: list[str | float | None], names: Sequence[str], force: bool, hint: str
) -> None:
    if len(set(values)) > 1 and not force:
        listing = ", ".join(f"{n}: {v!r}" for n, v in zip(names, values, strict=True))
        raise ReportError(f"refusing to merge runs with different {field} ({listing}); {hint}")


def _merge_telemetry(runs: Sequence[RunMeta], names: Sequence[str]) -> Telemetry | None:
    """The shards' live-mirror counts summed; each worker keeps its shard's name (``gw0`` runs on
    every host). Shards that mirrored to different servers list every URL."""
    shards = [(name, run.telemetry) for name, run in zip(names, runs, strict=True) if run.telemetry]
    if not shards:
        return None

    def joined(values: list[str]) -> str:
        return ", ".join(dict.fromkeys(v for v in values if v))

    return Telemetry(
        url=joined([t.url for _, t in shards]),
        bucket=joined([t.bucket for _, t in shards]),
        org=joined([t.org for _, t in shards]),
        sent=sum(t.sent for _, t in shards),
        dropped=sum(t.dropped for _, t in shards),
        errors=sum(t.errors for _, t in shards),
        last_error=next((t.last_error for _, t in reversed(shards) if t.last_error), ""),
        workers={f"{name}/{w}": counts for name, t in shards for w, counts in t.workers.items()},
    )


def merge_reports(
    reports: Sequence[BenchmarkReport], *, names: Sequence[str] | None = None, force: bool = False
) -> BenchmarkReport:
    """One report from shards. Cases are keyed by (scenario id, trial); when two shards hold the
    same key, a scored record beats an ``infra_error``/``skipped`` one, then the later ``ended``
    wins, then the earlier shard in ``reports``. Runs of different campaign versions, agents, pass
    scores, fault-type pass rules or isolation modes are refused unless ``force``. Metrics are
    recomputed from the merged cases."""
    if not reports:
        raise ReportError("nothing to merge: pass at least one report")
    names = list(names) if names is not None else [r.run.run_id for r in reports]
    runs = [r.run for r in reports]
    _check_same(
        "campaign versions",
        [r.campaign_version for r in runs],
        names,
        force,
        "their scenario ids may name different cases; pass --force to merge anyway",
    )
    _check_same(
        "agents",
        [r.agent for r in runs],
        names,
        force,
        "a merged report describes one agent; pass --force to merge anyway",
    )
    _check_same(
        "pass scores",
        [r.pass_score for r in runs],
        names,
        force,
        "'passed' would mean different things; pass --force to merge anyway",
    )
    _check_same(
        "fault-type pass rules (--pass-requires-type)",
        [str(r.pass_requires_type) for r in runs],
        names,
        force,
        "'passed' would mean different things; pass --force to merge anyway",
    )
    _check_same(
        "isolation modes",
        [r.isolation for r in runs],
        names,
        force,
        "an agent in the pytest process can reach what a sandboxed one cannot; pass --force to merge anyway",
    )
    chosen: dict[tuple[str, int], CaseRecord] = {}
    for report in reports:
        for case in report.cases:
            key = (case.scenario_id, case.trial)
            if key not in chosen or _rank(case) > _rank(chosen[key]):
                chosen[key] = case
    sources: list[str] = []
    for run in runs:
        for rid in run.merged_from or [run.run_id]:
            if rid not in sources:
                sources.append(rid)
    digest = hashlib.sha256("\n".join(sorted(sources)).encode()).hexdigest()[:12]
    first = runs[0]
    hosts = sorted({h for run in runs for h in run.host.split(",") if h})
    agents = sorted({r.agent for r in runs})
    meta = RunMeta(
        run_id=f"merged-{digest}",
        agent=" + ".join(agents),
        runtime=first.runtime,
        isolation=first.isolation,
        campaign_version=first.campaign_version,
        netopsbench_version=first.netopsbench_version,
        python=first.python,
        pytest=first.pytest,
        frr=first.frr,
        host=",".join(hosts),
        workers=sum(r.workers for r in runs),
        started=min((r.started for r in runs if r.started), default=0.0),
        ended=max((r.ended for r in runs), default=0.0),
        argv=[],
        pass_score=first.pass_score,
        pass_requires_type=first.pass_requires_type,
        merged_from=sources,
        telemetry=_merge_telemetry(runs, names),
    )
    merged = build_report(meta, chosen.values())
    if any(r.accounting is not None for r in reports):
        # a shard's not-run cases stay not run unless another shard has them (a repair merge)
        from ._accounting import case_key, make_accounting

        selected = [
            key
            for r in reports
            for key in [*(case_key(c) for c in r.cases), *(r.accounting.not_run if r.accounting else [])]
        ]
        accountings = [r.accounting for r in reports if r.accounting is not None]
        reasons = sorted({a.interrupted for a in accountings if a.interrupted})
        merged.accounting = make_accounting(
            selected,
            merged.cases,
            interrupted=", ".join(reasons) or None,
            crashes=[c for a in accountings for c in a.crashes],
        )
    return merged
