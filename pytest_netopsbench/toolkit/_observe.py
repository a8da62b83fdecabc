"""Monitoring tools read from the evidence store: ping mesh, interface metrics, device logs.

Ping-mesh tools resolve their window in this order: explicit arguments, the toolkit's window, the
JSON context file named by ``NETOPSBENCH_PINGMESH_CONTEXT_FILE``, the
``NETOPSBENCH_PINGMESH_START_TIME``/``_END_TIME`` variables, then the last 60 seconds.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ToolInputError
from ..evidence import EvidenceStore, PairStats, Window
from ..topology import Device

__all__ = ["ROLLING_S", "hotspots", "interface_metrics", "logs", "pingmesh_summary", "resolve_window"]

JSON = dict[str, Any]
ROLLING_S = 60.0
CONTEXT_ENV = "NETOPSBENCH_PINGMESH_CONTEXT_FILE"
START_ENV, END_ENV = "NETOPSBENCH_PINGMESH_START_TIME", "NETOPSBENCH_PINGMESH_END_TIME"


def _env_window() -> tuple[Window, str] | None:
    path = os.environ.get(CONTEXT_ENV)
    if path:
        try:
            data = json.loads(Path(path).read_text())
            return Window(start=float(data["start_time"]), end=float(data["end_time"])), "context_file"
        except (OSError, ValueError, KeyError, TypeError):
            pass  # an unreadable context file falls through to the next source, as documented
    start, end = os.environ.get(START_ENV), os.environ.get(END_ENV)
    if start and end:
        try:
            return Window(start=float(start), end=float(end)), "environment"
        except ValueError:
            pass
    return None


def resolve_window(start: float | None, end: float | None, default: Window | None) -> tuple[Window, str]:
    if start is not None or end is not None:
        if start is None or end is None:
            raise ToolInputError("give both 'start_time' and 'end_time' (epoch seconds), or neither")
        if end <= start:
            raise ToolInputError(f"'end_time' {end} is not after 'start_time' {start}")
        return Window(start=start, end=end), "arguments"
    if default is not None:
        return default, "observation_window"
    env = _env_window()
    if env is not None:
        return env
    return Window.last(ROLLING_S), "rolling"


def _path_type(p: PairStats) -> str:
    return "same_leaf" if p.src_leaf == p.dst_leaf else "cross_leaf"


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def pingmesh_summary(store: EvidenceStore, window: Window, source: str) -> JSON:
    stats = store.pair_stats(window)
    groups: dict[str, list[PairStats]] = defaultdict(list)
    for p in stats:
        groups[_path_type(p)].append(p)
        groups["all"].append(p)

    def block(items: list[PairStats]) -> JSON:
        sent, lost = sum(p.sent for p in items), sum(p.lost for p in items)
        df_sent, df_lost = sum(p.df_sent for p in items), sum(p.df_lost for p in items)
        return {
            "pairs": len(items),
            "probes_sent": sent,
            "probes_lost": lost,
            "loss_pct": round(100 * lost / sent, 3) if sent else 0.0,
            "df_probes_sent": df_sent,
            "df_loss_pct": round(100 * df_lost / df_sent, 3) if df_sent else 0.0,
            "pairs_with_loss": sum(1 for p in items if p.lost),
            "pairs_unreachable": sum(1 for p in items if p.sent and p.lost == p.sent),
            "pairs_with_df_loss": sum(1 for p in items if p.df_lost),
            "rtt_avg_ms": _mean([p.rtt_avg_ms for p in items if p.rtt_avg_ms is not None]),
            "rtt_p99_max_ms": max((p.rtt_p99_ms for p in items if p.rtt_p99_ms is not None), default=None),
        }

    return {
        "window": {"start_time": window.start, "end_time": window.end, "source": source},
        "rounds": len(store.round_timings(window)),
        "overall": block(groups["all"]),
        "by_path_type": {k: block(v) for k, v in sorted(groups.items()) if k != "all"},
    }


def hotspots(store: EvidenceStore, window: Window, source: str, limit: int) -> JSON:
    """Worst leaf pairs and host pairs. Dead paths first, then loss, DF loss, then latency: a path
    that answers nothing has no RTT, so ranking by RTT alone would bury it."""
    stats = store.pair_stats(window)
    lp: dict[tuple[str, str], list[PairStats]] = defaultdict(list)
    for p in stats:
        lp[(p.src_leaf, p.dst_leaf)].append(p)

    def pair_key(p: PairStats) -> tuple[float, ...]:
        dead = 1 if p.sent and p.lost == p.sent else 0
        return (-dead, -p.loss_pct, -p.df_loss_pct, -(p.rtt_p99_ms or 0.0), -(p.jitter_ms or 0.0))

    leaf_rows: list[JSON] = []
    for (s, d), items in lp.items():
        sent, lost = sum(p.sent for p in items), sum(p.lost for p in items)
        df_sent, df_lost = sum(p.df_sent for p in items), sum(p.df_lost for p in items)
        leaf_rows.append(
            {
                "src_leaf": s,
                "dst_leaf": d,
                "pairs": len(items),
                "pairs_unreachable": sum(1 for p in items if p.sent and p.lost == p.sent),
                "pairs_with_loss": sum(1 for p in items if p.lost),
                "loss_pct": round(100 * lost / sent, 3) if sent else 0.0,
                "df_loss_pct": round(100 * df_lost / df_sent, 3) if df_sent else 0.0,
                "rtt_avg_ms": _mean([p.rtt_avg_ms for p in items if p.rtt_avg_ms is not None]),
                "rtt_p99_ms": max((p.rtt_p99_ms for p in items if p.rtt_p99_ms is not None), default=None),
                "jitter_ms": max((p.jitter_ms for p in items if p.jitter_ms is not None), default=None),
            }
        )
    leaf_rows.sort(
        key=lambda r: (
            -r["pairs_unreachable"],
            -r["loss_pct"],
            -r["df_loss_pct"],
            -(r["rtt_p99_ms"] or 0.0),
            r["src_leaf"],
            r["dst_leaf"],
        )
    )
    worst = [
        p
        for p in sorted(stats, key=pair_key)
        if p.lost or p.df_lost or (p.rtt_p99_ms or 0) > 1.0 or (p.jitter_ms or 0) > 1.0
    ]
    return {
        "window": {"start_time": window.start, "end_time": window.end, "source": source},
        "leaf_pairs": leaf_rows[:limit],
        "host_pairs": [p.model_dump(exclude={"rounds"}) for p in worst[:limit]],
        "host_pairs_total": len(worst),
    }


def _peer_counters(store: EvidenceStore, window: Window, dev: Device, interface: str) -> JSON | None:
    """The other end's packet counts over the same window: what one end sent and the other did not
    receive is the link's own loss (a cable or optic), visible to an operator as a TX/RX mismatch."""
    port = next((i for i in dev.interfaces if i.name == interface), None)
    if port is None:
        return None
    rows = store.interface_deltas(window, port.peer_device, port.peer_interface)
    if not rows:
        return None
    p = rows[0]
    return {
        "device": port.peer_device,
        "interface": port.peer_interface,
        "rx_packets": p.rx_packets,
        "tx_packets": p.tx_packets,
    }


