"""``netopsbench report show|compare|merge|rebuild``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..report import (
    BenchmarkReport,
    compare_reports,
    load_report,
    merge_reports,
    render_comparison,
    render_table,
    save_report,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="show, compare and merge benchmark reports")
    parser.set_defaults(func=lambda _args: _usage(parser))
    cmds = parser.add_subparsers(dest="report_command", metavar="SUBCOMMAND")

    show = cmds.add_parser("show", help="print a report's summary table (as at the end of a run)")
    show.add_argument("path", metavar="PATH", help="report.json or a run directory")
    show.add_argument("--json", action="store_true", help="print the whole report as JSON")
    show.set_defaults(func=_show)

    cmp = cmds.add_parser(
        "compare", help="compare run B against run A on their shared cases (paired bootstrap)"
    )
    cmp.add_argument("a", metavar="A", help="baseline report.json or run directory")
    cmp.add_argument("b", metavar="B", help="candidate report.json or run directory")
    cmp.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cmp.set_defaults(func=_compare)

    merge = cmds.add_parser("merge", help="merge shard reports into one")
    merge.add_argument("inputs", metavar="REPORT", nargs="+", help="report.json files or run directories")
    merge.add_argument("-o", "--output", required=True, metavar="OUT", help="merged report file to write")
    merge.add_argument(
        "--force",
        action="store_true",
        help="merge even when campaign versions, agents or pass scores differ",
    )
    merge.set_defaults(func=_merge)

    rebuild = cmds.add_parser(
        "rebuild",
        help="rebuild a run's report.json from its cases.jsonl (after a crash or kill)",
        description="Build report.json from the run directory's cases.jsonl: the latest attempt of "
        "each case wins, a truncated last line is skipped, and cases selected but never finished are "
        "listed as not run.",
    )
    rebuild.add_argument("run", metavar="RUN", help="run directory, or a run id under --runs-dir")
    rebuild.add_argument(
        "--runs-dir", type=Path, default=Path(".netopsbench") / "runs", metavar="DIR", help="runs root"
    )
    rebuild.add_argument("-o", "--output", metavar="OUT", help="write here instead of RUN/report.json")
    rebuild.set_defaults(func=_rebuild)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _show(args: argparse.Namespace) -> int:
    report = load_report(args.path)
    if args.json:
        sys.stdout.write(report.model_dump_json(by_alias=True, indent=2) + "\n")
    else:
        print(render_table(report))
    return 0


def _warn_incomplete(reports: list[BenchmarkReport], names: list[str]) -> None:
    for report, name in zip(reports, names, strict=True):
        if report.incomplete and report.accounting is not None:
            print(f"warning: {name} is an incomplete run ({report.accounting.describe()})", file=sys.stderr)


def _compare(args: argparse.Namespace) -> int:
    a, b = load_report(args.a), load_report(args.b)
    _warn_incomplete([a, b], [args.a, args.b])
    result = compare_reports(a, b)
    if args.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(render_comparison(result))
    return 0


def _merge(args: argparse.Namespace) -> int:
    reports = [load_report(p) for p in args.inputs]
    _warn_incomplete(reports, list(args.inputs))
    merged = merge_reports(reports, names=list(args.inputs), force=args.force)
    out = save_report(merged, args.output)
    print(
        f"merged {len(reports)} report(s), {len(merged.cases)} case(s) into {out} (run {merged.run.run_id})"
    )
    print(render_table(merged))
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from ..report._rebuild import rebuild_report

    path = Path(args.run)
    if not path.is_dir():
        path = args.runs_dir / args.run
    report, notes = rebuild_report(path)
    out = save_report(report, args.output or path / "report.json")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    accounting = report.accounting
    print(f"rebuilt {out} from {len(report.cases)} case(s)")
    if accounting is not None and not accounting.complete:
        print(f"resume with: --netopsbench-resume {path}")
    print(render_table(report))
    return 0
