"""The reference agent's walk through the tools, in the order an operator works a ticket: the ping
mesh first, then BGP everywhere, then each switch's ports, counters, filters, routes, FIB and logs,
then (for what is still unexplained) configuration and active probes. The only impure part of the
agent: everything it learns lands in a typed ``Survey``."""

from __future__ import annotations

import math
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...evidence import SymptomReport, Window
from ...topology import Topology
from ._facts import (
    FilterRule,
    LogLine,
    MetricsView,
    Port,
    PortCounters,
    Qdisc,
    is_error,
    parse_acl,
    parse_hotspots,
    parse_interfaces,
    parse_logs,
    parse_metrics,
)
from ._recording import ToolCaller
from ._routing_facts import (
    FibDiff,
    Route,
    Session,
    parse_bgp_status,
    parse_default_gateways,
    parse_fib_vs_rib,
    parse_neighbors,
    parse_routes,
)

__all__ = ["Probe", "Survey", "collect", "log_horizon", "read_host_routes", "recheck_ports"]


class Probe(BaseModel):
    """An active check the agent ran (ping or traceroute) and what came back."""

    model_config = ConfigDict(frozen=True)
    kind: str
    src: str
    dst_ip: str
    loss_pct: float | None = None
    rtt_avg_ms: float | None = None
    reached: bool | None = None
    hops: tuple[tuple[str | None, float | None], ...] = ()


class Survey(BaseModel):
    """Everything the agent saw, typed. Rules read only this."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    topology: Topology
    symptoms: SymptomReport
    window: Window
    ports: list[Port] = Field(default_factory=list)
    host_ports: list[Port] = Field(default_factory=list)
    counters: list[PortCounters] = Field(default_factory=list)
    protocol: dict[str, dict[str, int]] = Field(default_factory=dict)
    rules: list[FilterRule] = Field(default_factory=list)
    qdiscs: list[Qdisc] = Field(default_factory=list)
    sessions_down: dict[str, list[Session]] = Field(default_factory=dict)
    sessions: dict[str, list[Session]] = Field(default_factory=dict)
    bgp_unreachable: dict[str, str] = Field(default_factory=dict)
    routes: dict[str, list[Route]] = Field(default_factory=dict)
    fib_diffs: list[FibDiff] = Field(default_factory=list)
    fib_checked: list[str] = Field(default_factory=list)
    configs: dict[str, list[str]] = Field(default_factory=dict)
    host_gateways: dict[str, list[str]] = Field(default_factory=dict)
    #: ports read again a while later (device -> ports): is a link that went down and up still moving?
    rechecked: dict[str, list[Port]] = Field(default_factory=dict)
    logs: list[LogLine] = Field(default_factory=list)
    probes: list[Probe] = Field(default_factory=list)
    hotspots: list[str] = Field(default_factory=list)
    #: findings of the physical-layer rules (``_physical``), which need probes of their own
    physical: list[Any] = Field(default_factory=list)
    #: the pinned probes across suspect links behind them (``_physical.LinkProbe``)
    link_probes: list[Any] = Field(default_factory=list)
    tool_calls: int = 0
    tool_errors: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)

    def port(self, device: str, name: str) -> Port | None:
        for p in (*self.ports, *self.host_ports):
            if p.device == device and p.name == name:
                return p
        return None

    def counter(self, device: str, name: str) -> PortCounters | None:
        for c in self.counters:
            if c.device == device and c.name == name:
                return c
        return None


def log_horizon(window: Window) -> int:
    """How far back to read logs: the observation window plus a margin for the few seconds between
    a change and the window's start, but not so far that an earlier case on the same lab shows."""
    return max(5, math.ceil(window.duration) + 3)


class _Caller:
    def __init__(self, tools: ToolCaller, survey: Survey) -> None:
        self.tools, self.survey = tools, survey

    def __call__(self, name: str, **args: Any) -> Any:
        answer = self.tools.call(name, args)
        self.survey.tool_calls += 1
        if is_error(answer):
            err = answer.get("error") if isinstance(answer, dict) else answer
            msg = err.get("message") if isinstance(err, dict) else str(err)
            self.survey.tool_errors.append(f"{name}({', '.join(f'{k}={v}' for k, v in args.items())}): {msg}")
        return answer


