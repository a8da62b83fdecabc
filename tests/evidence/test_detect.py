"""Anomaly detection on synthetic windows: each kind fires on its pattern, dead paths rank first,
a clean window yields an empty report of the same shape, and spines come from the flow map."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pytest_netopsbench.evidence import PairStats, SymptomReport, Window, detect_pairs
from pytest_netopsbench.topology import build_topology

TOPO = build_topology("s")  # 2 spines, 4 leaves, 8 hosts
LEAF = {h.name: h.leaf or "" for h in TOPO.hosts}
BASE_W = Window(start=0, end=30)
CUR_W = Window(start=30, end=60)
LEAK = re.compile(r"\b(fault|faults|inject\w*|netopsbench|scenario|episode|ground_truth|harness|healthy)\b")


def pair(src: str, dst: str, **over: object) -> PairStats:
    values: dict[str, object] = dict(
        src=src,
        dst=dst,
        src_leaf=LEAF[src],
        dst_leaf=LEAF[dst],
        sent=120,
        lost=0,
        loss_pct=0.0,
        rtt_min_ms=0.02,
        rtt_avg_ms=0.04,
        rtt_max_ms=0.3,
        rtt_p99_ms=0.3,
        jitter_ms=0.01,
        df_sent=30,
        df_lost=0,
        df_loss_pct=0.0,
        flows_seen=16,
        flows_lossy=0,
        rounds=30,
    )
    values.update(over)
    return PairStats.model_validate(values)


def mesh(**changes: Mapping[str, object]) -> list[PairStats]:
    hosts = [h.name for h in TOPO.hosts]
    return [pair(s, d, **changes.get(f"{s}>{d}", {})) for s in hosts for d in hosts if s != d]


def run(
    current: list[PairStats], flow_paths: dict[tuple[str, str, int], tuple[str, str]] | None = None
) -> SymptomReport:
    return detect_pairs(
        mesh(),
        current,
        TOPO,
        baseline_window=BASE_W,
        current_window=CUR_W,
        flow_paths=flow_paths,
        baseline_rounds=30,
        current_rounds=30,
    )


def test_clean_window_gives_empty_report_with_every_key() -> None:
    clean, noisy = run(mesh()), run(mesh(**{"h1>h5": {"sent": 120, "lost": 120, "loss_pct": 100.0}}))
    assert clean.summary.total_anomalies == 0 and clean.anomalies == []
    assert clean.by_leaf_pair == [] and clean.by_spine == [] and clean.by_leaf == []
    assert set(clean.model_dump()) == set(noisy.model_dump())
    assert set(clean.summary.model_dump()) == set(noisy.summary.model_dump())
    assert clean.data_quality.pairs_without_current_data == 0


def test_scheduler_noise_does_not_fire() -> None:
    # near-zero lab RTTs tripling is still noise: absolute floors hold it back
    report = run(mesh(**{"h1>h5": {"rtt_avg_ms": 0.5, "jitter_ms": 0.3, "lost": 1, "loss_pct": 0.83}}))
    assert report.summary.total_anomalies == 0


def test_each_kind_fires_and_dead_paths_rank_first() -> None:
    changes: dict[str, Mapping[str, object]] = {
        "h1>h5": {"rtt_avg_ms": 50.2, "rtt_p99_ms": 51.0},
        "h2>h6": {"lost": 30, "loss_pct": 25.0, "flows_lossy": 8, "flows_lost_mask": 0xFF},
        "h3>h7": {
            "lost": 120,
            "loss_pct": 100.0,
            "df_lost": 30,
            "df_loss_pct": 100.0,
            "rtt_avg_ms": None,
        },
        "h4>h8": {"df_lost": 15, "df_loss_pct": 50.0, "df_flows_dead": 2},
        "h6>h2": {"df_lost": 10, "df_loss_pct": 33.3},  # DF loss spread over flows: random, not MTU
        "h5>h1": {"jitter_ms": 12.0},
    }
    report = run(mesh(**changes))
    kinds = [a.kind for a in report.anomalies]
    assert kinds[0] == "path_unreachable" and report.anomalies[0].severity == "critical"
    assert sorted(kinds) == ["jitter", "latency_spike", "mtu_df_failure", "packet_loss", "path_unreachable"]
    s = report.summary
    assert (s.path_unreachable, s.packet_loss, s.mtu_df_failure, s.latency_spike, s.jitter) == (1, 1, 1, 1, 1)
    assert s.pairs_affected == 5 and s.total_anomalies == 5
    dead = report.anomalies[0]
    assert (dead.src, dead.dst, dead.src_leaf, dead.dst_leaf) == ("h3", "h7", "leaf2", "leaf4")
    assert report.by_leaf_pair[0].path_unreachable == 1, "dead leaf pairs are listed first"
    loss = next(a for a in report.anomalies if a.kind == "packet_loss")
    assert loss.baseline == 0.0 and loss.threshold == 2.0 and loss.severity == "high"
    assert loss.flows_lossy == 8 and loss.flows_seen == 16


def test_leaf_pair_and_leaf_aggregation_point_at_common_leaf() -> None:
    # everything into and out of leaf1's hosts loses a share: leaf1 is in every affected pair
    changes = {}
    for src in ("h1", "h2"):
        for dst in ("h3", "h5", "h7"):
            changes[f"{src}>{dst}"] = {"lost": 60, "loss_pct": 50.0}
            changes[f"{dst}>{src}"] = {"lost": 60, "loss_pct": 50.0}
    report = run(mesh(**changes))
    assert report.by_leaf[0].leaf == "leaf1" and report.by_leaf[0].pairs_affected == 12
    pairs = {(a.src_leaf, a.dst_leaf) for a in report.by_leaf_pair}
    assert ("leaf1", "leaf2") in pairs and ("leaf3", "leaf1") in pairs
    lp = next(a for a in report.by_leaf_pair if (a.src_leaf, a.dst_leaf) == ("leaf1", "leaf2"))
    assert (lp.pairs_total, lp.pairs_affected, lp.max_loss_pct) == (4, 2, 50.0)


def test_spines_inferred_from_flow_map() -> None:
    # probes of flows 0-7 of h1>h5 go out via spine1, 8-15 via spine2; echoes come back via spine2
    # for even flows and are unmapped for odd ones; only the spine1 flows lose
    paths = {
        ("h1", "h5", f): ("spine1" if f < 8 else "spine2", "spine2" if f % 2 == 0 else "") for f in range(16)
    }
    report = run(
        mesh(**{"h1>h5": {"lost": 60, "loss_pct": 50.0, "flows_lossy": 8, "flows_lost_mask": 0xFF}}),
        flow_paths=paths,
    )
    [a] = report.anomalies
    assert a.spines == ["spine1", "spine2"]
    assert [(s.spine, s.lossy_flows, s.mapped_flows) for s in report.by_spine] == [
        ("spine1", 8, 8),
        ("spine2", 4, 12),
    ]
    assert report.data_quality.flow_paths_mapped == 16


def test_report_text_has_no_harness_words() -> None:
    report = run(mesh(**{"h3>h7": {"lost": 120, "loss_pct": 100.0}}))
    text = report.model_dump_json().lower()
    assert not LEAK.search(text), LEAK.findall(text)
