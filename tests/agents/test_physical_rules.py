"""The reference agent's physical-layer rules on hand-made evidence: which links it suspects and what
a pinned probe plus the counters make of them (no lab: the rules are pure functions)."""

from __future__ import annotations

from pytest_netopsbench.agents.reference._collect import Survey
from pytest_netopsbench.agents.reference._facts import PortCounters
from pytest_netopsbench.agents.reference._physical import (
    PROBE_COUNT,
    LinkProbe,
    physical_findings,
    probe_suspect_links,
    suspect_links,
)
from pytest_netopsbench.agents.reference._recording import ReplayTools, call_key
from pytest_netopsbench.evidence import SymptomReport, Window
from pytest_netopsbench.evidence._report import Anomaly, DataQuality, SymptomSummary
from pytest_netopsbench.topology import Topology, build_topology

TOPO = build_topology("xs")
W = Window(start=0.0, end=10.0)


def _survey(
    counters: list[PortCounters],
    protocol: dict[str, dict[str, int]] | None = None,
    symptoms: list[Anomaly] | None = None,
    topology: Topology = TOPO,
) -> Survey:
    report = SymptomReport(
        baseline=W,
        current=W,
        summary=SymptomSummary(),
        anomalies=symptoms or [],
        by_leaf_pair=[],
        by_leaf=[],
        by_spine=[],
        data_quality=DataQuality(
            baseline_rounds=3, current_rounds=3, pairs_without_current_data=0, flow_paths_mapped=0
        ),
    )
    return Survey(topology=topology, symptoms=report, window=W, counters=counters, protocol=protocol or {})


def _healthy(**over: PortCounters) -> list[PortCounters]:
    out = []
    for dev in TOPO.devices:
        for itf in dev.interfaces:
            key = f"{dev.name}_{itf.name}"
            out.append(
                over.get(key) or PortCounters(device=dev.name, name=itf.name, rx_packets=500, tx_packets=500)
            )
    return out


def _probe(dev: str, itf: str, loss: float, rtt: float) -> LinkProbe:
    peer = TOPO.peer_of(dev, itf)
    return LinkProbe(
        device=dev, interface=itf, peer=f"{peer.device}:{peer.interface}", loss_pct=loss, rtt_avg_ms=rtt
    )


def test_healthy_counters_raise_no_suspect() -> None:
    assert suspect_links(_survey(_healthy())) == []


def test_tx_rx_gap_makes_the_link_a_suspect_and_a_lossy_probe_names_loss() -> None:
    s = _survey(
        _healthy(spine1_eth2=PortCounters(device="spine1", name="eth2", rx_packets=500, tx_packets=700))
    )
    links = suspect_links(s)
    assert links and {links[0].a.device, links[0].b.device} == {"spine1", "leaf2"}
    [f] = physical_findings(s, [_probe("leaf2", "eth1", 30.0, 0.1)])
    assert (f.fault_type, f.device, f.interface) == ("packet_loss", "leaf2", "eth1")
    assert any("200 of 700" in e for e in f.evidence)


def test_checksum_errors_turn_loss_into_corruption() -> None:
    s = _survey(_healthy(), protocol={"h1": {"Icmp.InCsumErrors": 7}})
    [f] = physical_findings(s, [_probe("leaf1", "eth2", 25.0, 0.1)])
    assert f.fault_type == "packet_corruption"


def test_slow_quiet_link_is_latency_and_slow_busy_link_is_congestion() -> None:
    [lat] = physical_findings(_survey(_healthy()), [_probe("leaf2", "eth3", 0.0, 120.0)])
    assert lat.fault_type == "high_latency"
    busy = PortCounters(device="leaf2", name="eth1", rx_packets=500, tx_packets=40000, tx_mbps=49.0)
    s = _survey(_healthy(leaf2_eth1=busy))
    assert {"leaf2", "spine1"} == {suspect_links(s)[0].a.device, suspect_links(s)[0].b.device}
    [cong] = physical_findings(s, [_probe("leaf2", "eth1", 0.0, 40.0)])
    assert cong.fault_type == "congestion"


def test_gap_with_a_clean_icmp_probe_is_an_ecmp_member_drop() -> None:
    s = _survey(
        _healthy(spine1_eth1=PortCounters(device="spine1", name="eth1", rx_packets=470, tx_packets=500))
    )
    [f] = physical_findings(s, [_probe("leaf1", "eth1", 0.0, 0.1)])
    assert f.fault_type == "ecmp_member_drop" and f.device == "leaf1"


def test_clean_probe_and_no_gap_is_no_finding() -> None:
    assert physical_findings(_survey(_healthy()), [_probe("leaf1", "eth1", 0.0, 0.1)]) == []


def _pings(answers: dict[tuple[str, str], tuple[float, float]]) -> ReplayTools:
    """Recorded ``ping_test`` answers: (src, dst_ip) -> (loss %, avg ms)."""
    return ReplayTools(
        {
            call_key("ping_test", {"src": src, "dst_ip": ip, "count": PROBE_COUNT}): {
                "loss_pct": loss,
                "rtt_avg_ms": rtt,
            }
            for (src, ip), (loss, rtt) in answers.items()
        }
    )


