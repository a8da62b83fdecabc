"""``netopsbench run``: a thin front for the pytest plugin (the same pytest invocation the SDK makes)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import NetopsbenchError
from ..settings import Settings, SettingsError, build_pytest_args, setting_fields

__all__ = ["read_settings", "register"]

_EPILOG = """examples:
  netopsbench run scenarios/generated/xs --agent reference -n 2
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
        "Equivalent to `pytest PATHS --netopsbench-agent=AGENT -n N`; every --FLAG below is the "
        "plugin option --netopsbench-FLAG (or the ini key netopsbench_FLAG).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files or directories (default: scenarios/generated/<scale>)",
    )
    for f in setting_fields():  # every flag comes from the Settings model (one field, one flag)
        if not f.opt.cli:
            continue
        p.add_argument(*f.cli_flags, dest=f.name, **f.argparse_kwargs())
    p.set_defaults(func=_run, parser=p)
    p.__class__ = _PassThroughParser  # the subparsers action builds plain parsers; see the class


def read_settings(args: argparse.Namespace) -> Settings:
    """The flags given, as ``Settings``; a bad value is an argparse error naming the flag."""
    fields = [f for f in setting_fields() if f.opt.cli]
    values = {f.name: v for f in fields if (v := f.clean(getattr(args, f.name))) is not None}
    values["pytest_args"] = list(getattr(args, "pytest_args", []))
    try:
        return Settings(**values)
    except SettingsError as exc:
        flags = {f.name: f.cli_flags[-1] for f in fields}
        parser: argparse.ArgumentParser = args.parser
        parser.error(exc.describe(lambda name: flags.get(name, name)))


def _run(args: argparse.Namespace) -> int:
    import pytest

    from ..records import DEFAULT_RUNS_DIR, new_run_id

    settings = read_settings(args)
    paths = list(args.paths)
    if not paths:
        if not settings.scale:
            raise NetopsbenchError("name scenario files or directories, or --scale (e.g. --scale xs)")
        root = Path("scenarios") / "generated" / settings.scale
        if not root.is_dir():
            raise NetopsbenchError(
                f"{root} does not exist; run `netopsbench benchmark prepare "
                f"--scales {settings.scale}` first or pass scenario paths"
            )
        paths = [str(root)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise NetopsbenchError(f"no such file or directory: {missing[0]}")
    update: dict[str, object] = {"run_id": settings.run_id or new_run_id()}
    if settings.scale and args.paths:
        update["pytest_args"] = ["-m", settings.scale, *settings.pytest_args]
    runs_root = settings.artifacts or DEFAULT_RUNS_DIR
    if settings.resume:
        resumed = Path(settings.resume) if Path(settings.resume).is_dir() else runs_root / settings.resume
        update["run_id"], runs_root = resumed.resolve().name, resumed.resolve().parent
    settings = settings.model_copy(update=update)
    code = int(pytest.main(build_pytest_args(paths, settings)))
    report = runs_root / str(settings.run_id) / "report.json"
    if report.is_file():
        print(f"netopsbench: report {report}")
        if settings.report:
            print(f"netopsbench: report copy {settings.report}")
    elif code not in (0, 1):
        print(f"netopsbench: no report written (pytest exit code {code}); see the output above")
    return code
