"""Reading scenario files: which YAML files are scenarios, parsing with line numbers, and
validation against the topology and the fault registry.

The collection rule (documented in docs/scenarios.md): a ``.yaml``/``.yml`` file is a scenario
file when its top level is a mapping with a ``scenario_id`` key. Anything else (CI configs,
compose files, campaign specs) is ignored, so scenario trees can live next to other YAML.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from ..errors import ScenarioError
from ._model import FaultSpec, HerringSpec, Scenario

if TYPE_CHECKING:
    from ..diagnosis import GroundTruth
    from ..faults import Fault
    from ..topology import Topology

__all__ = ["MAX_FILE_BYTES", "is_scenario_file", "iter_scenarios", "load_scenario", "validate_scenario"]

SUFFIXES = (".yaml", ".yml")
#: Scenario files are a few hundred bytes; anything near this is a mistake or an attack.
MAX_FILE_BYTES = 1024 * 1024
# A block-style top-level key starts at column 0; this cheap test keeps us from parsing every
# YAML file in a repository just to find out it is not ours.
_TOP_LEVEL_KEY = re.compile(r"^scenario_id\s*:", re.MULTILINE)
_FLOW_KEY = re.compile(r"\bscenario_id\b")

Path_ = tuple[str | int, ...]
# libyaml when present: collecting a few hundred scenario files is dominated by YAML parsing
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_scenario_file(path: str | Path) -> bool:
    """True when ``path`` is a YAML file whose top-level mapping has a ``scenario_id`` key.

    A file that mentions ``scenario_id`` at column 0 but does not parse still counts, so that
    its syntax error is reported instead of the file silently disappearing from the run."""
    p = Path(path)
    if p.suffix.lower() not in SUFFIXES or not p.is_file():
        return False
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        return False
    # A file too large to parse safely, or not UTF-8, is judged by the same rule on its bytes read
    # leniently, so a scenario file with such a problem is reported instead of silently dropped.
    text = raw.decode("utf-8", errors="replace")
    if len(raw) > MAX_FILE_BYTES:
        return bool(_TOP_LEVEL_KEY.search(text))
    if not _FLOW_KEY.search(text):
        return False
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return bool(_TOP_LEVEL_KEY.search(text))
    if not isinstance(node, yaml.MappingNode):
        return False
    return any(isinstance(k, yaml.ScalarNode) and k.value == "scenario_id" for k, _ in node.value)


def _line_map(node: yaml.Node, path: Path_ = (), out: dict[Path_, int] | None = None) -> dict[Path_, int]:
    """1-based line of every key/item in the document, keyed by its pydantic-style location."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            out[child] = key.start_mark.line + 1
            _line_map(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _line_map(value, (*path, index), out)
    return out


def _nearest_line(lines: dict[Path_, int], loc: Path_) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def _field(loc: Iterable[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"the file is {size} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes",
                file=str(path),
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x} (line {line}); save the file as UTF-8",
            file=str(path),
        ) from None


def _refuse_anchors(text: str, path: Path) -> None:
    """Anchors and aliases let a dozen lines expand to billions of nodes (an alias bomb) in every
    process that loads the file; scenario files have no use for them."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                what = f"alias *{event.anchor}"
            elif isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                what = f"anchor &{event.anchor}"
            else:
                continue
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            raise ScenarioError(
                f"YAML anchors and aliases are not allowed in scenario files ({what}, "
                f"line {line}); write the values out",
                file=str(path),
            )
    except yaml.YAMLError:
        return  # the syntax error is reported, with its line, by the full parse


def _parse(path: Path) -> tuple[Any, dict[Path_, int]]:
    text = _read(path)
    _refuse_anchors(text, path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(
                "the file is empty; a scenario needs at least scenario_id and name", file=str(path)
            )
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"not valid YAML{where}: {problem}", file=str(path)) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(
            f"the top level must be a mapping with scenario_id, name, ... (got {type(data).__name__})",
            file=str(path),
        )
    return data, _line_map(node)


def load_scenario(path: str | Path) -> Scenario:
    """Parse and schema-check one scenario file (not yet against the topology; see
    :func:`validate_scenario`). Raises :class:`ScenarioError` naming the file, the field and
    its line."""
    p = Path(path)
    data, lines = _parse(p)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc = tuple(first["loc"])
        problems = [
            f"{_field(e['loc']) or '(top level)'} (line {_nearest_line(lines, tuple(e['loc']))}): "
            f"{_describe(e)}"
            for e in errors
        ]
        if len(problems) == 1:
            message = f"{_describe(first)} (line {_nearest_line(lines, loc)})"
        else:
            message = "; ".join(problems)
        raise ScenarioError(message, file=str(p), field=_field(loc)) from exc


def _describe(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return f"unknown field (value {error.get('input')!r}); check the spelling against docs/scenarios.md"
    msg = str(error.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


@functools.cache
def _topology(scale: str) -> Topology:
    """Topologies are immutable, so every scenario of a scale can share one (building the xl one
    takes ~15 ms, which adds up over a campaign)."""
    from ..topology import build_topology

    return build_topology(scale)


def validate_scenario(scenario: Scenario, file: str | Path = "") -> None:
    """Check a parsed scenario against its topology and the fault registry: the devices and
    interfaces exist, each fault type is registered, it accepts that target, its parameters are
    valid, a ``schedule`` only on a fault that can be intermittent, no two faults in one place,
    red herrings valid and away from the faults. Raises :class:`ScenarioError` with ``field`` set
    (e.g. ``fault.target.interface``, ``faults.1.schedule``, ``red_herrings.0.params.peer``)."""
    where = str(file)
    try:
        topology = _topology(scenario.scale)
    except ValueError as exc:
        raise ScenarioError(str(exc), file=where, field="topology.scale") from exc
    prefixes = ["fault"] if scenario.faults is None else [f"faults.{i}" for i in range(len(scenario.faults))]
    placed: list[tuple[str, str, frozenset[tuple[str, str | None]]]] = []
    for prefix, spec in zip(prefixes, scenario.fault_specs, strict=False):
        fault = _validate_fault(spec, prefix, topology, where)
        observe_s = scenario.timing.observe_s
        if spec.schedule is not None and spec.schedule.off_s >= observe_s:
            raise ScenarioError(
                f"off_s {spec.schedule.off_s:g} must be shorter than timing.observe_s ({observe_s:g} s), "
                "so every observation window holds part of an on-period",
                file=where,
                field=f"{prefix}.schedule.off_s",
            )
        spots = _spots(fault.ground_truth())
        for other, kind, taken in placed:
            if spots & taken:
                raise ScenarioError(
                    f"{fault.name} is in the same place as {other} ({kind}); each fault of a compound "
                    "case needs its own link or device",
                    file=where,
                    field=f"{prefix}.target",
                )
        placed.append((prefix, fault.name, spots))
    for index, herring in enumerate(scenario.red_herrings):
        _validate_herring(herring, f"red_herrings.{index}", topology, where, placed)


def _spots(truth: GroundTruth) -> frozenset[tuple[str, str | None]]:
    """Where a fault is: both ends of its link, or its device (interface None)."""
    return frozenset({(truth.device, truth.interface), *((e.device, e.interface) for e in truth.equivalent)})


def _reprefix(exc: ScenarioError, prefix: str, where: str, default: str) -> ScenarioError:
    """``exc`` (from build_fault / build_herring) with its field under ``prefix`` and the file set."""
    field = exc.field or default
    if field == "fault" or field.startswith("fault."):
        field = field.removeprefix("fault").lstrip(".")
    field = ".".join(p for p in (prefix, field) if p)
    message = str(exc)
    # the builders format "field: message"; keep only the message part
    head = f"{exc.field}: " if exc.field else ""
    if head and message.startswith(head):
        message = message[len(head) :]
    return ScenarioError(message, file=where, field=field)


def _validate_fault(spec: FaultSpec, prefix: str, topology: Topology, where: str) -> Fault:
    device = spec.target.get("device")
    if not isinstance(device, str) or not device:
        raise ScenarioError(
            "the fault target needs a device name", file=where, field=f"{prefix}.target.device"
        )
    if not topology.has_device(device):
        names = ", ".join(d.name for d in topology.devices)
        raise ScenarioError(
            f"no device {device!r} in the {topology.scale} topology (devices: {names})",
            file=where,
            field=f"{prefix}.target.device",
        )
    interface = spec.target.get("interface")
    if interface is not None:
        dev = topology.device(device)
        if not any(i.name == interface for i in dev.interfaces):
            names = ", ".join(i.name for i in dev.interfaces)
            raise ScenarioError(
                f"{device} has no interface {interface!r} (it has: {names})",
                file=where,
                field=f"{prefix}.target.interface",
            )
    from ..faults import build_fault, fault_names, get_fault

    try:
        fault = build_fault(spec.type, dict(spec.target), dict(spec.params), topology)
    except ScenarioError as exc:
        raise _reprefix(exc, prefix, where, "") from exc
    if spec.schedule is not None and not type(fault).intermittent_ok:
        able = [n for n in fault_names() if get_fault(n).intermittent_ok]
        raise ScenarioError(
            f"{fault.name} cannot be intermittent (its inject/clear are not quick and repeatable); "
            f"faults that can: {', '.join(able)}",
            file=where,
            field=f"{prefix}.schedule",
        )
    return fault


def _validate_herring(
    spec: HerringSpec,
    prefix: str,
    topology: Topology,
    where: str,
    faults: list[tuple[str, str, frozenset[tuple[str, str | None]]]],
) -> None:
    from ..faults.herrings import build_herring

    try:
        herring = build_herring(spec.type, dict(spec.target), dict(spec.params), topology)
    except ScenarioError as exc:
        raise _reprefix(exc, prefix, where, "target") from exc
    places = {(p.device, p.interface) for p in herring.places()}
    for other, kind, spots in faults:
        # a device-wide fault (bgpd down, ...) takes every session and link of its device with it
        devices = {d for d, i in spots if i is None}
        if places & spots or {d for d, _ in places} & devices:
            raise ScenarioError(
                f"{herring.describe()} touches {other} ({kind}); a red herring must happen away from "
                "the faults (it has to recover while they last)",
                file=where,
                field=f"{prefix}.target",
            )


def iter_scenarios(paths: Iterable[str | Path], *, validate: bool = True) -> Iterator[tuple[Path, Scenario]]:
    """Every scenario file under ``paths`` (files or directories), in sorted order, loaded and
    (by default) validated. Raises :class:`ScenarioError` at the first invalid file."""
    files: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.update(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES)
        elif p.exists():
            files.add(p)
        else:
            raise ScenarioError("no such file or directory", file=str(p))
    for f in sorted(files):
        if not is_scenario_file(f):
            continue
        scenario = load_scenario(f)
        if validate:
            validate_scenario(scenario, f)
        yield f, scenario
