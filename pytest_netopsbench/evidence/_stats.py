"""Pure arithmetic turning probe rounds into per-pair window statistics (kept apart so it is unit-tested)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from ._models import DF_FLOW_SHIFT, SMALL_FLOWS, PairStats, ProbeRound

__all__ = ["aggregate_pairs", "percentile"]


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without float error for whole percents
    return ordered[int(min(rank, len(ordered))) - 1]


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def aggregate_pairs(rounds: Iterable[ProbeRound], host_leaf: Mapping[str, str]) -> list[PairStats]:
    """Group rounds by ordered pair. RTT figures are over answered probes only.

    p99 is taken over each round's worst RTT (a conservative bound that needs one row per round, not
    one per probe); jitter is the mean absolute change of the per-round average (RFC 3550 style).
    """
    by_pair: dict[tuple[str, str], list[ProbeRound]] = {}
    for r in rounds:
        by_pair.setdefault((r.src, r.dst), []).append(r)
    out: list[PairStats] = []
    for (src, dst), rows in sorted(by_pair.items()):
        rows.sort(key=lambda r: r.ts)
        sent = sum(r.sent for r in rows)
        lost = sum(r.lost for r in rows)
        answered = [r for r in rows if r.rtt_avg_us is not None and r.sent > r.lost]
        weight = sum(r.sent - r.lost for r in answered)
        mins = [r.rtt_min_us for r in answered if r.rtt_min_us is not None]
        maxs = [r.rtt_max_us for r in answered if r.rtt_max_us is not None]
        avg = (
            sum((r.rtt_avg_us or 0) * (r.sent - r.lost) for r in answered) / weight / 1000.0
            if weight
            else None
        )
        avgs = [(r.rtt_avg_us or 0) / 1000.0 for r in answered]
        jitter = (
            sum(abs(b - a) for a, b in itertools.pairwise(avgs)) / (len(avgs) - 1)
            if len(avgs) > 1
            else (0.0 if avgs else None)
        )
        p99 = percentile([m / 1000.0 for m in maxs], 99)
        flows_sent = flows_lost = 0
        df_tries: dict[int, list[int]] = {}  # DF flow -> [sent, lost]
        for r in rows:
            flows_sent |= r.flows_sent & SMALL_FLOWS
            flows_lost |= r.flows_lost & SMALL_FLOWS
            sent_df, lost_df, d = r.flows_sent >> DF_FLOW_SHIFT, r.flows_lost >> DF_FLOW_SHIFT, 0
            while sent_df:
                if sent_df & 1:
                    tally = df_tries.setdefault(d, [0, 0])
                    tally[0] += 1
                    tally[1] += lost_df & 1
                sent_df, lost_df, d = sent_df >> 1, lost_df >> 1, d + 1
        df_sent = sum(r.df_sent for r in rows)
        df_lost = sum(r.df_lost for r in rows)
        out.append(
            PairStats(
                src=src,
                dst=dst,
                src_leaf=host_leaf.get(src, ""),
                dst_leaf=host_leaf.get(dst, ""),
                sent=sent,
                lost=lost,
                loss_pct=_pct(lost, sent),
                rtt_min_ms=min(mins) / 1000.0 if mins else None,
                rtt_avg_ms=round(avg, 4) if avg is not None else None,
                rtt_max_ms=max(maxs) / 1000.0 if maxs else None,
                rtt_p99_ms=p99,
                jitter_ms=round(jitter, 4) if jitter is not None else None,
                df_sent=df_sent,
                df_lost=df_lost,
                df_loss_pct=_pct(df_lost, df_sent),
                flows_seen=bin(flows_sent).count("1"),
                flows_lossy=bin(flows_lost).count("1"),
                rounds=len(rows),
                flows_lost_mask=flows_lost,
                df_flows_dead=sum(1 for s, lost in df_tries.values() if s >= 2 and lost == s),
            )
        )
    return out
