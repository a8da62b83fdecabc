"""``netopsbench fault list``: the registered faults with their targets and parameters."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["register"]


_TARGET_SHAPE = {
    "device": "device",
    "interface": "device+interface",
    "link": "device+interface(link)",
    "prefix": "device[+prefix]",
}


def _cmd_list(args: argparse.Namespace) -> int:
    from ..faults import describe_faults

    faults = describe_faults()
    if args.json:
        print(json.dumps([f.model_dump(mode="json") for f in faults], indent=2))
        return 0
    rows = [("NAME", "CATEGORY", "TARGETS", "PARAMETERS (defaults)")]
    for f in faults:
        params = ", ".join(f"{p.name}={'<required>' if p.required else p.default!r}" for p in f.params) or "-"
        name = f.name if f.supported_here else f"{f.name} (unsupported here)"
        rows.append((name, f.category, ",".join(_TARGET_SHAPE.get(t, t) for t in f.targets), params))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3])
    notes = [f"{f.name}: {f.unsupported_reason}" for f in faults if f.unsupported_reason]
    for note in notes:
        print(f"note: {note}")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("fault", help="list and inspect the registered faults")
    fsub = parser.add_subparsers(dest="fault_command", metavar="ACTION")
    lst = fsub.add_parser("list", help="registered faults: name, category, targets, parameters")
    lst.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lst.set_defaults(func=_cmd_list)
    parser.set_defaults(func=lambda _args: (parser.print_help(), 2)[1])
