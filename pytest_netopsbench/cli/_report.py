"""``netopsbench report show|compare|merge``."""

from __future__ import annotations

import argparse
import sys

from ..report import compare_reports, load_report, merge_reports, render_comparison, render_table, save_report

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
    cmp.add_argument("--force", action="store_true", help="compare even when the isolation modes differ")
    cmp.set_defaults(func=_compare)

    merge = cmds.add_parser("merge", help="merge shard reports into one")
    merge.add_argument("inputs", metavar="REPORT", nargs="+", help="report.json files or run directories")
    merge.add_argument("-o", "--output", required=True, metavar="OUT", help="merged report file to write")
    merge.add_argument(
        "--force",
        action="store_true",
        help="merge even when campaign versions, agents, pass scores or isolation modes differ",
    )
    merge.set_defaults(func=_merge)


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


def _compare(args: argparse.Namespace) -> int:
    result = compare_reports(load_report(args.a), load_report(args.b), force=args.force)
    if args.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(render_comparison(result))
    return 0


def _merge(args: argparse.Namespace) -> int:
    reports = [load_report(p) for p in args.inputs]
    merged = merge_reports(reports, names=list(args.inputs), force=args.force)
    out = save_report(merged, args.output)
    print(
        f"merged {len(reports)} report(s), {len(merged.cases)} case(s) into {out} (run {merged.run.run_id})"
    )
    print(render_table(merged))
    return 0
