"""The fault registry: built-ins, third-party entry points (group ``netopsbench.faults``), lookup by
name or alias, and ``build_fault``, which turns a scenario's ``fault:`` mapping into a checked fault."""

from __future__ import annotations

import importlib
import ipaddress
import re
import threading
import warnings
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import FaultError, ScenarioError
from ..topology import Topology
from ._base import Fault, FaultTarget, TargetError, TargetKind, check_interface

__all__ = [
    "ENTRY_POINT_GROUP",
    "all_faults",
    "build_fault",
    "get",
    "load_errors",
    "names",
    "normalize_fault_type",
    "register",
    "unregister",
]

ENTRY_POINT_GROUP = "netopsbench.faults"
_BUILTIN_MODULES = (
    "link",
    "impairment",
    "routing",
    "policy",
    "system",
    "acl",
    "congestion",
    "gray",
    "control",
    "daemon",
    "host",
    "physical",
    "capacity",
)
_NAME = re.compile(r"[a-z][a-z0-9_]{1,62}")

_lock = threading.RLock()
_faults: dict[str, type[Fault]] = {}
_aliases: dict[str, str] = {}
_loaded = False
_errors: dict[str, str] = {}

# Names other benchmarks (NetOpsBench among them) use for the same faults, so a scorer can compare
# an agent's answer in either vocabulary.
_EXTRA_ALIASES = {
    "link_failure": "link_down",
    "interface_down": "link_down",
    "link_flap": "link_flapping",
    "interface_flapping": "link_flapping",
    "mtu": "mtu_mismatch",
    "loss": "packet_loss",
    "corruption": "packet_corruption",
    "latency": "high_latency",
    "delay": "high_latency",
    "bgp_peer_misconfig": "bgp_neighbor_misconfig",
    "bgp_misconfig": "bgp_neighbor_misconfig",
    "static_route_misconfiguration": "static_route_misconfig",
    "blackhole": "blackhole_route",
    "null_route": "blackhole_route",
    "network_statement_missing": "route_policy_misconfig",
    "prefix_list_deny": "route_policy_misconfig",
    "route_map_deny": "route_policy_misconfig",
    "node_down": "device_down",
    "switch_down": "device_down",
    "acl_misconfiguration": "acl_misconfig",
    "acl": "acl_misconfig",
    "firewall_drop": "acl_misconfig",
    "bandwidth_limit": "congestion",
    "rate_limit": "congestion",
    "fib_mismatch": "fib_rib_mismatch",
    "rib_fib_mismatch": "fib_rib_mismatch",
    "ecmp_drop": "ecmp_member_drop",
    "gray_failure": "ecmp_member_drop",
}


def _key(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", str(name).strip().lower())


def register(cls: type[Fault]) -> type[Fault]:
    """Add a fault class (usable as a decorator). Re-registering the same class, or a re-imported
    copy of it (same module and name: ``importlib.reload``, a module dropped from ``sys.modules``),
    replaces it; another class under a taken name or alias is refused."""
    for attr in ("name", "category", "targets"):
        if not getattr(cls, attr, None):
            raise FaultError(f"fault class {cls.__module__}.{cls.__qualname__} must set `{attr}`")
    if not _NAME.fullmatch(cls.name):
        raise FaultError(f"fault name {cls.name!r} must be snake_case (letters, digits, '_')")
    if not (isinstance(cls.Params, type) and issubclass(cls.Params, BaseModel)):
        raise FaultError(f"{cls.name}: Params must be a pydantic model class")
    with _lock:
        have = _faults.get(cls.name)
        if have is not None and (have.__module__, have.__qualname__) == (cls.__module__, cls.__qualname__):
            _unregister_locked(cls.name)
            have = None
        if have is not None and have is not cls:
            raise FaultError(
                f"fault name {cls.name!r} is already taken by {have.__module__}.{have.__qualname__}"
            )
        for alias in map(_key, cls.aliases):
            owner = _aliases.get(alias)
            if (alias in _faults and alias != cls.name) or (owner and owner != cls.name):
                raise FaultError(f"alias {alias!r} of {cls.name} is already taken by {owner or alias}")
        _faults[cls.name] = cls
        for alias in map(_key, cls.aliases):
            _aliases[alias] = cls.name
    return cls


def unregister(name: str) -> None:
    with _lock:
        _unregister_locked(name)


def _unregister_locked(name: str) -> None:
    cls = _faults.pop(name, None)
    if cls is not None:
        for alias in map(_key, cls.aliases):
            _aliases.pop(alias, None)


def _load_entry_point(ep: EntryPoint) -> None:
    try:
        obj = ep.load()
    except Exception as exc:  # a broken plugin must not take the built-ins down with it
        _errors[ep.name] = f"entry point {ep.name} = {ep.value!r} failed to import: {exc}"
        warnings.warn(_errors[ep.name], RuntimeWarning, stacklevel=3)
        return
    classes = (
        [obj]
        if isinstance(obj, type)
        else [
            v
            for v in vars(obj).values()
            if isinstance(v, type) and issubclass(v, Fault) and v is not Fault and getattr(v, "name", None)
        ]
    )
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, Fault)):
            _errors[ep.name] = f"entry point {ep.name} = {ep.value!r} is not a Fault subclass"
            warnings.warn(_errors[ep.name], RuntimeWarning, stacklevel=3)
            continue
        try:
            register(cls)
        except FaultError as exc:
            _errors[ep.name] = f"entry point {ep.name}: {exc}"
            warnings.warn(_errors[ep.name], RuntimeWarning, stacklevel=3)


