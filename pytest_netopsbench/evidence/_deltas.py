"""Counter arithmetic over the store's sample series: which sample a window's delta starts from,
and the per-interface, per-rule and per-peer answers built from it. Pure functions over rows the
store has already read, so the store keeps the SQL and this module the meaning of a delta."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from ._models import BgpPeerRecord, InterfaceDelta, RuleCounter, Window

__all__ = [
    "LOOKBACK_S",
    "Row",
    "Series",
    "bgp_records_from",
    "edge_series",
    "iface_deltas_from",
    "rule_deltas_from",
]

#: how far before a window's start to look for the sample a counter delta starts from
LOOKBACK_S = 10.0
Row = tuple[Any, ...]
Series = dict[tuple[Any, ...], list[Row]]


def edge_series(rows: Iterable[Row], key_cols: int, window: Window) -> Series:
    """Rows (``ts`` first, then ``key_cols`` key columns, in time order) per key, from the last
    sample at or before the window start through the window end."""
    series: Series = {}
    for row in rows:
        series.setdefault(tuple(row[1 : 1 + key_cols]), []).append(row)
    for key, samples in series.items():
        before = [s for s in samples if s[0] <= window.start]
        start_at = samples.index(before[-1]) if before else 0
        series[key] = samples[start_at:]
    return series


def iface_deltas_from(series: Series) -> list[InterfaceDelta]:
    out: list[InterfaceDelta] = []
    for (dev, itf), samples in sorted(series.items()):
        first, last = samples[0], samples[-1]
        # a counter that went backwards was reset (interface re-created): count from zero
        deltas = [b - a if b >= a else b for a, b in zip(first[5:13], last[5:13], strict=True)]
        changes = sum(1 for a, b in itertools.pairwise(samples) if a[3] != b[3])
        out.append(
            InterfaceDelta(
                device=dev,
                interface=itf,
                oper_state=last[3],
                mtu=last[4],
                rx_packets=deltas[0],
                tx_packets=deltas[1],
                rx_bytes=deltas[2],
                tx_bytes=deltas[3],
                rx_errors=deltas[4],
                tx_errors=deltas[5],
                rx_dropped=deltas[6],
                tx_dropped=deltas[7],
                state_changes=changes,
                seconds=round(last[0] - first[0], 3),
            )
        )
    return out


def rule_deltas_from(series: Series, window: Window) -> list[RuleCounter]:
    out: list[RuleCounter] = []
    for (dev, tbl, chain, rule), s in sorted(series.items()):
        if len(s) == 1 and s[0][0] <= window.start:  # gone before the window: nothing fired in it
            continue
        # a rule first seen inside the window counts from zero
        base_p, base_b = (s[0][5], s[0][6]) if s[0][0] <= window.start and len(s) > 1 else (0, 0)
        out.append(
            RuleCounter(
                device=dev,
                table=tbl,
                chain=chain,
                rule=rule,
                packets=max(0, s[-1][5] - base_p),
                bytes=max(0, s[-1][6] - base_b),
            )
        )
    return out


def bgp_records_from(series: Series) -> list[BgpPeerRecord]:
    out = [
        BgpPeerRecord(
            ts=r[0],
            device=r[1],
            peer=r[2],
            state=r[3],
            remote_as=r[4],
            prefixes_received=r[5],
            uptime=r[6],
        )
        for rows in series.values()
        for r in rows
    ]
    return sorted(out, key=lambda r: (r.ts, r.device, r.peer))
