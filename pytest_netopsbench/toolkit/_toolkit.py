"""The Toolkit: read-only tools bound to one lab, one evidence store and one observation window."""

from __future__ import annotations

import functools
import inspect
import json
import threading
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from ..errors import DeviceError, LabError, ToolInputError
from ..evidence import EvidenceStore, Window
from ..runtime import Lab
from ..topology import Topology
from . import _connect, _device, _observe
from ._commands import Commands
from ._guard import Guard
from ._models import ToolCallRecord, ToolCallSink, ToolLimits, ToolSpec, ToolStats, ToolTally

__all__ = ["Toolkit"]

P = ParamSpec("P")
R = TypeVar("R")
JSON = dict[str, Any]


def tool(fn: Callable[Concatenate[Toolkit, P], R]) -> Callable[Concatenate[Toolkit, P], R]:
    """Mark a method as a tool: each call is timed, size-capped, counted and passed to the recorder."""

    def wrapper(self: Toolkit, /, *args: P.args, **kwargs: P.kwargs) -> R:
        bound = inspect.signature(fn).bind(self, *args, **kwargs)
        arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
        started = time.monotonic()
        try:
            result = self._fit(fn(self, *args, **kwargs))
        except Exception as exc:
            self._record(fn.__name__, arguments, None, f"{type(exc).__name__}: {exc}", started)
            raise
        self._record(fn.__name__, arguments, result, None, started)
        return result

    functools.update_wrapper(wrapper, fn)
    wrapper.__netops_tool__ = True  # type: ignore[attr-defined]
    return wrapper


