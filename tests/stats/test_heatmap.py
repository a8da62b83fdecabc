"""The per-case ping-mesh heatmap, read from an evidence store written through the real store
writer: baseline without loss, observation with leaf1's host losing half its probes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pytest_netopsbench.evidence import EvidenceStore, ProbeRound
from pytest_netopsbench.report._heatmap import case_heatmap, case_windows
from pytest_netopsbench.topology import build_topology

from ._cases import fault_case, healthy_case

SVG = "{http://www.w3.org/2000/svg}"
T0 = 1795700000.0
PHASES = {"baseline": 10.0, "inject": 5.0, "observe": 10.0, "verify": 2.0}


def _store(path: Path) -> Path:
    with EvidenceStore(path) as store:
        store.set_topology(build_topology("xs"))  # spine1, spine2; leaf1 (h1), leaf2 (h2)
        rows = []
        for second in range(0, 30):
            ts = T0 + second + 0.5
            observing = second >= 15  # after baseline (10 s) and injection (5 s)
            for src, dst in (("h1", "h2"), ("h2", "h1")):
                lost = 5 if observing else 0
                rows.append(ProbeRound(ts=ts, src=src, dst=dst, sent=10, lost=lost, rtt_avg_us=400))
        store.add_probe_rounds(rows)
    return path


def _cells(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)
    out: dict[str, str] = {}
    for rect in root.iter(f"{SVG}rect"):
        title = rect.find(f"{SVG}title")
        if title is not None and title.text:
            out.setdefault(title.text, rect.get("fill", ""))
    return out


def test_heatmap_shows_baseline_and_observation_loss(tmp_path: Path) -> None:
    store = _store(tmp_path / "cases" / "c1" / "evidence.sqlite")
    case = fault_case("link", started=T0, phases=PHASES, evidence_path=str(store))
    base, obs = case_windows(case)  # type: ignore[misc]
    assert (base.start, base.end, obs.start, obs.end) == (T0, T0 + 10, T0 + 15, T0 + 27)
    svg = case_heatmap(case)
    titles = list(_cells(svg))
    # leaf1 -> leaf2 appears twice (baseline, observation): 0% loss before, 50% during the fault
    assert "leaf1 to leaf2: loss 0.0%, mean RTT 0.40 ms" in titles
    assert "leaf1 to leaf2: loss 50.0%, mean RTT 0.40 ms" in titles
    assert "leaf1 to leaf1: no probes" in titles
    # the fault is at leaf1:eth1: leaf1's labels are marked
    root = ET.fromstring(svg)
    marked = {t.text for t in root.iter(f"{SVG}text") if t.get("fill") == "#c53030"}
    assert marked == {"leaf1"}


def test_heatmap_of_a_spine_fault_marks_the_leaf_at_the_other_end(tmp_path: Path) -> None:
    store = _store(tmp_path / "evidence.sqlite")
    case = fault_case("spine", started=T0, phases=PHASES, evidence_path=str(store))
    assert case.expected is not None
    case.expected = case.expected.model_copy(update={"device": "spine1", "interface": "eth2"})
    root = ET.fromstring(case_heatmap(case))
    marked = {t.text for t in root.iter(f"{SVG}text") if t.get("fill") == "#c53030"}
    peer = build_topology("xs").peer_of("spine1", "eth2").device
    assert marked == {peer} and peer.startswith("leaf")


def test_no_heatmap_without_evidence_or_phases(tmp_path: Path) -> None:
    assert case_heatmap(healthy_case("h", started=T0, phases=PHASES)) == ""  # no store
    missing = fault_case("x", started=T0, phases=PHASES, evidence_path=str(tmp_path / "none.sqlite"))
    assert case_heatmap(missing) == ""
    store = _store(tmp_path / "e.sqlite")
    assert case_heatmap(fault_case("y", evidence_path=str(store))) == ""  # no phases recorded