def test_a_noisy_probe_of_an_unimpaired_link_loses_to_the_impaired_one() -> None:
    # measured on a loaded host: leaf1 -> spine1 across an unimpaired link, one reply late past
    # ping's final wait (1 of 12 lost) and one outlier lifting the average; the other direction clean
    s = _survey(_healthy())
    noisy, slow = TOPO.link_of("leaf1", "eth1"), TOPO.link_of("leaf2", "eth2")
    tools = _pings(
        {
            ("spine1", "198.18.8.1"): (8.3, 43.0),
            ("leaf1", "198.18.8.0"): (0.0, 0.4),
            ("spine2", "198.18.8.7"): (0.0, 121.0),
            ("leaf2", "198.18.8.6"): (0.0, 123.5),
        }
    )
    probes = probe_suspect_links(tools, s, [noisy, slow])
    findings = physical_findings(s, probes)
    assert [(f.fault_type, f.device, f.interface) for f in findings] == [("high_latency", "leaf2", "eth2")]


def test_one_slow_direction_on_a_busy_link_is_not_congestion() -> None:
    busy = PortCounters(device="leaf2", name="eth1", rx_packets=500, tx_packets=40000, tx_mbps=35.0)
    s = _survey(_healthy(leaf2_eth1=busy))
    tools = _pings({("spine1", "198.18.8.5"): (0.0, 30.0), ("leaf2", "198.18.8.4"): (0.0, 0.6)})
    assert physical_findings(s, probe_suspect_links(tools, s, [TOPO.link_of("leaf2", "eth1")])) == []
    tools = _pings({("spine1", "198.18.8.5"): (0.0, 30.0), ("leaf2", "198.18.8.4"): (0.0, 26.0)})
    [f] = physical_findings(s, probe_suspect_links(tools, s, [TOPO.link_of("leaf2", "eth1")]))
    assert f.fault_type == "congestion"


def test_a_slow_probe_the_mesh_disagrees_with_ranks_below_the_link_the_mesh_saw() -> None:
    # s fabric: the mesh's slow pairs run between leaf3 and leaf4; a probe of leaf1 -> spine1 that
    # came back slow (a loaded host) must not tie with the link the window's probes crossed
    topo = build_topology("s")
    slow_pair = Anomaly(
        kind="latency_spike",
        src="h5",
        dst="h7",
        src_ip="198.19.5.10",
        dst_ip="198.19.7.10",
        src_leaf="leaf3",
        dst_leaf="leaf4",
        value=121.0,
        baseline=0.4,
        threshold=15.0,
        unit="ms",
        severity="high",
        flows_seen=4,
        flows_lossy=0,
    )
    s = _survey([], symptoms=[slow_pair], topology=topo)
    found = physical_findings(
        s,
        [
            LinkProbe(device="leaf1", interface="eth1", peer="spine1:eth1", loss_pct=0.0, rtt_avg_ms=40.0),
            LinkProbe(device="leaf3", interface="eth2", peer="spine2:eth3", loss_pct=0.0, rtt_avg_ms=121.0),
        ],
    )
    best = max(found, key=lambda f: f.score)
    assert (best.fault_type, best.device, best.interface) == ("high_latency", "leaf3", "eth2")
    assert {f.score for f in found if f.device == "leaf1"} == {0.7}


def test_partial_flow_loss_through_one_spine_names_its_quiet_member() -> None:
    # measured: spine2:eth1 dropping flows by hash sent 31 packets in the window; too few for a gap
    lossy = [
        Anomaly(
            kind="packet_loss",
            src=src,
            dst=dst,
            src_ip="198.19.1.10" if src == "h1" else "198.19.2.10",
            dst_ip="198.19.2.10" if dst == "h2" else "198.19.1.10",
            src_leaf=TOPO.device(src).leaf or "",
            dst_leaf=TOPO.device(dst).leaf or "",
            value=25.0,
            baseline=0.0,
            threshold=5.0,
            unit="pct",
            severity="high",
            flows_seen=16,
            flows_lossy=4,
            spines=["spine2"],
        )
        for src, dst in (("h1", "h2"), ("h2", "h1"))
    ]
    member = PortCounters(device="spine2", name="eth1", rx_packets=30, tx_packets=31)
    peer = PortCounters(device="leaf1", name="eth2", rx_packets=26, tx_packets=30)
    s = _survey(_healthy(spine2_eth1=member, leaf1_eth2=peer), symptoms=lossy)
    clean = [_probe(d, i, 0.0, 0.1) for d, i in (("leaf1", "eth1"), ("leaf1", "eth2"), ("leaf2", "eth2"))]
    found = physical_findings(s, clean)
    best = max(found, key=lambda f: f.score)
    assert (best.fault_type, best.device, best.interface) == ("ecmp_member_drop", "leaf1", "eth2")
    assert all(f.fault_type == "ecmp_member_drop" and "spine2" in f.evidence[0] for f in found)
