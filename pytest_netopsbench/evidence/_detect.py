"""Ping-mesh anomaly detection: a current window against a baseline window, per ordered host pair.

Lab RTTs are tens of microseconds, so relative thresholds alone would fire on scheduler noise; every
threshold has an absolute floor. Fully dead paths are ranked first, then by severity and size.
"""

from __future__ import annotations

from collections import defaultdict

from ..topology import Topology
from ._models import PairStats, Window
from ._report import (
    KIND_ORDER,
    SEVERITY_ORDER,
    Anomaly,
    AnomalyKind,
    DataQuality,
    LeafAggregate,
    LeafPairAggregate,
    Severity,
    SpineAggregate,
    SymptomReport,
    SymptomSummary,
)
from ._store import EvidenceStore

__all__ = ["Thresholds", "detect", "detect_pairs"]


class Thresholds:
    """Absolute floors and relative margins (percentages in points, times in ms)."""

    loss_floor_pct = 2.0
    loss_margin_pct = 2.0
    min_lost = 2
    df_floor_pct = 20.0
    df_margin_pct = 15.0
    latency_floor_ms = 2.0
    latency_factor = 3.0
    latency_margin_ms = 1.0
    jitter_floor_ms = 1.0
    jitter_factor = 3.0


def _severity(value: float, threshold: float) -> Severity:
    ratio = value / threshold if threshold > 0 else float("inf")
    return "high" if ratio > 2 else "medium" if ratio > 1.5 else "low"


def _pair_anomalies(
    cur: PairStats, base: PairStats | None, ips: dict[str, str], t: type[Thresholds], spines: list[str]
) -> list[Anomaly]:
    def make(
        kind: AnomalyKind,
        value: float,
        baseline: float | None,
        threshold: float,
        unit: str,
        severity: Severity | None = None,
    ) -> Anomaly:
        return Anomaly(
            kind=kind,
            src=cur.src,
            dst=cur.dst,
            src_ip=ips.get(cur.src, ""),
            dst_ip=ips.get(cur.dst, ""),
            src_leaf=cur.src_leaf,
            dst_leaf=cur.dst_leaf,
            value=round(value, 3),
            baseline=None if baseline is None else round(baseline, 3),
            threshold=round(threshold, 3),
            unit=unit,  # type: ignore[arg-type]
            severity=severity or _severity(value, threshold),
            flows_seen=cur.flows_seen,
            flows_lossy=cur.flows_lossy,
            spines=spines if kind in ("packet_loss", "path_unreachable") else [],
        )

    out: list[Anomaly] = []
    b_loss = base.loss_pct if base else 0.0
    if cur.sent >= 2 and cur.lost == cur.sent and b_loss < 50.0:
        # a path that answered nothing: its DF probes and RTT say nothing more
        return [make("path_unreachable", 100.0, b_loss if base else None, 100.0, "pct", "critical")]
    loss_thr = max(t.loss_floor_pct, b_loss + t.loss_margin_pct)
    if cur.lost >= t.min_lost and cur.loss_pct >= loss_thr:
        out.append(make("packet_loss", cur.loss_pct, b_loss if base else None, loss_thr, "pct"))
    b_df = base.df_loss_pct if base else 0.0
    df_thr = max(t.df_floor_pct, b_df + t.df_margin_pct, cur.loss_pct + t.df_margin_pct)
    # only when small probes pass (big probes failing on a lossy path say nothing about MTU), and
    # only when some DF 5-tuple failed every time: a size limit is deterministic, random loss is not
    mtu_like = cur.df_flows_dead >= 1 or (cur.df_lost >= 2 and cur.df_loss_pct >= 80.0)
    if mtu_like and cur.df_loss_pct >= df_thr and cur.loss_pct < loss_thr:
        out.append(make("mtu_df_failure", cur.df_loss_pct, b_df if base else None, df_thr, "pct"))
    b_avg = base.rtt_avg_ms if base and base.rtt_avg_ms is not None else None
    if cur.rtt_avg_ms is not None:
        ref = b_avg or 0.0
        b_p99 = base.rtt_p99_ms if base and base.rtt_p99_ms is not None else ref
        lat_thr = max(t.latency_floor_ms, ref * t.latency_factor, b_p99 + t.latency_margin_ms)
        if cur.rtt_avg_ms > lat_thr:
            out.append(make("latency_spike", cur.rtt_avg_ms, b_avg, lat_thr, "ms"))
    if cur.jitter_ms is not None:
        b_jit = base.jitter_ms if base and base.jitter_ms is not None else None
        jit_thr = max(t.jitter_floor_ms, (b_jit or 0.0) * t.jitter_factor + t.jitter_floor_ms / 2)
        if cur.jitter_ms > jit_thr:
            out.append(make("jitter", cur.jitter_ms, b_jit, jit_thr, "ms"))
    return out


def _rank(a: Anomaly) -> tuple[int, int, float, str, str]:
    return (KIND_ORDER[a.kind], SEVERITY_ORDER[a.severity], -a.value, a.src, a.dst)