def _ensure_loaded() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        for mod in _BUILTIN_MODULES:
            importlib.import_module(f"{__package__}.{mod}")
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            _load_entry_point(ep)
        _loaded = True


def reload_plugins() -> None:
    """Read the entry points again (after installing a plugin into a running interpreter)."""
    global _loaded
    with _lock:
        _loaded = False
    _ensure_loaded()


def load_errors() -> dict[str, str]:
    """Entry points that could not be loaded, with the reason."""
    _ensure_loaded()
    return dict(_errors)


def names() -> list[str]:
    _ensure_loaded()
    return sorted(_faults)


def aliases() -> dict[str, str]:
    """Every alias that names a registered fault (class aliases and other benchmarks' names),
    mapped to its canonical name."""
    _ensure_loaded()
    merged = {alias: name for alias, name in _EXTRA_ALIASES.items() if name in _faults}
    merged.update(_aliases)
    return dict(sorted(merged.items()))


def all_faults() -> list[type[Fault]]:
    _ensure_loaded()
    return [_faults[n] for n in sorted(_faults)]


def normalize_fault_type(name: str) -> str:
    """Canonical fault name for ``name`` (any case, spaces or dashes, an alias); unknown names come
    back normalised but otherwise unchanged, so a scorer can still compare them."""
    _ensure_loaded()
    key = _key(name)
    if key in _faults:
        return key
    return _aliases.get(key) or _EXTRA_ALIASES.get(key, key)


def get(name: str) -> type[Fault]:
    """The fault class for a name or alias; FaultError lists the known names otherwise."""
    key = normalize_fault_type(name)
    cls = _faults.get(key)
    if cls is None:
        raise FaultError(f"unknown fault {name!r}; known faults: {', '.join(names())}")
    return cls


def _pydantic_field(prefix: str, err: ValidationError) -> tuple[str, str]:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    return (f"{prefix}.{loc}" if loc else prefix), f"{first.get('msg', err)} (got {first.get('input')!r})"


def _check_target_shape(cls: type[Fault], topology: Topology, target: FaultTarget) -> None:
    kinds = set(cls.targets)
    takes_interface = bool(kinds & {TargetKind.INTERFACE, TargetKind.LINK})
    if not topology.has_device(target.device):
        known = ", ".join(d.name for d in topology.devices)
        raise TargetError(
            f"device {target.device!r} is not in the {topology.scale} topology ({known})",
            field="fault.target.device",
        )
    device = topology.device(target.device)
    if target.interface is not None:
        if not takes_interface:
            raise TargetError(
                f"{cls.name} targets a {'/'.join(sorted(kinds))}, not an interface; remove `interface`",
                field="fault.target.interface",
            )
        check_interface(topology, target.device, target.interface, "fault.target.interface")
    elif takes_interface and not kinds & {TargetKind.DEVICE, TargetKind.PREFIX}:
        raise TargetError(
            f"{cls.name} needs `interface` (one of {target.device}'s: "
            f"{', '.join(i.name for i in device.interfaces)})",
            field="fault.target.interface",
        )
    if target.prefix is not None:
        if TargetKind.PREFIX not in kinds:
            raise TargetError(f"{cls.name} takes no prefix; remove `prefix`", field="fault.target.prefix")
        try:
            ipaddress.ip_network(target.prefix, strict=False)
        except ValueError:
            raise TargetError(
                f"{target.prefix!r} is not an IPv4 prefix like 198.19.2.0/24", field="fault.target.prefix"
            ) from None


def build_fault(
    fault_type: str, target: Mapping[str, Any], params: Mapping[str, Any] | None, topology: Topology
) -> Fault:
    """A fault instance checked against ``topology``; ScenarioError names the field to fix."""
    try:
        cls = get(fault_type)
    except FaultError as exc:
        raise ScenarioError(str(exc), field="fault.type") from None
    try:
        tgt = FaultTarget.model_validate(dict(target))
    except ValidationError as exc:
        field, msg = _pydantic_field("fault.target", exc)
        raise ScenarioError(msg, field=field) from None
    try:
        parsed = cls.Params.model_validate(dict(params or {}))
    except ValidationError as exc:
        field, msg = _pydantic_field("fault.params", exc)
        raise ScenarioError(f"{cls.name}: {msg}", field=field) from None
    try:
        _check_target_shape(cls, topology, tgt)
        cls.check_target(topology, tgt)
        cls.check_params(topology, tgt, parsed)
    except TargetError as exc:
        raise ScenarioError(f"{cls.name}: {exc}", field=exc.field) from None
    except ValueError as exc:
        raise ScenarioError(f"{cls.name}: {exc}", field="fault.target") from None
    return cls(topology, tgt, parsed)
