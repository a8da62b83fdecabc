"""Everything the toolkit shows, flattened into comparable leaves per (channel, device), with the
volatile parts normalised away: times, uptimes, ages, ordering, and counters' absolute values (a
counter keeps only whether it moved, a loss only none/some/all, an RTT only its band)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from pytest_netopsbench.evidence import EvidenceStore, Window, detect
from pytest_netopsbench.faults._visibility import Channel, channel_of
from pytest_netopsbench.runtime import Lab
from pytest_netopsbench.toolkit import Toolkit

from ._snapshot import _processes

GLOBAL = "*"  # outputs that belong to no one device
Leaves = dict[tuple[Channel, str], set[str]]  # (channel, device) -> "path=value" leaves

_VOLATILE = {
    "time",
    "ts",
    "start_time",
    "end_time",
    "uptime",
    "since_s",
    "window",
    "rounds",
    "msg_rcvd",
    "msg_sent",
    "note",
    "truncated",
    "count",
    "handle",
    "seconds",
    "age",
    "probes_sent",
    "probes_lost",
    "df_probes_sent",
    "host_pairs_total",
    "source",
    "transmitted",
    "received",
}
_IDENTITY: tuple[str, ...] = ("device", "name", "interface", "prefix", "neighbor", "src_leaf", "dst_leaf")
_IDENTITY += ("src", "dst", "hop", "table", "chain", "rule")
_NUM = re.compile(r"\d+")


def _band(key: str, value: float) -> str:
    if any(s in key for s in ("rtt", "jitter", "latency")):
        return "rtt<20ms" if value < 20 else "rtt<80ms" if value < 80 else "rtt>=80ms"
    if "loss" in key:
        return "none" if value == 0 else "all" if value >= 100 else "some"
    return "0" if value == 0 else ">0"


def _identity(item: object) -> str:
    if isinstance(item, dict):
        ids = [f"{k}={item[k]}" for k in _IDENTITY if k in item]
        if "message" in item:  # a log line: its text without numbers (pids, timers, times)
            ids.append(_NUM.sub("#", str(item["message"])))
        return ",".join(ids) or "*"
    return str(item)


def flatten(obj: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key not in _VOLATILE:
                yield from flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict | list):
                yield from flatten(item, f"{path}[{_identity(item)}]")
            else:
                yield f"{path}[{_NUM.sub('#', str(item)) if 'log' in path else item}]", "present"
    elif isinstance(obj, str) and "\n" in obj:  # a text block (a ruleset): its lines, in any order
        for line in obj.splitlines():
            if line.strip():
                yield f"{path}[{line.strip()}]", "present"
    elif isinstance(obj, bool) or obj is None:
        yield path, str(obj)
    elif isinstance(obj, int | float):
        key = re.sub(r"\[[^\]]*\]", "", path).rsplit(".", 1)[-1].lower()
        counter = channel_of("get_interface_metrics", path) in (
            Channel.INTERFACE_COUNTERS,
            Channel.INTERFACE_ERRORS,
            Channel.ACL_RULES,
            Channel.QDISCS,
        )
        banded = counter or any(s in key for s in ("rtt", "jitter", "latency", "loss", "pps", "mbps"))
        if "pairs_with" in key or "pairs_unreachable" in key:
            banded = True
        yield path, _band(key, float(obj)) if banded else str(obj)
    else:
        yield path, str(obj)


def _host_address(lab: Lab, host: str) -> str:
    return lab.topology.device(host).interfaces[0].address.split("/")[0]


def _packets(metrics: dict[str, Any], device: str, itf: str, key: str) -> int:
    rows = metrics.get(device, {}).get("interfaces", []) if isinstance(metrics.get(device), dict) else []
    for row in rows:
        if isinstance(row, dict) and itf in (row.get("interface"), row.get("name")):
            return int(row.get(key) or 0)
    return 0


def _link_gaps(lab: Lab, metrics: dict[str, Any]) -> dict[tuple[str, str], str]:
    """What one end sent that the other end did not receive, per link direction (a lossy link's
    signature in real port counters): "none" or "gap" beyond 5 %."""
    out: dict[tuple[str, str], str] = {}
    for link in lab.topology.links:
        for a, b in ((link.a, link.b), (link.b, link.a)):
            tx = _packets(metrics, a.device, a.interface, "tx_packets")
            rx = _packets(metrics, b.device, b.interface, "rx_packets")
            out[(a.device, a.interface)] = "gap" if tx >= 20 and tx - rx > 0.05 * tx else "none"
    return out


def _symptoms(
    lab: Lab, store: EvidenceStore, baseline: Window, window: Window
) -> Iterator[tuple[Channel, str]]:
    """The symptom report an agent starts its episode with (the mesh of ``window`` against the
    healthy ``baseline``), reduced to what does not vary between healthy runs: which pairs are
    anomalous how, and which spines their lossy flows crossed."""
    report = detect(store, lab.topology, baseline, window)
    for a in report.anomalies:
        channel = Channel.PINGMESH_LATENCY if a.kind in ("latency_spike", "jitter") else Channel.PINGMESH_LOSS
        ident = f"symptoms:anomalies[kind={a.kind},src={a.src},dst={a.dst}]"
        yield channel, f"{ident}.severity={a.severity}"
        for spine in a.spines:
            yield channel, f"{ident}.spines[{spine}]=present"
    for b in report.by_spine:
        lossy = _band("flows", b.lossy_flows)
        yield Channel.PINGMESH_LOSS, f"symptoms:by_spine[spine={b.spine}].lossy_flows={lossy}"


def observe(lab: Lab, store: EvidenceStore, start: float, baseline: Window | None = None) -> Leaves:
    """Run every read-only tool (each device, each host pair) over the window since ``start``, and
    read the symptom report against ``baseline`` (default: the window itself, a healthy report)."""
    window = Window(start=start, end=time.time())
    kit = Toolkit(lab, store, window)
    leaves: Leaves = {}
    for channel, leaf in _symptoms(lab, store, baseline or window, window):
        leaves.setdefault((channel, GLOBAL), set()).add(leaf)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("get_topology", GLOBAL, {}),
        ("get_all_bgp_status", GLOBAL, {}),
        ("get_pingmesh_summary", GLOBAL, {}),
        ("get_pingmesh_hotspots", GLOBAL, {"limit": 20}),
    ]
    per_device: tuple[str, ...] = ("get_device_interfaces", "get_interface_metrics", "get_device_acl")
    per_device += ("get_device_config", "get_route_table", "get_device_logs")
    per_switch = ("get_bgp_neighbors", "get_bgp_rib", "get_fib_vs_rib")
    for dev in lab.topology.devices:
        tools = per_device + (per_switch if dev.is_switch else ())
        calls += [(t, dev.name, {"device": dev.name}) for t in tools]
    hosts = [d.name for d in lab.topology.devices if not d.is_switch]
    for src in hosts:
        for dst in hosts:
            if src != dst:
                target = {"src": src, "dst_ip": _host_address(lab, dst)}
                calls.append(("ping_test", src, {**target, "count": 5}))
                calls.append(("ping_test", src, {**target, "count": 3, "size": 1472, "dont_fragment": True}))
                calls.append(("traceroute", src, target))
    metrics: dict[str, Any] = {}
    for tool, device, args in calls:
        arg_tag = ",".join(f"{k}={v}" for k, v in sorted(args.items()) if k not in ("device", "count"))
        result = kit.call(tool, args)
        if tool == "get_interface_metrics":
            metrics[device] = result
        for path, value in flatten(result):
            channel = channel_of(tool, path)
            leaves.setdefault((channel, device), set()).add(f"{tool}({arg_tag}):{path}={value}")
    for (device, itf), gap in _link_gaps(lab, metrics).items():
        leaves.setdefault((Channel.INTERFACE_COUNTERS, device), set()).add(f"tx_rx_gap:{itf}={gap}")
    for dev in lab.topology.devices:
        for line in _processes(lab, dev.name).splitlines():
            if not line.startswith(("fping", "iperf3 -c", "iperf3 -s -p 5201", "traceroute", "ping")):
                leaves.setdefault((Channel.PROCESSES, dev.name), set()).add(f"processes:[{line}]=present")
    return leaves


def diff(before: Leaves, after: Leaves) -> Leaves:
    """Leaves added or removed per (channel, device); logs count only new lines (a quieter log
    window is not a change anyone would act on)."""
    out: Leaves = {}
    for key in before.keys() | after.keys():
        b, a = before.get(key, set()), after.get(key, set())
        changed = (a - b) if key[0] is Channel.LOGS else (a ^ b)
        if changed:
            out[key] = changed
    return out
