"""The collector against real xs labs: full clean rounds every interval, and the ping mesh shows a
silently dropping uplink and an MTU reduction where they are."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import Collector, EvidenceStore, Window, detect
from pytest_netopsbench.runtime import Lab

from .conftest import needs_lab_host

pytestmark = [pytest.mark.lab, needs_lab_host]


def _settle(collector: Collector, seconds: float) -> Window:
    start = time.time()
    time.sleep(seconds)
    collector.wait_rounds(1)
    return Window(start=start, end=time.time())


def test_healthy_lab_full_rounds_without_loss(lab: Lab, store: EvidenceStore) -> None:
    with Collector(lab, store, traffic="light", interval=1.0) as c:
        window = _settle(c, 4.2)
        assert c.traffic.running() >= 1, "background iperf3 flow is running"
        children = [p.pid for p in c.traffic._clients.values()]
        assert c._proc is not None
        children.append(c._proc.pid)
    gone = [pid for pid in children if not Path(f"/proc/{pid}").exists()]
    assert gone == children, "stop() ends the mesh process and the traffic"
    timings = store.round_timings(window)
    assert len(timings) >= 4, "at least one full round per second"
    assert all(t.pairs == 2 for t in timings) and max(t.seconds for t in timings) < 0.5
    stats = store.pair_stats(window)
    assert {(p.src, p.dst) for p in stats} == {("h1", "h2"), ("h2", "h1")}
    assert all(p.lost == 0 and p.df_lost == 0 for p in stats), stats
    assert all(p.flows_seen >= 8 for p in stats), "several 5-tuples per pair so every ECMP path is probed"
    deltas = {(d.device, d.interface): d for d in store.interface_deltas(window)}
    assert deltas[("h1", "eth1")].tx_packets > 0 and deltas[("leaf1", "eth1")].oper_state == "up"
    assert {r.state for r in store.bgp_history(window)} == {"Established"}
    assert store.route_snapshot("leaf1", "fib") is not None
    assert store.route_snapshot("leaf1", "rib") is not None
    report = detect(store, lab.topology, window, window)
    assert report.summary.total_anomalies == 0 and not c.errors, list(c.errors)


def test_dropping_uplink_shows_on_its_leaf_pair(lab: Lab, store: EvidenceStore, collector: Collector) -> None:
    baseline = _settle(collector, 2.0)
    # forwarded traffic out of leaf1's uplink to spine1 is dropped; BGP (locally sent) stays up
    lab.exec("leaf1", ["nft", "add", "table", "inet", "edge"], check=True)
    lab.exec(
        "leaf1",
        ["nft", "add", "chain", "inet", "edge", "out", "{ type filter hook forward priority 0; }"],
        check=True,
    )
    lab.exec(
        "leaf1",
        ["nft", "add", "rule", "inet", "edge", "out", "oifname", "eth1", "counter", "drop"],
        check=True,
    )
    current = _settle(collector, 3.0)
    report = detect(store, lab.topology, baseline, current)
    losses = [a for a in report.anomalies if a.kind in ("packet_loss", "path_unreachable")]
    assert losses, report.model_dump_json(indent=1)
    assert {(a.src_leaf, a.dst_leaf) for a in losses} <= {("leaf1", "leaf2"), ("leaf2", "leaf1")}
    assert all(0 < a.flows_lossy < a.flows_seen for a in losses), "one ECMP member: some flows, not all"
    assert report.by_leaf[0].leaf in ("leaf1", "leaf2")
    assert not [a for a in report.anomalies if a.kind == "mtu_df_failure"], "loss is not an MTU problem"
    # TTL-limited discovery mapped flows to spines: every lossy flow crosses spine1, either way
    assert report.data_quality.flow_paths_mapped > 0
    assert [s.spine for s in report.by_spine][:1] == ["spine1"], report.by_spine
    assert all("spine1" in a.spines for a in losses)
    rules = store.rule_deltas(current, "leaf1")
    assert any("oifname" in r.rule and r.packets > 0 for r in rules), rules


def test_df_probes_catch_mtu_reduction(lab: Lab, store: EvidenceStore, collector: Collector) -> None:
    baseline = _settle(collector, 2.0)
    lab.exec("leaf1", ["ip", "link", "set", "eth1", "mtu", "1400"], check=True)
    # Each DF 5-tuple goes twice in a row and hashes onto eth1 or eth2: 3 s hold one or two complete
    # tuples per direction, which can all avoid eth1 (it failed three runs in a row that way, one DF
    # probe lost per direction, no tuple lost twice). 9 s cover the whole pool of 4 both ways.
    current = _settle(collector, 9.0)
    report = detect(store, lab.topology, baseline, current)
    df = [a for a in report.anomalies if a.kind == "mtu_df_failure"]
    assert df, report.model_dump_json(indent=1)
    assert not [a for a in report.anomalies if a.kind in ("packet_loss", "path_unreachable")], (
        "small probes still pass: only the DF probes fail"
    )
    logs = [r.message for r in store.logs(current, "leaf1")]
    assert any("mtu changed from 1500 to 1400" in m for m in logs), logs