class Toolkit:
    """Read-only troubleshooting tools. Call methods directly (errors raise) or through
    ``call(name, arguments)`` (errors come back as ``{"error": {...}}`` for an agent to read)."""

    def __init__(
        self,
        lab: Lab,
        store: EvidenceStore,
        window: Window | None = None,
        *,
        topology: Topology | None = None,
        recorder: ToolCallSink | None = None,
        limits: ToolLimits | None = None,
    ) -> None:
        self.lab, self.store, self.window = lab, store, window
        self.topology = topology or lab.topology
        self.recorder = recorder
        self.limits = limits or ToolLimits()
        self.guard = Guard(self.topology)
        self.cmd = Commands(lab, self.limits.command_timeout_s)
        self._lock = threading.Lock()
        self._stats = ToolStats()
        self._models: dict[str, type[BaseModel]] = {}
        self._specs: dict[str, ToolSpec] = {}
        self._build_specs()

    # -- tools: inventory and device state -------------------------------------------------------
    @tool
    def get_topology(self) -> JSON:
        """The network: every device with its role, AS number, loopback and interfaces (address and
        neighbor), and every link. Start here to learn names and addresses."""
        return {
            "summary": self.topology.summary(),
            "devices": [
                {
                    "name": d.name,
                    "role": d.role.value,
                    "asn": d.asn,
                    "loopback": d.loopback,
                    "leaf": d.leaf,
                    "interfaces": [
                        {
                            "name": i.name,
                            "address": i.address,
                            "neighbor": i.peer_device,
                            "neighbor_interface": i.peer_interface,
                        }
                        for i in d.interfaces
                    ],
                }
                for d in self.topology.devices
            ],
            "links": [
                {
                    "a": f"{ln.a.device}:{ln.a.interface}",
                    "b": f"{ln.b.device}:{ln.b.interface}",
                    "kind": ln.kind,
                    "network": ln.network,
                }
                for ln in self.topology.links
            ],
        }

    @tool
    def get_device_interfaces(self, device: str) -> JSON:
        """Live interface table of a device: admin/oper state, carrier, MTU, addresses, neighbor and
        cumulative packet, error and drop counters."""
        return _device.interfaces(self.cmd, self.guard.device(device))

    @tool
    def get_bgp_neighbors(self, device: str) -> JSON:
        """BGP sessions of a switch: neighbor, remote AS, state, uptime, prefixes; sessions that are not
        Established include the last reset reason."""
        return _device.bgp_neighbors(self.cmd, self.guard.device(device, switch=True))

    @tool
    def get_all_bgp_status(self) -> JSON:
        """BGP session state of every switch at once; lists only sessions that are not Established."""
        rows: list[JSON] = []
        for dev in self.topology.switches:
            try:
                data = _device.bgp_neighbors(self.cmd, dev)
            except LabError as exc:
                rows.append(
                    {"device": dev.name, "error": str(exc), "established": 0, "configured": None, "down": []}
                )
                continue
            rows.append(
                {
                    "device": dev.name,
                    "established": data["established"],
                    "configured": len(data["neighbors"]),
                    "down": [n for n in data["neighbors"] if n["state"] != "Established"],
                }
            )
        return {"switches": rows, "sessions_down": sum(len(r["down"]) for r in rows)}

    @tool
    def get_route_table(self, device: str, prefix: str | None = None) -> JSON:
        """Routes a device has selected (FRR's RIB on switches, the kernel table on hosts), optionally
        for one prefix or address, with protocol, distance and next hops."""
        dev = self.guard.device(device)
        return _device.route_table(self.cmd, dev, self.guard.prefix(prefix) if prefix else None, self.limits)

    @tool
    def get_bgp_rib(self, device: str, prefix: str | None = None) -> JSON:
        """BGP table of a switch: every prefix with its paths (AS path, best, multipath, next hops), or
        the detail for one prefix."""
        dev = self.guard.device(device, switch=True)
        return _device.bgp_rib(self.cmd, dev, self.guard.prefix(prefix) if prefix else None, self.limits)

    @tool
    def get_device_config(self, device: str, section: str | None = None) -> JSON:
        """Running configuration of a device, optionally one section: 'router bgp', 'interface',
        'ip prefix-list', 'route-map', 'ip route'."""
        dev = self.guard.device(device)
        sec = self.guard.choice(section, "section", _device._SECTIONS) if section else None
        return _device.running_config(self.cmd, dev, sec, self.limits)

    @tool
    def get_device_acl(self, device: str) -> JSON:
        """Packet filtering and shaping on a device: the nftables ruleset, iptables rules with counters,
        and traffic-control queueing disciplines with their drop counters."""
        return _device.acl(self.cmd, self.guard.device(device), self.limits)

    @tool
    def get_fib_vs_rib(self, device: str) -> JSON:
        """The kernel forwarding table next to the routing daemon's selected routes, prefix by prefix,
        with differences flagged (missing routes, different next hops, blackholes)."""
        return _connect.fib_vs_rib(self.cmd, self.guard.device(device, switch=True))

    # -- tools: monitoring -----------------------------------------------------------------------
    def _observation(self) -> Window:
        return self.window or Window.last(_observe.ROLLING_S)

    @tool
    def get_device_logs(self, device: str, since_s: int = 600, limit: int = 100) -> JSON:
        """Recent log lines of a device (routing daemon logs and interface state changes), up to
        `limit` lines from the last `since_s` seconds of the observation window."""
        dev = self.guard.device(device)
        since = self.guard.count(since_s, "since_s", 1, 86_400)
        n = self.guard.count(limit, "limit", 1, self.limits.max_log_lines)
        return _observe.logs(self.store, self._observation(), dev, since, n)

    @tool
    def get_interface_metrics(self, device: str, interface: str | None = None) -> JSON:
        """Counter changes over the observation window: packets, bytes, rates, errors and drops per
        interface, state changes, plus protocol error counters (checksum errors, no-route), filter
        rule hits and queue drops that interface counters do not show."""
        dev = self.guard.device(device)
        itf = self.guard.interface(dev, interface) if interface else None
        return _observe.interface_metrics(self.store, self._observation(), dev, itf)

    def _mesh_window(self, start_time: float | None, end_time: float | None) -> tuple[Window, str]:
        start = self.guard.timestamp(start_time, "start_time") if start_time is not None else None
        end = self.guard.timestamp(end_time, "end_time") if end_time is not None else None
        return _observe.resolve_window(start, end, self.window)

    @tool
    def get_pingmesh_summary(self, start_time: float | None = None, end_time: float | None = None) -> JSON:
        """Ping-mesh health between all hosts: probes sent and lost, don't-fragment probe loss, RTT, and
        counts of lossy or unreachable pairs, overall and per path type (same leaf / across leaves)."""
        window, source = self._mesh_window(start_time, end_time)
        return _observe.pingmesh_summary(self.store, window, source)

    @tool
    def get_pingmesh_hotspots(
        self, limit: int = 10, start_time: float | None = None, end_time: float | None = None
    ) -> JSON:
        """The worst leaf pairs and host pairs of the ping mesh: unreachable paths first, then loss,
        don't-fragment loss, latency and jitter."""
        n = self.guard.count(limit, "limit", 1, self.limits.max_hotspots)
        window, source = self._mesh_window(start_time, end_time)
        return _observe.hotspots(self.store, window, source, n)

    # -- tools: active checks --------------------------------------------------------------------
    @tool
    def ping_test(
        self,
        src: str,
        dst_ip: str,
        count: int = 5,
        size: int | None = None,
        dont_fragment: bool = False,
        timestamps: bool = False,
    ) -> JSON:
        """Ping an address from a device: loss and RTT. `size` is the ICMP payload in bytes;
        `dont_fragment` sets DF to test the path MTU (1472 bytes fills a 1500-byte MTU);
        `timestamps` asks for IP timestamps (ping -T tsonly; devices share a synchronised clock) and
        reports one-way delays: `one_way_there_ms` (src -> dst) and `one_way_back_ms`."""
        dev = self.guard.device(src, "src")
        ip = self.guard.address(dst_ip)
        n = self.guard.count(count, "count", 1, self.limits.max_ping_count)
        sz = self.guard.count(size, "size", 0, 9000) if size is not None else None
        for name, flag in (("dont_fragment", dont_fragment), ("timestamps", timestamps)):
            if not isinstance(flag, bool):
                raise ToolInputError(f"argument '{name}' must be true or false")
        return _connect.ping(self.cmd, dev, ip, n, sz, dont_fragment, timestamps)

    @tool
    def traceroute(self, src: str, dst_ip: str) -> JSON:
        """Hop-by-hop path from a device to an address (UDP probes, up to 8 hops)."""
        return _connect.traceroute(self.cmd, self.guard.device(src, "src"), self.guard.address(dst_ip))

    # -- dispatch, specs, stats -----------------------------------------------------------------
    def _build_specs(self) -> None:
        for name, fn in inspect.getmembers(type(self), predicate=inspect.isfunction):
            if not getattr(fn, "__netops_tool__", False):
                continue
            target = inspect.unwrap(fn)
            hints = get_type_hints(target)
            fields: dict[str, Any] = {}
            for pname, param in inspect.signature(target).parameters.items():
                if pname == "self":
                    continue
                default = ... if param.default is inspect.Parameter.empty else param.default
                fields[pname] = (hints[pname], default)
            model = create_model(f"{name}_args", __config__=ConfigDict(extra="forbid"), **fields)
            schema = model.model_json_schema()
            schema.pop("title", None)
            for prop in schema.get("properties", {}).values():
                prop.pop("title", None)
            self._models[name] = model
            doc = " ".join(inspect.cleandoc(target.__doc__ or "").split())
            self._specs[name] = ToolSpec(name=name, description=doc, parameters=schema)

    def tool_specs(self) -> list[ToolSpec]:
        return [self._specs[k] for k in sorted(self._specs)]

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> object:
        """Run a tool by name; any refusal or failure comes back as ``{"error": {...}}``."""
        args = dict(arguments or {})
        if name not in self._specs:
            msg = f"unknown tool {name!r}; available: {', '.join(sorted(self._specs))}"
            self._record(name, args, None, msg, time.monotonic())
            return {"error": {"type": "unknown_tool", "message": msg}}
        try:
            parsed = self._models[name].model_validate(args)
        except ValidationError as exc:
            msg = "; ".join(
                f"argument {'.'.join(str(x) for x in e['loc']) or '?'!r}: {e['msg']}" for e in exc.errors()
            )
            self._record(name, args, None, msg, time.monotonic())
            return {"error": {"type": "invalid_arguments", "message": msg}}
        method: Callable[..., object] = getattr(self, name)
        try:
            return method(**{k: getattr(parsed, k) for k in type(parsed).model_fields})
        except ToolInputError as exc:
            return {"error": {"type": "refused", "message": str(exc)}}
        except DeviceError as exc:
            return {"error": {"type": "device_error", "message": str(exc)}}
        except Exception as exc:
            return {"error": {"type": "tool_failed", "message": f"{type(exc).__name__}: {exc}"[:500]}}

    @property
    def stats(self) -> ToolStats:
        with self._lock:
            return self._stats.model_copy(deep=True)

    def _record(
        self, name: str, arguments: dict[str, Any], result: object, error: str | None, started: float
    ) -> None:
        seconds = round(time.monotonic() - started, 4)
        with self._lock:
            s = self._stats
            s.calls.append(
                ToolCallRecord(
                    name=name,
                    arguments=arguments,
                    seconds=seconds,
                    error=error,
                    started=time.time() - seconds,
                )
            )
            s.total_calls += 1
            s.total_errors += error is not None
            s.total_seconds = round(s.total_seconds + seconds, 4)
            tally = s.by_tool.setdefault(name, ToolTally())
            tally.calls += 1
            tally.errors += error is not None
            tally.seconds = round(tally.seconds + seconds, 4)
        if self.recorder is not None:
            self.recorder.record_tool_call(name, arguments, result, error, seconds)

    def _fit(self, result: R) -> R:
        """Shrink the longest lists of an oversized answer until it fits ``max_chars``."""
        if not isinstance(result, dict):
            return result
        while len(json.dumps(result, default=str)) > self.limits.max_chars:
            lists = [
                (len(json.dumps(v, default=str)), k) for k, v in result.items() if isinstance(v, list) and v
            ]
            if not lists:
                break
            _, key = max(lists)
            result[key] = result[key][: len(result[key]) // 2]
            result["truncated"] = True
        return result
