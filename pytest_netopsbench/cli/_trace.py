"""``netopsbench trace list`` and ``netopsbench trace export RUN --output DIR`` (Harbor job layout)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..records import DEFAULT_RUNS_DIR

__all__ = ["register"]

_RUNS = DEFAULT_RUNS_DIR


def register(sub: Any) -> None:
    p = sub.add_parser(
        "trace",
        help="list runs with traces; export a run as a Harbor job",
        description="Agent trajectories (ATIF v1.7) of past runs.",
    )
    tsub = p.add_subparsers(dest="trace_command", metavar="SUBCOMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    ls = tsub.add_parser(
        "list",
        help="runs, newest last, with case and trace counts",
        description="List runs under the runs directory, newest last.",
    )
    ls.add_argument("--runs-dir", type=Path, default=_RUNS, metavar="DIR", help=f"default {_RUNS}")
    ls.add_argument("--limit", type=int, default=20, metavar="N", help="show the last N runs (default 20)")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=_list)

    ex = tsub.add_parser(
        "export",
        help="write a run as a Harbor job directory",
        description="Export a run's traces in Harbor's job layout: DIR/<run_id>/{config.json,"
        "result.json} and one trial per case with result.json, agent/trajectory.json "
        "and verifier/reward.txt.",
    )
    ex.add_argument("run", metavar="RUN", help="run id, a run directory, or 'latest'")
    ex.add_argument("--output", "-o", type=Path, required=True, metavar="DIR", help="where to write the job")
    ex.add_argument("--runs-dir", type=Path, default=_RUNS, metavar="DIR", help=f"default {_RUNS}")
    ex.set_defaults(func=_export)


def _list(args: argparse.Namespace) -> int:
    from ..sdk import ArtifactManager

    runs = ArtifactManager(args.runs_dir).runs(limit=args.limit)
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in runs], indent=2))
        return 0
    if not runs:
        print(f"no runs under {args.runs_dir}")
        return 0
    print(f"{'RUN':<34} {'CASES':>5} {'TRACES':>6} {'SCORE':>6}  AGENT")
    for r in runs:
        score = f"{r.mean_score:.3f}" if r.mean_score is not None else "-"
        status = "" if r.has_report else "  (no report: interrupted or running; see `report rebuild`)"
        if r.incomplete:
            status = f"  (INCOMPLETE: {r.incomplete})"
        print(f"{r.run_id:<34} {r.cases:>5} {r.traces:>6} {score:>6}  {r.agent}{status}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..sdk import ArtifactManager

    summary = ArtifactManager(args.runs_dir).export_traces(args.run, args.output)
    mean = f"{summary.mean_reward:.3f}" if summary.mean_reward is not None else "n/a"
    print(
        f"exported {summary.trials} trial(s) ({summary.with_trajectory} with a trajectory, "
        f"mean reward {mean}) to {summary.job_dir}"
    )
    return 0
