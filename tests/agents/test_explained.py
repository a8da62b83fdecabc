"""What the reference agent treats as already explained: mesh loss a BGP session reset in the window
caused, and pairs a spine fault cannot have cut off (hand-made evidence, shaped like the recorded
s-hard-herring-healthy-bgp-reset-leaf3-eth1 and s-hard-compound-host-wrong-gateway-h7-blackhole-spine2)."""

from __future__ import annotations

from pytest_netopsbench.agents.reference._collect import Probe, Survey
from pytest_netopsbench.agents.reference._decide import decide
from pytest_netopsbench.agents.reference._explained import session_resets, unexplained_unreachable_hosts
from pytest_netopsbench.agents.reference._facts import LogLine
from pytest_netopsbench.agents.reference._rules import Finding
from pytest_netopsbench.evidence import SymptomReport, Window
from pytest_netopsbench.evidence._report import Anomaly, DataQuality, SymptomSummary
from pytest_netopsbench.topology import build_topology

TOPO = build_topology("s")
W = Window(start=100.0, end=108.0)


def _anomaly(kind: str, src: str, dst: str, value: float, spines: list[str]) -> Anomaly:
    leaf = {h.name: h.leaf or "" for h in TOPO.hosts}
    return Anomaly(
        kind=kind,  # type: ignore[arg-type]
        src=src,
        dst=dst,
        src_ip=TOPO.device(src).host_ip,
        dst_ip=TOPO.device(dst).host_ip,
        src_leaf=leaf[src],
        dst_leaf=leaf[dst],
        value=value,
        baseline=0.0,
        threshold=2.0,
        unit="pct",
        severity="high",
        flows_seen=16,
        flows_lossy=16 if kind == "path_unreachable" else 4,
        spines=spines,
    )


def _survey(anomalies: list[Anomaly], logs: list[LogLine] | None = None) -> Survey:
    report = SymptomReport(
        baseline=W,
        current=W,
        summary=SymptomSummary(),
        anomalies=anomalies,
        by_leaf_pair=[],
        by_leaf=[],
        by_spine=[],
        data_quality=DataQuality(
            baseline_rounds=8, current_rounds=8, pairs_without_current_data=0, flow_paths_mapped=0
        ),
    )
    return Survey(topology=TOPO, symptoms=report, window=W, logs=logs or [])


def _reset(at: float) -> list[LogLine]:
    """leaf3's session to spine1 cleared by hand and back 2 s later, as both ends log it."""
    out = []
    for dev, peer in (("leaf3", "198.18.8.8(spine1)"), ("spine1", "198.18.8.9(leaf3)")):
        for ts, state in ((at, "Down User reset"), (at + 2, "Up")):
            msg = f"BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor {peer} in vrf default {state}"
            out.append(LogLine(device=dev, ts=ts, source="bgpd", message=msg))
    return out


def test_loss_across_a_reset_session_is_transient_and_the_network_healthy() -> None:
    lossy = [_anomaly("packet_loss", s, "h5", 12.5, ["spine1"]) for s in ("h2", "h3")]
    s = _survey(lossy, _reset(W.start))
    assert [(r.leaf, r.spine) for r in session_resets(s)] == [("leaf3", "spine1")]
    d = decide(s)
    assert d.verdict == "network_healthy" and len(d.explained) == 2
    # without the reset the same mesh is a fault localised at h5's access port
    assert decide(_survey(lossy)).verdict == "fault_detected"


def test_a_reset_explains_only_its_own_paths_and_only_loss_that_is_over() -> None:
    # flows across spine2, or toward another leaf, were not withdrawn by leaf3-spine1's reset
    other = [
        _anomaly("packet_loss", "h2", "h5", 12.5, ["spine2"]),
        _anomaly("packet_loss", "h2", "h7", 12.5, []),
    ]
    assert decide(_survey(other, _reset(W.start))).verdict == "fault_detected"
    # a reset long before the window, or a ping across the pair that still loses, explains nothing
    lossy = [_anomaly("packet_loss", "h2", "h5", 12.5, ["spine1"])]
    assert decide(_survey(lossy, _reset(W.start - 30))).verdict == "fault_detected"
    s = _survey(lossy, _reset(W.start))
    s.probes.append(Probe(kind="ping", src="h2", dst_ip=TOPO.device("h5").host_ip, loss_pct=20.0))
    assert decide(s).verdict == "fault_detected"


def test_pairs_cut_off_next_to_a_spine_fault_send_the_agent_to_their_hosts() -> None:
    cut = [_anomaly("path_unreachable", "h7", d, 100.0, []) for d in ("h1", "h3")]
    cut.append(_anomaly("path_unreachable", "h2", "h7", 100.0, []))
    s = _survey([*cut, _anomaly("packet_loss", "h1", "h3", 50.0, ["spine2"])])
    spine = Finding(fault_type="blackhole_route", device="spine2", score=0.95)
    assert unexplained_unreachable_hosts(s, [spine]) == ["h7"]
    # a finding on a leaf may cut a pair off by itself
    leaf = Finding(fault_type="more_specific_route_leak", device="leaf4", score=0.9)
    assert unexplained_unreachable_hosts(s, [spine, leaf]) == []
