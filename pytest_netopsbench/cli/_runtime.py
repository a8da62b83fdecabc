"""``netopsbench runtime``: bring labs up for manual work, list, inspect, exec into and remove them."""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import LabError
from ..runtime import (
    HealthReport,
    LabInfo,
    attach_lab,
    available_backends,
    create_lab,
    list_labs,
    teardown_all,
)
from ..runtime import teardown_lab as _teardown_lab
from ..settings import DEFAULT_RUNTIME

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("runtime", help="manage lab fabrics (up, list, exec, health, teardown)")
    rsub = p.add_subparsers(dest="runtime_command", metavar="ACTION", required=True)

    up = rsub.add_parser("up", help="deploy a lab for manual work; returns when it is healthy")
    up.add_argument("--scale", required=True, help="xs, s, m, l or xl (aliases: small, medium, large)")
    up.add_argument("--name", help="lab name (default nob-<random>-manual)")
    up.add_argument(
        "--backend", default=DEFAULT_RUNTIME, help=f"lab backend ({', '.join(available_backends())})"
    )
    up.set_defaults(func=_up)

    ls = rsub.add_parser("list", help="labs on this host with owner, state, age and scale")
    ls.set_defaults(func=_list)

    td = rsub.add_parser("teardown", help="remove a lab by name, or every stale lab with --all")
    td.add_argument("name", nargs="?", help="exact lab name")
    td.add_argument("--all", action="store_true", help="remove every stale lab (owner process gone)")
    td.add_argument(
        "--force",
        action="store_true",
        help="with --all: also remove live and manual labs (other runs' labs too!)",
    )
    td.add_argument("--run-id", help="with --all: only labs of this run (exact run id)")
    td.add_argument(
        "--older-than",
        type=parse_duration,
        metavar="DURATION",
        help="with --all: only labs created longer ago than DURATION (90s, 30m, 2h, 1d)",
    )
    td.set_defaults(func=_teardown)

    ex = rsub.add_parser("exec", help="run a command in a device: runtime exec NAME DEVICE -- CMD...")
    ex.add_argument("name")
    ex.add_argument("device")
    ex.add_argument("--timeout", type=float, default=30.0)
    ex.add_argument("cmd", nargs=argparse.REMAINDER, help="command (after --); `vtysh -c ...` on switches")
    ex.set_defaults(func=_exec)

    hl = rsub.add_parser("health", help="check BGP, kernel FIB/ECMP and host reachability of a lab")
    hl.add_argument("name")
    hl.add_argument("--json", action="store_true")
    hl.set_defaults(func=_health)


def _print_health(report: HealthReport) -> None:
    state = "healthy" if report.healthy else "UNHEALTHY"
    print(
        f"health: {state}  bgp {report.bgp_established}/{report.bgp_expected} established  "
        f"fib {'complete' if report.fib_complete else 'incomplete'}  "
        f"reachability {'ok' if report.reachability_ok else 'FAILED'}  ({report.seconds:.2f}s)"
    )
    for problem in report.problems[:20]:
        print(f"  - {problem}")


def _up(args: argparse.Namespace) -> int:
    lab = create_lab(args.scale, backend=args.backend, name=args.name, worker="manual", manual=True)
    t0 = time.monotonic()
    lab.deploy()
    print(
        f"lab {lab.name} up ({lab.topology.scale}, {len(lab.topology.devices)} devices) "
        f"in {time.monotonic() - t0:.1f}s; run dir {lab.run_dir}"
    )
    _print_health(lab.health())
    print(f"remove with: netopsbench runtime teardown {lab.name}")
    return 0


def _owner(info: LabInfo) -> str:
    return "manual" if info.manual else f"pid {info.owner_pid} ({info.worker})"


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _list(args: argparse.Namespace) -> int:
    labs = list_labs()
    if not labs:
        print("no labs")
        return 0
    rows = [("NAME", "BACKEND", "SCALE", "OWNER", "STATE", "AGE", "DEVICES")]
    now = time.time()
    rows += [
        (i.name, i.backend, i.scale, _owner(i), i.state, _age(now - i.created), str(len(i.devices)))
        for i in labs
    ]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def parse_duration(text: str) -> float:
    """``90``/``90s``, ``30m``, ``2h``, ``1d`` -> seconds (argparse type)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    raw = text.strip().lower()
    unit = units.get(raw[-1:], 0)
    number = raw[:-1] if unit else raw
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (examples: 90s, 30m, 2h, 1d)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration cannot be negative")
    return value


def _teardown(args: argparse.Namespace) -> int:
    if args.all == bool(args.name):
        raise LabError("give either a lab NAME or --all (see `netopsbench runtime list`)")
    if args.name and (args.run_id or args.older_than is not None):
        raise LabError("--run-id and --older-than filter --all; to remove one lab give only its NAME")
    if args.name:
        t0 = time.monotonic()
        if _teardown_lab(args.name):
            print(f"removed {args.name} ({time.monotonic() - t0:.1f}s)")
        else:
            print(f"no lab named {args.name}: nothing to remove")
        return 0
    removed = teardown_all(stale_only=not args.force, run_id=args.run_id, older_than=args.older_than)
    print(f"removed {len(removed)} lab(s)" + (f": {', '.join(removed)}" if removed else ""))
    return 0


def _exec(args: argparse.Namespace) -> int:
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise LabError("no command given: netopsbench runtime exec NAME DEVICE -- CMD...")
    lab = attach_lab(args.name)
    if not lab.topology.has_device(args.device):
        names = ", ".join(d.name for d in lab.topology.devices)
        raise LabError(f"lab {args.name} has no device {args.device!r}; devices: {names}")
    res = lab.exec(args.device, cmd, timeout=args.timeout)
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    return res.returncode


def _health(args: argparse.Namespace) -> int:
    report = attach_lab(args.name).health()
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        _print_health(report)
    return 0 if report.healthy else 1
