"""``netopsbench scenario list|validate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import BaseModel

from ..errors import ScenarioError
from ..scenario import Scenario, is_scenario_file, load_scenario, validate_scenario

__all__ = ["register"]

_SUFFIXES = (".yaml", ".yml")


class _Row(BaseModel):
    file: str
    scenario_id: str
    scale: str
    fault: str
    target: str
    difficulty: str
    campaign: str | None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scenario", help="list and validate scenario files")
    parser.set_defaults(func=lambda _args: _usage(parser))
    cmds = parser.add_subparsers(dest="scenario_command", metavar="SUBCOMMAND")
    ls = cmds.add_parser("list", help="list scenarios with fault, target and difficulty")
    ls.add_argument(
        "paths",
        nargs="*",
        default=["scenarios"],
        metavar="PATH",
        help="files or directories (default: scenarios)",
    )
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.set_defaults(func=_list)
    val = cmds.add_parser(
        "validate", help="check every scenario file against its topology and the fault registry"
    )
    val.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    val.set_defaults(func=_validate)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _files(paths: list[str]) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for every YAML under ``paths``; directories yield scenario files only."""
    out: dict[Path, bool] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix.lower() in _SUFFIXES and is_scenario_file(f):
                    out.setdefault(f, False)
        elif p.is_file():
            out[p] = True
        else:
            raise ScenarioError("no such file or directory", file=str(p))
    return sorted(out.items())


def _target(s: Scenario) -> str:
    if s.healthy:
        return "-"
    places = []
    for spec in s.fault_specs:
        t = spec.target
        where = ":".join(str(t[k]) for k in ("device", "interface") if t.get(k))
        places.append(f"{where} {t['prefix']}" if t.get("prefix") else where)
    return ",".join(places)


def _fault(s: Scenario) -> str:
    """``healthy``, the fault type, or a compound case's types joined by ``+``; ``~`` marks an
    intermittent fault."""
    if s.healthy:
        return "healthy"
    return "+".join(f"{f.type}{'~' if f.schedule else ''}" for f in s.fault_specs)


def _list(args: argparse.Namespace) -> int:
    rows = []
    for f, _explicit in _files(args.paths):
        s = load_scenario(f)
        rows.append(
            _Row(
                file=str(f),
                scenario_id=s.scenario_id,
                scale=s.scale,
                fault=_fault(s),
                target=_target(s),
                difficulty=s.difficulty,
                campaign=s.campaign,
            )
        )
    if args.json:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
        return 0
    header = ["scenario_id", "scale", "fault", "target", "difficulty"]
    table = [header] + [[r.scenario_id, r.scale, r.fault, r.target, r.difficulty] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(f"{len(rows)} scenario(s)")
    return 0


def _validate(args: argparse.Namespace) -> int:
    problems: list[str] = []
    seen: dict[str, Path] = {}
    files = _files(args.paths)
    for f, explicit in files:
        if explicit and not is_scenario_file(f):
            problems.append(f"{f}: not a scenario file (no top-level scenario_id)")
            continue
        try:
            s = load_scenario(f)
            validate_scenario(s, f)
        except ScenarioError as exc:
            problems.append(str(exc))
            continue
        if s.scenario_id in seen:
            problems.append(
                f"{f}:scenario_id: {s.scenario_id!r} is also used by {seen[s.scenario_id]} "
                "(ids must be unique: they are the test ids)"
            )
        seen.setdefault(s.scenario_id, f)
    for line in problems:
        print(line)
    ok = len(files) - len(problems)
    print(f"{ok} valid, {len(problems)} invalid of {len(files)} file(s)")
    return 1 if problems else 0
