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

_RUNS = Path(".netopsbench") / "runs"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="show, compare and merge benchmark reports")
    parser.set_defaults(func=lambda _args: _usage(parser))
    cmds = parser.add_subparsers(dest="report_command", metavar="SUBCOMMAND")

    show = cmds.add_parser(
        "show",
        help="print a report's summary table (as at the end of a run)",
        description="Print a report's summary table as at the end of the run, the agent next to the "
        "trivial baselines included (when the run scored them).",
    )
    show.add_argument("path", metavar="PATH", help="report.json or a run directory")
    show.add_argument("--json", action="store_true", help="print the whole report as JSON")
    show.add_argument(
        "--html",
        type=Path,
        metavar="OUT",
        help="also write one self-contained HTML page (summary, chart, cases with pictures and trace links)",
    )
    show.set_defaults(func=_show)

    cmp = cmds.add_parser(
        "compare",
        help="compare run B against run A on their shared cases (paired bootstrap)",
        description="Compare run B against run A on the scenarios both scored: each metric with B - A "
        "and its paired bootstrap interval, each run's agent next to the trivial baselines' mean scores "
        "on its compared cases with its margin over the better one ('no baselines recorded' for a run "
        "built with --netopsbench-no-baselines), and the scenarios where the runs disagree.",
    )
    cmp.add_argument("a", metavar="A", help="the run B is measured against: report.json or run directory")
    cmp.add_argument("b", metavar="B", help="candidate report.json or run directory")
    cmp.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cmp.add_argument(
        "--force",
        action="store_true",
        help="compare even when pass scores, fault-type pass rules or isolation modes differ",
    )
    cmp.add_argument(
        "--html",
        type=Path,
        metavar="OUT",
        help="also write one self-contained HTML page (metrics, the baselines context, per-fault charts, "
        "shared cases with pictures and trace links)",
    )
    cmp.set_defaults(func=_compare)

    merge = cmds.add_parser("merge", help="merge shard reports into one")
    merge.add_argument("inputs", metavar="REPORT", nargs="+", help="report.json files or run directories")
    merge.add_argument("-o", "--output", required=True, metavar="OUT", help="merged report file to write")
    merge.add_argument(
        "--force",
        action="store_true",
        help="merge even when campaign versions, agents, pass scores, fault-type pass rules or isolation "
        "modes differ",
    )
    merge.set_defaults(func=_merge)

    regrade = cmds.add_parser(
        "regrade",
        help="rescore a saved run's diagnoses with the current scoring rules (no lab)",
        description="Rescore every saved diagnosis of a run against its saved ground truth with the "
        "current scoring rules and the given pass rule, into a new report (default: "
        "report.regraded.json in the run directory). Cases without a diagnosis keep their outcome.",
    )
    regrade.add_argument("run", metavar="RUN", help="run id, run directory, report.json, or 'latest'")
    regrade.add_argument("--runs-dir", type=Path, default=_RUNS, metavar="DIR", help=f"default {_RUNS}")
    regrade.add_argument(
        "--pass-score", type=_unit_float, metavar="X", help="pass score 0..1 (default: the run's own)"
    )
    regrade.add_argument(
        "--pass-requires-type",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a fault case passes only with the right fault type too (default: the run's own rule)",
    )
    regrade.add_argument("-o", "--output", type=Path, metavar="OUT", help="regraded report file to write")
    regrade.add_argument("--json", action="store_true", help="print the regraded report as JSON")
    regrade.set_defaults(func=_regrade)
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


def _unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (expected 0..1)") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is outside 0..1")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _show(args: argparse.Namespace) -> int:
    report = load_report(args.path)
    if args.html:
        from ..report import render_report_html, resolve_report_path

        run_dir = resolve_report_path(args.path).parent
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_report_html(report, args.html, run_dir), encoding="utf-8")
        print(f"HTML report written to {args.html}", file=sys.stderr)
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
    result = compare_reports(a, b, force=args.force)
    if args.html:
        from ..report import render_comparison_html, resolve_report_path

        a_dir, b_dir = (resolve_report_path(p).parent for p in (args.a, args.b))
        args.html.parent.mkdir(parents=True, exist_ok=True)
        page = render_comparison_html(result, a, b, args.html, a_dir, b_dir)
        args.html.write_text(page, encoding="utf-8")
        print(f"HTML comparison written to {args.html}", file=sys.stderr)
    if args.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(render_comparison(result))
    if not result.shared_scenarios:
        print("netopsbench: error: the runs share no scored scenario; nothing to compare", file=sys.stderr)
        return 1
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


def _regrade(args: argparse.Namespace) -> int:
    from ..report import REGRADED_FILE, regrade_run
    from ..sdk import ArtifactManager

    given = Path(args.run)
    source = given if given.is_file() else ArtifactManager(args.runs_dir).run_dir(args.run)
    result = regrade_run(source, pass_score=args.pass_score, requires_type=args.pass_requires_type)
    out_dir = source.parent if source.is_file() else source
    out = save_report(result.report, args.output or out_dir / REGRADED_FILE)
    if args.json:
        sys.stdout.write(result.report.model_dump_json(by_alias=True, indent=2) + "\n")
        return 0
    run = result.report.run
    rule = f"pass score {run.pass_score:g}"
    if run.pass_requires_type:
        rule += ", right fault type required"
    print(
        f"regraded {result.rescored} diagnosis(es) of {run.run_id} ({rule}): "
        f"{len(result.changed_score)} score(s) and {len(result.changed_pass)} pass/fail result(s) changed"
    )
    print(f"written to {out}")
    print(render_table(result.report))
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from ..report import rebuild_report

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