def detect_pairs(
    baseline: list[PairStats],
    current: list[PairStats],
    topology: Topology,
    *,
    baseline_window: Window,
    current_window: Window,
    flow_paths: dict[tuple[str, str, int], tuple[str, str]] | None = None,
    thresholds: type[Thresholds] = Thresholds,
    baseline_rounds: int = 0,
    current_rounds: int = 0,
) -> SymptomReport:
    """Pure detection over precomputed pair statistics (what ``detect`` does after reading the store)."""
    ips = {h.name: h.host_ip for h in topology.hosts}
    paths = flow_paths or {}
    base_by = {(p.src, p.dst): p for p in baseline}
    cur_by = {(p.src, p.dst): p for p in current}
    anomalies: list[Anomaly] = []
    spine_lossy: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
    spine_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, cur in sorted(cur_by.items()):
        spines: set[str] = set()
        mask = cur.flows_lost_mask
        flow = 0
        while mask:
            if mask & 1:
                for spine in paths.get((cur.src, cur.dst, flow), ()):
                    if spine:
                        spines.add(spine)
                        spine_lossy[spine].add((cur.src, cur.dst, flow))
            mask >>= 1
            flow += 1
        found = _pair_anomalies(cur, base_by.get(key), ips, thresholds, sorted(spines))
        if found and any(a.kind in ("packet_loss", "path_unreachable") for a in found):
            for s in spines:
                spine_pairs[s].add(key)
        anomalies += found
    anomalies.sort(key=_rank)

    pairs_total: dict[tuple[str, str], int] = defaultdict(int)
    for p in current:
        pairs_total[(p.src_leaf, p.dst_leaf)] += 1
    lp: dict[tuple[str, str], list[Anomaly]] = defaultdict(list)
    leaf: dict[str, list[Anomaly]] = defaultdict(list)
    for a in anomalies:
        lp[(a.src_leaf, a.dst_leaf)].append(a)
        leaf[a.src_leaf].append(a)
        if a.dst_leaf != a.src_leaf:
            leaf[a.dst_leaf].append(a)

    def counts(items: list[Anomaly]) -> dict[str, int]:
        c = {k: 0 for k in KIND_ORDER}
        for a in items:
            c[a.kind] += 1
        return c

    by_lp = [
        LeafPairAggregate(
            src_leaf=s,
            dst_leaf=d,
            pairs_total=pairs_total.get((s, d), 0),
            pairs_affected=len({(a.src, a.dst) for a in items}),
            max_loss_pct=max((cur_by[(a.src, a.dst)].loss_pct for a in items), default=0.0),
            max_rtt_avg_ms=max(
                (r for a in items if (r := cur_by[(a.src, a.dst)].rtt_avg_ms) is not None), default=None
            ),
            **counts(items),
        )
        for (s, d), items in lp.items()
    ]
    by_lp.sort(
        key=lambda x: (-x.path_unreachable, -x.pairs_affected, -x.max_loss_pct, x.src_leaf, x.dst_leaf)
    )
    by_leaf = [
        LeafAggregate(
            leaf=name,
            pairs_affected=len({(a.src, a.dst) for a in items}),
            as_src=sum(1 for a in items if a.src_leaf == name),
            as_dst=sum(1 for a in items if a.dst_leaf == name),
            **counts(items),
        )
        for name, items in leaf.items()
    ]
    by_leaf.sort(key=lambda x: (-x.path_unreachable, -x.pairs_affected, x.leaf))
    mapped: dict[str, int] = defaultdict(int)
    for both in paths.values():
        for spine in set(both) - {""}:
            mapped[spine] += 1
    by_spine = sorted(
        (
            SpineAggregate(
                spine=s,
                lossy_flows=len(spine_lossy[s]),
                mapped_flows=mapped[s],
                pairs_affected=len(spine_pairs[s]),
            )
            for s in spine_lossy
            if spine_pairs[s]
        ),
        key=lambda x: (-x.pairs_affected, -x.lossy_flows, x.spine),
    )
    affected = {(a.src, a.dst) for a in anomalies}
    summary = SymptomSummary(
        total_anomalies=len(anomalies),
        pairs_observed=len(cur_by),
        pairs_affected=len(affected),
        leaf_pairs_affected=len(by_lp),
        **counts(anomalies),
    )
    expected = len(topology.hosts) * (len(topology.hosts) - 1)
    return SymptomReport(
        baseline=baseline_window,
        current=current_window,
        summary=summary,
        anomalies=anomalies,
        by_leaf_pair=by_lp,
        by_leaf=by_leaf,
        by_spine=by_spine,
        data_quality=DataQuality(
            baseline_rounds=baseline_rounds,
            current_rounds=current_rounds,
            pairs_without_current_data=max(0, expected - len(cur_by)),
            flow_paths_mapped=len(paths),
        ),
    )


def detect(store: EvidenceStore, topology: Topology, baseline: Window, current: Window) -> SymptomReport:
    """Compare the ping mesh of ``current`` against ``baseline`` and report anomalies."""
    return detect_pairs(
        store.pair_stats(baseline),
        store.pair_stats(current),
        topology,
        baseline_window=baseline,
        current_window=current,
        flow_paths=store.flow_paths(),
        baseline_rounds=len(store.round_timings(baseline)),
        current_rounds=len(store.round_timings(current)),
    )
