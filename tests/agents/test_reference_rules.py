"""Unit tests of the reference agent's parsers and rules on real tool output (lines taken from the
recorded fixtures) and on the few shapes this host cannot produce (tc netem)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _replay import replay_context

from pytest_netopsbench.agents.reference._collect import Survey, collect, recheck_ports
from pytest_netopsbench.agents.reference._decide import decide
from pytest_netopsbench.agents.reference._facts import Qdisc, parse_acl, parse_interfaces
from pytest_netopsbench.agents.reference._filter_rules import filter_findings, qdisc_findings
from pytest_netopsbench.agents.reference._rules import PRIORITY, Finding, link_findings, one_cycle_links
from pytest_netopsbench.evidence import Anomaly, AnomalyKind, SymptomReport, Window
from pytest_netopsbench.faults import all_faults
from pytest_netopsbench.topology import build_topology

DATA = Path(__file__).parent / "data"

# real get_device_acl answers (spine2 with an NFQUEUE impairment; leaf3 with a port ACL)
NFQUEUE_ACL = {
    "device": "spine2",
    "qdiscs": [],
    "truncated": False,
    "iptables": [
        "*mangle",
        ":PREROUTING ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        "[150:18670] -A POSTROUTING -o eth1 -j NFQUEUE --queue-num 171 --queue-bypass",
        "COMMIT",
    ],
    "nftables": [
        "table ip mangle {",
        "\tchain POSTROUTING {",
        "\t\ttype filter hook postrouting priority mangle; policy accept;",
        '\t\toifname "eth1" counter packets 143 bytes 16810 queue num 171 bypass',
        "\t}",
        "}",
    ],
}
PORT_ACL = {
    "device": "leaf3",
    "iptables": [],
    "qdiscs": [],
    "truncated": False,
    "nftables": [
        "table netdev filter {",
        "\tchain ingress_eth2 {",
        '\t\ttype filter hook ingress device "eth2" priority filter; policy accept;',
        "\t\tip daddr 198.19.5.0/24 counter packets 273 bytes 56700 drop",
        "\t}",
        "}",
    ],
}


def _survey(name: str) -> Survey:
    fx = json.loads((DATA / f"{name}.json").read_text())
    ctx, tools = replay_context(fx)
    return collect(tools, ctx.topology, ctx.symptoms, ctx.window)


def test_nfqueue_rule_is_bound_to_its_egress_port_in_both_views() -> None:
    rules, qdiscs = parse_acl(
        "spine2",
        NFQUEUE_ACL,
        (("ip mangle", "POSTROUTING", 'oifname "eth1" counter queue num 171 bypass', 22),),
    )
    assert not qdiscs
    assert {(r.source, r.interface, r.direction, r.action) for r in rules} == {
        ("iptables", "eth1", "out", "queue"),
        ("nftables", "eth1", "out", "queue"),
    }
    nft = next(r for r in rules if r.source == "nftables")
    assert nft.packets == 143 and nft.window_packets == 22


def test_port_acl_takes_its_port_from_the_chain_hook() -> None:
    rules, _ = parse_acl("leaf3", PORT_ACL)
    assert len(rules) == 1
    r = rules[0]
    assert (r.interface, r.direction, r.hook, r.action, r.packets) == ("eth2", "in", "ingress", "drop", 273)
    assert "counter packets" not in r.text  # counters are stripped so window deltas can be matched


def test_error_answers_parse_to_nothing() -> None:
    err = {"error": {"type": "tool_failed", "message": "LabError: bgpd not running"}}
    assert parse_acl("leaf1", err) == ([], [])
    assert parse_interfaces("leaf1", err) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"limit": 1000, "delay": {"delay": 0.12, "jitter": 0.0, "correlation": 0.0}}, "high_latency"),
        ({"limit": 1000, "loss-random": {"loss": 0.3, "correlation": 0.0}}, "packet_loss"),
        ({"limit": 1000, "corrupt": {"corrupt": 0.25, "correlation": 0.0}}, "packet_corruption"),
    ],
)
def test_netem_qdisc_kinds(options: dict[str, object], expected: str) -> None:
    """tc -j shapes of netem (absent on this kernel, present where netem exists)."""
    s = _survey("xs-healthy-01")
    s.qdiscs = [Qdisc(device="spine1", interface="eth2", kind="netem", options=options)]
    found = qdisc_findings(s)
    assert [(f.fault_type, f.device, f.interface) for f in found] == [(expected, "spine1", "eth2")]


def test_jitter_and_small_latency_are_noise_not_a_fault() -> None:
    s = _survey("s-healthy-01")
    small: tuple[tuple[AnomalyKind, float], ...] = (("jitter", 3.5), ("latency_spike", 6.0))
    noise = [
        Anomaly(
            kind=k,
            src="h1",
            dst="h3",
            src_ip="198.19.1.10",
            dst_ip="198.19.3.10",
            src_leaf="leaf1",
            dst_leaf="leaf2",
            value=v,
            baseline=0.05,
            threshold=2.0,
            unit="ms",
            severity="high",
            flows_seen=16,
            flows_lossy=0,
        )
        for k, v in small
    ]
    s.symptoms = s.symptoms.model_copy(update={"anomalies": noise})
    assert decide(s).verdict == "network_healthy"


def test_broken_mesh_without_device_state_is_still_a_fault_at_low_confidence() -> None:
    s = _survey("s-healthy-01")
    dead = [
        Anomaly(
            kind="path_unreachable",
            src=src,
            dst="h5",
            src_ip="",
            dst_ip="198.19.5.10",
            src_leaf=f"leaf{(int(src[1]) + 1) // 2}",
            dst_leaf="leaf3",
            value=100.0,
            baseline=0.0,
            threshold=100.0,
            unit="pct",
            severity="critical",
            flows_seen=16,
            flows_lossy=16,
        )
        for src in ("h1", "h2", "h3", "h7")
    ]
    s.symptoms = s.symptoms.model_copy(update={"anomalies": dead})
    d = decide(s)
    assert d.verdict == "fault_detected" and d.finding is not None
    assert (d.finding.device, d.finding.interface) == ("leaf3", "eth3")  # h5's access port
    assert d.finding.score < 0.7


def test_every_builtin_fault_type_has_a_rule_priority() -> None:
    builtin = {c.name for c in all_faults() if c.__module__.startswith("pytest_netopsbench.faults")}
    assert builtin <= set(PRIORITY), sorted(builtin - set(PRIORITY))


def test_a_dead_switch_outranks_what_it_explains() -> None:
    dead = Finding(fault_type="device_down", device="spine2", score=0.9)
    port = Finding(fault_type="link_down", device="leaf1", interface="eth2", score=0.95)
    bgp = Finding(fault_type="bgp_neighbor_misconfig", device="leaf1", score=0.92)
    assert sorted([bgp, port, dead], key=lambda f: f.rank) == [dead, port, bgp]


def test_failing_tools_make_the_answer_inconclusive() -> None:
    topo = build_topology("xs")
    empty = SymptomReport.model_validate(json.loads((DATA / "xs-healthy-01.json").read_text())["symptoms"])

    class NoTools:
        def call(self, name: str, arguments: dict[str, object] | None = None) -> object:
            return {"error": {"type": "tool_failed", "message": "lab unreachable"}}

    s = collect(NoTools(), topo, empty, Window(start=0.0, end=8.0))
    assert len(s.tool_errors) == s.tool_calls > 0
    # no evidence of a fault is not evidence of health
    assert decide(s).verdict == "inconclusive"


def test_one_down_up_cycle_is_a_hint_until_the_ports_are_read_again() -> None:
    # recorded: the cable leaf2:eth1 out for 2 s inside the window, healthy again after
    fx = json.loads((DATA / "xs-herring-healthy-cable-flap-in-window-leaf2-eth1.json").read_text())
    ctx, tools = replay_context(fx)
    s = collect(tools, ctx.topology, ctx.symptoms, ctx.window)
    [link] = one_cycle_links(s)
    assert {link.a.device, link.b.device} == {"leaf2", "spine1"}
    [hint] = [f for f in link_findings(s) if f.device in ("leaf2", "spine1")]
    assert hint.score < 0.7  # not a diagnosis on one look
    recheck_ports(tools, s, ["leaf2", "spine1"])
    assert link_findings(s) == []  # carrier changes stood still: it recovered
    # recorded: the same cable toggled 3 s out / 4 s in: still counting when read again
    fx = json.loads((DATA / "xs-intermittent-cable-cut-leaf2-eth2.json").read_text())
    ctx, tools = replay_context(fx)
    s = collect(tools, ctx.topology, ctx.symptoms, ctx.window)
    recheck_ports(tools, s, ["leaf2", "spine2"])
    [cut] = link_findings(s)
    assert (cut.fault_type, cut.device, cut.interface, cut.score) == ("cable_cut", "leaf2", "eth2", 0.9)


def test_link_events_before_the_window_are_not_a_flap() -> None:
    # recorded: leaf2:eth1 shut and brought back up 1-3 s before the window
    s = _survey("xs-herring-healthy-flap-leaf2-eth1")
    assert any("link state changed" in ln.message for ln in s.logs if ln.device == "leaf2")
    assert link_findings(s) == [] and one_cycle_links(s) == []


def test_a_rule_gone_from_the_ruleset_counts_only_where_the_mesh_lost_packets() -> None:
    # recorded: a drop rule toggled 3 s on / 4 s off, absent when the ruleset was read
    s = _survey("xs-intermittent-acl-misconfig-spine2-eth2")
    [gone] = [r for r in s.rules if r.gone]
    assert (gone.device, gone.interface, gone.direction) == ("spine2", "eth2", "in")
    [f] = filter_findings(s)
    assert (f.fault_type, f.device, f.interface) == ("acl_misconfig", "spine2", "eth2")
    # recorded: the same rule's hits read around a later case's window, the mesh clean: no finding
    s = _survey("xs-bgp-neighbor-misconfig-remote-as-leaf1")
    assert any(r.gone for r in s.rules) and filter_findings(s) == []