def interface_metrics(store: EvidenceStore, window: Window, dev: Device, interface: str | None) -> JSON:
    deltas = store.interface_deltas(window, dev.name, interface)
    secs = max(window.duration, 1e-9)
    rows = []
    for d in deltas:
        row = d.model_dump(exclude={"device"})
        row["rx_pps"] = round(d.rx_packets / secs, 1)
        row["tx_pps"] = round(d.tx_packets / secs, 1)
        row["rx_mbps"] = round(8 * d.rx_bytes / secs / 1e6, 3)
        row["tx_mbps"] = round(8 * d.tx_bytes / secs / 1e6, 3)
        row["peer"] = _peer_counters(store, window, dev, d.interface)
        rows.append(row)
    net = store.netstat_deltas(window, dev.name)
    protocol = {k: v for k, v in net.items() if not k.startswith("qdisc.")}
    qdisc = {
        k.removeprefix("qdisc."): v
        for k, v in net.items()
        if k.startswith("qdisc.") and (interface is None or k.split(".")[1] == interface)
    }
    rules = [r.model_dump(exclude={"device"}) for r in store.rule_deltas(window, dev.name)]
    return {
        "device": dev.name,
        "window": {"start_time": window.start, "end_time": window.end},
        "interfaces": rows,
        "protocol_counters": protocol,
        "qdisc_counters": qdisc,
        "filter_rule_counters": rules,
        "note": "counter changes over the window; filter and qdisc drops do not appear in interface counters",
    }


def logs(store: EvidenceStore, window: Window, dev: Device, since_s: int, limit: int) -> JSON:
    end = min(window.end, time.time())
    rows = store.logs(Window(start=end - since_s, end=end), dev.name, limit=limit)
    return {
        "device": dev.name,
        "since_s": since_s,
        "count": len(rows),
        "lines": [
            {
                "time": datetime.fromtimestamp(r.ts, UTC).isoformat(timespec="milliseconds"),
                "ts": round(r.ts, 3),
                "source": r.source,
                "message": r.message,
            }
            for r in rows
        ],
    }
