"""``netopsbench run``: a thin front for the pytest plugin (the same pytest invocation the SDK makes)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import NetopsbenchError

__all__ = ["register"]

_EPILOG = """examples:
  netopsbench run scenarios/generated/xs --agent agents.reference:ReferenceAgent -n 2
  netopsbench run --scale xs --agent mypkg.agent:Agent --report out.json -- -k bgp -x

Everything after `--` goes to pytest unchanged (-k, -m, -x, --junitxml, ...)."""


class _PassThroughParser(argparse.ArgumentParser):
    """Keeps everything after the first ``--`` verbatim as ``pytest_args``. Plain argparse cannot:
    once the PATH positionals are filled, words after ``--`` become "unrecognized arguments"."""

    def parse_known_args(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        namespace: argparse.Namespace | None = None,
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(sys.argv[1:] if args is None else args)
        tail: list[str] = []
        if "--" in words:
            cut = words.index("--")
            words, tail = words[:cut], words[cut + 1 :]
        ns, extras = super().parse_known_args(words, namespace)
        ns.pytest_args = tail
        return ns, extras


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run scenarios with an agent (pytest + the netopsbench plugin)",
        description="Run scenario files or directories with an agent and print the benchmark summary. "
        "Equivalent to `pytest PATHS --netopsbench-agent=AGENT -n N`.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files or directories (default: scenarios/generated/<scale>)",
    )
    p.add_argument(
        "--agent",
        required=True,
        metavar="MODULE:ATTR",
        help="the agent: an object with diagnose(context), a class or a factory",
    )
    p.add_argument(
        "-n", "--workers", type=int, default=1, metavar="N", help="parallel workers (pytest-xdist)"
    )
    p.add_argument("--scale", help="only scenarios of this scale (xs, s, m, l, xl)")
    p.add_argument("--report", type=Path, metavar="PATH", help="also write the JSON report here")
    p.add_argument("--artifacts", type=Path, metavar="DIR", help="runs directory (default .netopsbench/runs)")
    p.add_argument("--agent-timeout", type=float, metavar="SECONDS", help="per-case agent budget")
    p.add_argument("--runtime", help="lab backend (netns, containerlab)")
    p.add_argument(
        "--lab",
        action="append",
        default=[],
        metavar="NAME",
        help="run on this already-running lab (repeat for more; see `runtime up`)",
    )
    p.add_argument("--keep-lab", action="store_true", help="leave the labs up afterwards")
    p.add_argument(
        "--resume",
        metavar="RUN",
        help="finish an earlier run (run id or directory): only cases that did not finish or hit an "
        "infra_error run again, into the same run directory",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --resume: resume even when agent, pass score, scales or campaign differ",
    )
    p.add_argument(
        "--retries", type=int, default=0, metavar="N", help="retry infra_error cases up to N times"
    )
    p.add_argument("--no-trace", action="store_true", help="do not write agent trajectories")
    p.add_argument("-v", "--verbose", action="store_true", help="pytest's verbose output instead of -q")
    p.set_defaults(func=_run)
    p.__class__ = _PassThroughParser  # the subparsers action builds plain parsers; see the class


def _run(args: argparse.Namespace) -> int:
    import pytest

    from ..report._rundir import new_run_id
    from ..sdk import RunOptions, build_pytest_args
    from ..topology import normalize_scale

    paths, extra = list(args.paths), list(getattr(args, "pytest_args", []))
    if args.scale:
        try:
            args.scale = normalize_scale(args.scale)
        except ValueError as exc:
            raise NetopsbenchError(f"--scale: {exc}") from None
    if args.workers < 1:
        raise NetopsbenchError(f"-n must be at least 1, got {args.workers}")
    if not paths:
        if not args.scale:
            raise NetopsbenchError("name scenario files or directories, or --scale (e.g. --scale xs)")
        root = Path("scenarios") / "generated" / args.scale
        if not root.is_dir():
            raise NetopsbenchError(
                f"{root} does not exist; run `netopsbench benchmark prepare "
                f"--scales {args.scale}` first or pass scenario paths"
            )
        paths = [str(root)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise NetopsbenchError(f"no such file or directory: {missing[0]}")
    if args.scale and args.paths:
        extra = ["-m", args.scale, *extra]
    try:
        options = RunOptions(
            workers=args.workers,
            keep_runtime=args.keep_lab,
            artifacts_dir=args.artifacts,
            trace=not args.no_trace,
            agent_timeout_s=args.agent_timeout,
            runtime=args.runtime,
            pytest_args=extra,
            quiet=not args.verbose,
            resume=args.resume,
            resume_force=args.force,
            retries=args.retries,
        )
    except ValueError as exc:
        raise NetopsbenchError(f"invalid option: {exc}") from None
    run_id = new_run_id()
    runs_root = args.artifacts or Path(".netopsbench") / "runs"
    if args.resume:
        resumed = Path(args.resume) if Path(args.resume).is_dir() else runs_root / args.resume
        run_id, runs_root = resumed.resolve().name, resumed.resolve().parent
    argv = build_pytest_args(
        paths, agent=args.agent, options=options, run_id=run_id, report=args.report, labs=args.lab
    )
    code = int(pytest.main(argv))
    report = runs_root / run_id / "report.json"
    if report.is_file():
        print(f"netopsbench: report {report}")
        if args.report:
            print(f"netopsbench: report copy {args.report}")
    elif code not in (0, 1):
        print(f"netopsbench: no report written (pytest exit code {code}); see the output above")
    return code