def collect(tools: ToolCaller, topology: Topology, symptoms: SymptomReport, window: Window) -> Survey:
    s = Survey(topology=topology, symptoms=symptoms, window=window)
    call = _Caller(tools, s)
    sm = symptoms.summary
    s.steps.append(
        f"ping mesh: {sm.pairs_affected}/{sm.pairs_observed} host pairs affected "
        f"({sm.path_unreachable} unreachable, {sm.packet_loss} lossy, "
        f"{sm.mtu_df_failure} DF failures, {sm.latency_spike} latency spikes, {sm.jitter} jitter)"
    )
    s.hotspots = parse_hotspots(call("get_pingmesh_hotspots", limit=5))
    if s.hotspots:
        s.steps.append("worst leaf pairs: " + "; ".join(s.hotspots))
    down, errors = parse_bgp_status(call("get_all_bgp_status"))
    s.sessions_down, s.bgp_unreachable = down, errors
    n_down = sum(len(v) for v in down.values())
    s.steps.append(
        f"BGP: {n_down} sessions not Established"
        + (f"; no answer from {', '.join(sorted(errors))}" if errors else "")
    )
    since = log_horizon(window)
    for dev in topology.switches:
        s.ports += parse_interfaces(dev.name, call("get_device_interfaces", device=dev.name))
        metrics: MetricsView = parse_metrics(dev.name, call("get_interface_metrics", device=dev.name))
        s.counters += list(metrics.counters)
        s.protocol[dev.name] = dict(metrics.protocol)
        rules, qdiscs = parse_acl(dev.name, call("get_device_acl", device=dev.name), metrics.rules)
        s.rules += rules
        s.qdiscs += [_with_window(q, metrics.qdisc) for q in qdiscs]
        s.routes[dev.name] = parse_routes(dev.name, call("get_route_table", device=dev.name))
        if dev.name not in errors:
            fib = call("get_fib_vs_rib", device=dev.name)
            if not is_error(fib):
                s.fib_checked.append(dev.name)
            s.fib_diffs += parse_fib_vs_rib(dev.name, fib)
        s.logs += parse_logs(dev.name, call("get_device_logs", device=dev.name, since_s=since, limit=500))
    for host in topology.hosts:
        s.host_ports += parse_interfaces(host.name, call("get_device_interfaces", device=host.name))
        metrics = parse_metrics(host.name, call("get_interface_metrics", device=host.name))
        s.counters += list(metrics.counters)
        s.protocol[host.name] = dict(metrics.protocol)
    # Sessions that are down get the per-neighbor detail and the configuration on both ends.
    involved = sorted({dev for dev, rows in down.items() if rows} - set(errors))
    for name in involved:
        s.sessions[name] = parse_neighbors(name, call("get_bgp_neighbors", device=name))
    for dev in topology.switches:
        if dev.name in errors:
            continue
        answer = call("get_device_config", device=dev.name)
        if not is_error(answer):
            s.configs[dev.name] = [str(x) for x in answer.get("lines") or []]
    s.steps.append(
        f"switches checked: {len(topology.switches)} (ports, counters, filters, routes, FIB, "
        f"logs, configuration); hosts: {len(topology.hosts)} (ports, counters)"
    )
    return s


def _with_window(q: Qdisc, deltas: dict[str, int]) -> Qdisc:
    base = f"{q.interface}.{q.kind}."
    if base + "dropped" not in deltas and base + "overlimits" not in deltas:
        return q
    return q.model_copy(
        update={
            "window_dropped": deltas.get(base + "dropped"),
            "window_overlimits": deltas.get(base + "overlimits"),
        }
    )


#: the longest the second look waits (the agent's time budget is shared with probes)
RECHECK_MAX_WAIT_S = 10.0


def recheck_ports(tools: ToolCaller, survey: Survey, devices: list[str]) -> None:
    """Read the ports of ``devices`` again once a window's length has passed since the window ended
    (waiting at most ``RECHECK_MAX_WAIT_S``): a link that still flaps has counted more carrier
    changes by then; one that went down and up once and recovered has not."""
    call = _Caller(tools, survey)
    w = survey.window
    time.sleep(max(0.0, min(w.end + w.duration - time.time(), RECHECK_MAX_WAIT_S)))
    for dev in devices:
        survey.rechecked[dev] = parse_interfaces(dev, call("get_device_interfaces", device=dev))
    survey.steps.append(f"ports read again a while after the window: {', '.join(devices)}")


def read_host_routes(tools: ToolCaller, survey: Survey, hosts: list[str]) -> None:
    """The routing tables of end hosts (their default gateway), read when the fabric explains nothing."""
    call = _Caller(tools, survey)
    for host in hosts:
        if host not in survey.host_gateways:
            survey.host_gateways[host] = parse_default_gateways(call("get_route_table", device=host))
    if hosts:
        survey.steps.append(f"host routing tables read: {', '.join(hosts)}")


def run_probes(
    tools: ToolCaller, survey: Survey, pairs: list[tuple[str, str]], *, traceroute: bool = True
) -> None:
    """Ping (and traceroute) between host pairs (src host name, dst host name) to confirm a path."""
    call = _Caller(tools, survey)
    topo = survey.topology
    for src, dst in pairs:
        ip = topo.device(dst).host_ip
        tr = call("traceroute", src=src, dst_ip=ip) if traceroute else None
        if tr is not None and not is_error(tr):
            hops = tuple((h.get("address"), h.get("rtt_ms")) for h in tr.get("hops") or [])
            survey.probes.append(
                Probe(kind="traceroute", src=src, dst_ip=ip, reached=bool(tr.get("reached")), hops=hops)
            )
        pg = call("ping_test", src=src, dst_ip=ip, count=5)
        if not is_error(pg):
            survey.probes.append(
                Probe(
                    kind="ping",
                    src=src,
                    dst_ip=ip,
                    loss_pct=pg.get("loss_pct"),
                    rtt_avg_ms=pg.get("rtt_avg_ms"),
                )
            )
