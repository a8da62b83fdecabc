"""``netopsbench trace list``, ``trace export RUN --output DIR`` (Harbor job layout) and ``trace view
[RUN]`` (that job served as pages on 127.0.0.1, or handed to Harbor's own viewer)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..records import DEFAULT_RUNS_DIR

__all__ = ["register"]

_RUNS = DEFAULT_RUNS_DIR
_JOBS = Path(".netopsbench") / "harbor-jobs"  # sdk.DEFAULT_JOBS_DIR, not imported: --help stays fast


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

    view = tsub.add_parser(
        "view",
        help="browse a run's trajectories in a local viewer",
        description="Export RUN (default: the newest) as a Harbor job under the jobs directory and "
        "serve a self-contained viewer on 127.0.0.1: the run's cases, and per case every step, tool "
        "call and observation, the LLM calls with token counts, the verdict against the ground "
        "truth and the case's pictures. Stops on Ctrl-C (or after --timeout).",
    )
    view.add_argument(
        "run", metavar="RUN", nargs="?", default="latest", help="run id or directory (default: latest)"
    )
    view.add_argument("--runs-dir", type=Path, default=_RUNS, metavar="DIR", help=f"default {_RUNS}")
    view.add_argument(
        "--jobs-dir",
        type=Path,
        default=_JOBS,
        metavar="DIR",
        help=f"where the Harbor job is written (default {_JOBS})",
    )
    view.add_argument(
        "--port", type=int, default=0, metavar="N", help="port on 127.0.0.1 (default: a free one)"
    )
    view.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="open the page in the default web browser (default: no, print the URL)",
    )
    view.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="stop serving after SECONDS (scripts, tests)"
    )
    view.add_argument(
        "--harbor",
        action="store_true",
        help="hand the exported jobs directory to Harbor's own viewer (`harbor view`; needs harbor on PATH)",
    )
    view.set_defaults(func=_view)


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


def _view(args: argparse.Namespace) -> int:
    from ..errors import NetopsbenchError
    from ..sdk import ArtifactManager, export_harbor_job, open_trace_viewer

    if args.harbor:
        harbor = shutil.which("harbor")
        if harbor is None:
            raise NetopsbenchError(
                "--harbor needs Harbor's CLI (`harbor` on PATH; `pip install harbor`, Python >= 3.12); "
                "without --harbor the built-in viewer serves the same job"
            )
        artifacts = ArtifactManager(args.runs_dir)
        summary = export_harbor_job(
            artifacts.run_report(args.run), artifacts.run_dir(args.run), args.jobs_dir
        )
        print(f"exported {summary.trials} trial(s) to {summary.job_dir}; starting `harbor view`", flush=True)
        cmd = [harbor, "view", str(args.jobs_dir), "--host", "127.0.0.1"]
        if args.port:
            cmd += ["--port", str(args.port)]
        try:
            return subprocess.run(cmd, check=False, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            return 0
    viewer = open_trace_viewer(args.runs_dir, args.run, jobs_dir=args.jobs_dir, port=args.port)
    export = viewer.export
    print(
        f"exported {export.trials} trial(s) ({export.with_trajectory} with a trajectory) to {export.job_dir}",
        flush=True,
    )
    print(f"trace viewer: {viewer.url}  (Ctrl-C to stop)", flush=True)
    if args.browser:
        import webbrowser

        webbrowser.open(viewer.url)
    try:
        if args.timeout is None:
            viewer.serve_forever()
        else:
            viewer.start()
            time.sleep(args.timeout)
    except KeyboardInterrupt:
        print("trace viewer stopped", file=sys.stderr)
    finally:
        viewer.close()
    return 0
