"""The evidence store round trip and the per-pair statistics arithmetic (no lab needed)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import EvidenceStore, LogRecord, ProbeRound, RuleCounter, Window
from pytest_netopsbench.evidence._kernel import parse_net_dev, parse_nft_counters, parse_snmp
from pytest_netopsbench.evidence._stats import aggregate_pairs, percentile
from pytest_netopsbench.topology import build_topology


def _round(
    ts: float,
    src: str = "h1",
    dst: str = "h2",
    *,
    sent: int = 4,
    lost: int = 0,
    rtts: tuple[int, int, int] | None = (20, 30, 40),
    df_sent: int = 1,
    df_lost: int = 0,
    flows: int = 0b1111,
    flows_lost: int = 0,
) -> ProbeRound:
    lo, avg, hi = rtts if rtts else (None, None, None)
    return ProbeRound(
        ts=ts,
        src=src,
        dst=dst,
        sent=sent,
        lost=lost,
        rtt_min_us=lo,
        rtt_avg_us=avg,
        rtt_max_us=hi,
        df_sent=df_sent,
        df_lost=df_lost,
        flows_sent=flows,
        flows_lost=flows_lost,
    )


def test_window_rejects_reversed_bounds() -> None:
    with pytest.raises(ValueError, match="before its start"):
        Window(start=10, end=5)
    assert Window(start=1, end=4).duration == 3


def test_percentile_nearest_rank() -> None:
    assert percentile([], 99) is None
    assert percentile([5.0], 99) == 5.0
    assert percentile([float(x) for x in range(1, 101)], 99) == 99.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def test_pair_stats_math() -> None:
    rounds = [
        _round(1.0, rtts=(20, 30, 40)),
        _round(2.0, lost=2, rtts=(50, 60, 70), df_lost=1, flows=0b11110000, flows_lost=0b00110000),
        _round(3.0, lost=4, rtts=None),
    ]
    [p] = aggregate_pairs(rounds, {"h1": "leaf1", "h2": "leaf2"})
    assert (p.src_leaf, p.dst_leaf) == ("leaf1", "leaf2")
    assert (p.sent, p.lost, p.loss_pct) == (12, 6, 50.0)
    assert p.rtt_min_ms == 0.02 and p.rtt_max_ms == 0.07
    # average over answered probes: 4 probes at 30 us and 2 at 60 us
    assert p.rtt_avg_ms == pytest.approx(0.04)
    assert p.jitter_ms == pytest.approx(0.03)  # |60 - 30| us between the two answered rounds
    assert p.rtt_p99_ms == 0.07
    assert (p.df_sent, p.df_lost) == (3, 1) and p.df_loss_pct == pytest.approx(33.33)
    assert (p.flows_seen, p.flows_lossy) == (8, 2)


def test_store_round_trip_and_export(tmp_path: Path) -> None:
    topo = build_topology("xs")
    store = EvidenceStore(tmp_path / "e.db")
    store.set_topology(topo)
    store.add_probe_rounds([_round(float(t)) for t in range(100, 110)])
    store.add_probe_rounds([_round(float(t), src="h2", dst="h1", lost=4, rtts=None) for t in range(100, 110)])
    for t in range(95, 111):
        store.add_interface_samples(
            float(t),
            "leaf1",
            [("eth1", "up" if t < 105 else "down", 1500, 10 * t, 10 * t, 0, 0, 0, 0, t - 95, 0)],
        )
        store.add_netstat(float(t), "h2", {"Udp.InCsumErrors": 2 * t})
    store.add_rule_counters(
        99.0, [RuleCounter(device="leaf1", table="inet t", chain="c", rule="drop", packets=5, bytes=50)]
    )
    store.add_rule_counters(
        109.0, [RuleCounter(device="leaf1", table="inet t", chain="c", rule="drop", packets=25, bytes=250)]
    )
    store.add_logs([LogRecord(ts=103.0, device="leaf1", source="bgpd", message="neighbor down")])
    assert store.put_route_snapshot(90.0, "leaf1", "fib", "[1]")
    assert not store.put_route_snapshot(91.0, "leaf1", "fib", "[1]"), "unchanged snapshots are not stored"

    w = Window(start=100.0, end=110.0)
    stats = {(p.src, p.dst): p for p in store.pair_stats(w)}
    assert stats[("h1", "h2")].loss_pct == 0 and stats[("h2", "h1")].loss_pct == 100
    assert stats[("h1", "h2")].src_leaf == "leaf1"
    [d] = store.interface_deltas(w, "leaf1")
    assert (d.rx_packets, d.rx_dropped, d.oper_state, d.state_changes) == (100, 10, "down", 1)
    assert store.netstat_deltas(w, "h2") == {"Udp.InCsumErrors": 20}
    [rule] = store.rule_deltas(w)
    assert rule.packets == 20
    assert [r.message for r in store.logs(w, "leaf1")] == ["neighbor down"]

    out = store.export(Window(start=104.0, end=106.0), tmp_path / "case.db")
    store.close()
    copy = EvidenceStore(out)
    assert copy.topology() == topo
    assert {r.ts for r in copy.probe_rounds(Window(start=0, end=1e9))} == {104.0, 105.0, 106.0}
    snap = copy.route_snapshot("leaf1", "fib")
    assert snap is not None and snap.payload == "[1]", "the FIB in force at the window start is kept"
    [d2] = copy.interface_deltas(Window(start=104.0, end=106.0), "leaf1")
    assert d2.rx_packets == 20
    copy.close()
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT count(*) FROM log").fetchone()[0] == 0  # log at 103 is outside


def test_store_concurrent_writers(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "c.db")

    def write(k: int) -> None:
        for t in range(50):
            store.add_probe_rounds([_round(float(t), src=f"h{k}", dst="h0")])

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.probe_rounds(Window(start=0, end=100))) == 200
    store.close()


def test_kernel_text_parsers() -> None:
    dev = (
        "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|...\n"
        "  eth1: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n"
    )
    assert parse_net_dev(dev) == {"eth1": (10, 20, 1000, 2000, 1, 3, 2, 4)}
    snmp = "Udp: InDatagrams NoPorts InCsumErrors\nUdp: 5 1 7\nIcmp: InCsumErrors\nIcmp: 3\n"
    assert parse_snmp(snmp) == {"Udp.NoPorts": 1, "Udp.InCsumErrors": 7, "Icmp.InCsumErrors": 3}
    nft = (
        "table inet acl {\n\tchain filt {\n\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\tip saddr 198.19.1.10 counter packets 12 bytes 840 drop # handle 3\n\t}\n}\n"
    )
    assert parse_nft_counters(nft) == [("inet acl", "filt", "ip saddr 198.19.1.10 counter drop", 12, 840)]


def test_df_flows_lost_every_time_are_counted() -> None:
    df0, df1 = 1 << 32, 1 << 33  # DF probes sit above the small probes in the flow bitmasks
    rounds = [
        _round(1.0, df_lost=1, flows=0b1 | df0, flows_lost=df0),
        _round(2.0, df_lost=0, flows=0b1 | df1, flows_lost=0),
        _round(3.0, df_lost=1, flows=0b1 | df0, flows_lost=df0),
        _round(4.0, df_lost=1, flows=0b1 | df1, flows_lost=df1),
    ]
    [p] = aggregate_pairs(rounds, {})
    assert (p.df_sent, p.df_lost, p.flows_seen, p.flows_lossy) == (4, 3, 1, 0)
    assert p.df_flows_dead == 1, "DF flow 0 failed both times, flow 1 only once"


def test_a_rule_gone_before_the_window_is_not_reported(tmp_path: Path) -> None:
    """A rule last sampled before the window (removed since) fired nothing in it; reporting its
    lifetime counter would show a cleared fault's rule in the next case's window."""
    store = EvidenceStore(tmp_path / "e.db")
    gone = RuleCounter(device="leaf1", table="netdev filter", chain="c", rule="drop", packets=95, bytes=950)
    store.add_rule_counters(99.0, [gone])
    assert store.rule_deltas(Window(start=100.0, end=110.0)) == []
    store.close()
