"""What the reference agent learned about routing: BGP sessions, routes and the FIB against the RIB,
and the parsers that turn those tools' JSON answers into them. Tolerant as ``_facts`` is: a missing
field is "unknown", never a crash."""

from __future__ import annotations

from typing import Any

from ._facts import Fact, is_error

__all__ = [
    "FibDiff",
    "Route",
    "Session",
    "parse_bgp_status",
    "parse_default_gateways",
    "parse_fib_vs_rib",
    "parse_neighbors",
    "parse_routes",
]


class Session(Fact):
    """One BGP session seen from ``device``."""

    device: str
    peer_ip: str
    state: str
    remote_as: int | None = None
    reset_reason: str = ""
    notification: str = ""


class Route(Fact):
    device: str
    prefix: str
    protocol: str
    selected: bool
    blackhole: bool
    nexthops: tuple[str, ...] = ()  # "via@interface"


class FibDiff(Fact):
    device: str
    prefix: str
    issues: tuple[str, ...]
    rib: str = ""
    fib: str = ""


def _session(device: str, n: dict[str, Any]) -> Session:
    detail = n.get("detail") or {}
    return Session(
        device=device,
        peer_ip=str(n.get("neighbor", "")),
        state=str(n.get("state") or ""),
        remote_as=n.get("remote_as") if isinstance(n.get("remote_as"), int) else None,
        reset_reason=str(detail.get("lastResetDueTo", "")),
        notification=str(detail.get("lastNotificationReason", detail.get("lastErrorCodeSubcode", ""))),
    )


def parse_bgp_status(answer: object) -> tuple[dict[str, list[Session]], dict[str, str]]:
    """``get_all_bgp_status`` -> (device -> sessions not Established, device -> error when bgpd did
    not answer)."""
    down: dict[str, list[Session]] = {}
    errors: dict[str, str] = {}
    if is_error(answer):
        return down, errors
    assert isinstance(answer, dict)
    for row in answer.get("switches") or []:
        dev = str(row.get("device", ""))
        if row.get("error"):
            errors[dev] = str(row["error"])
            continue
        down[dev] = [_session(dev, n) for n in row.get("down") or []]
    return down, errors


def parse_neighbors(device: str, answer: object) -> list[Session]:
    if is_error(answer):
        return []
    assert isinstance(answer, dict)
    return [_session(device, n) for n in answer.get("neighbors") or []]


def parse_default_gateways(answer: object) -> list[str]:
    """A host's kernel default route(s) from ``get_route_table`` -> gateway addresses."""
    if is_error(answer) or not isinstance(answer, dict):
        return []
    out = []
    for r in answer.get("routes") or []:
        if isinstance(r, dict) and r.get("dst") == "default":
            out += [str(r["gateway"])] if r.get("gateway") else []
            out += [str(n["gateway"]) for n in r.get("nexthops") or [] if n.get("gateway")]
    return out


def parse_routes(device: str, answer: object) -> list[Route]:
    if is_error(answer):
        return []
    assert isinstance(answer, dict)
    out = []
    for r in answer.get("routes") or []:
        hops = tuple(f"{n.get('via', '-')}@{n.get('interface', '-')}" for n in r.get("nexthops") or [])
        out.append(
            Route(
                device=device,
                prefix=str(r.get("prefix", "")),
                protocol=str(r.get("protocol", "")),
                selected=bool(r.get("selected")),
                blackhole=bool(r.get("blackhole")),
                nexthops=hops,
            )
        )
    return out


def _describe_route(entry: Any) -> str:
    if not isinstance(entry, dict):
        return "none"
    if entry.get("blackhole") or entry.get("type") in ("blackhole", "unreachable", "prohibit"):
        return str(entry.get("type") or "blackhole")
    return ", ".join(entry.get("nexthops") or []) or "none"


def parse_fib_vs_rib(device: str, answer: object) -> list[FibDiff]:
    if is_error(answer):
        return []
    assert isinstance(answer, dict)
    return [
        FibDiff(
            device=device,
            prefix=str(d.get("prefix", "")),
            issues=tuple(d.get("issues") or ()),
            rib=_describe_route(d.get("rib")),
            fib=_describe_route(d.get("fib")),
        )
        for d in answer.get("differences") or []
    ]
