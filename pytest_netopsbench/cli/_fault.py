"""``netopsbench fault list``: the registered faults with their targets and parameters."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import BaseModel

__all__ = ["register"]


class ParamInfo(BaseModel):
    name: str
    type: str
    default: Any = None
    required: bool = False
    description: str = ""


class FaultInfo(BaseModel):
    name: str
    category: str
    targets: list[str]
    aliases: list[str]
    requires: list[str]
    supported_here: bool
    unsupported_reason: str | None = None
    description: str
    params: list[ParamInfo]
    source: str


_TARGET_SHAPE = {
    "device": "device",
    "interface": "device+interface",
    "link": "device+interface(link)",
    "prefix": "device[+prefix]",
}


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    return text or str(annotation).replace("typing.", "")


def describe_faults() -> list[FaultInfo]:
    from ..faults import all_faults

    out = []
    for cls in all_faults():
        params = [
            ParamInfo(
                name=name,
                type=_type_name(field.annotation),
                default=None if field.is_required() else field.get_default(call_default_factory=True),
                required=field.is_required(),
                description=field.description or "",
            )
            for name, field in cls.Params.model_fields.items()
        ]
        reason = cls.unsupported_reason()
        out.append(
            FaultInfo(
                name=cls.name,
                category=cls.category,
                targets=[str(t) for t in cls.targets],
                aliases=list(cls.aliases),
                requires=list(cls.requires),
                supported_here=reason is None,
                unsupported_reason=reason,
                description=cls.description,
                params=params,
                source=f"{cls.__module__}:{cls.__qualname__}",
            )
        )
    return out


def _cmd_list(args: argparse.Namespace) -> int:
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
