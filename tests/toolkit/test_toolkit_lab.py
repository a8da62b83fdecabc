"""The toolkit against one real xs lab: every tool answers with data, broken state shows where an
operator would look, ping-mesh windows resolve in the documented order, and answers never name the
harness."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import Collector, EvidenceStore, Window
from pytest_netopsbench.runtime import Lab
from pytest_netopsbench.toolkit import Toolkit

from .conftest import needs_lab_host

pytestmark = [pytest.mark.lab, needs_lab_host]

Live = tuple[Lab, EvidenceStore, Collector]
# whole words only: FRR logs say "vrf default"
LEAK = re.compile(r"\b(netopsbench|fault|faults|inject\w*|scenario|episode|harness|ground_truth|benchmark)\b")


def _tk(live: Live, window: Window | None = None) -> Toolkit:
    lab, store, _ = live
    return Toolkit(lab, store, window or Window.last(3))


def test_every_tool_answers_on_a_live_lab(live: Live) -> None:
    tk = _tk(live)
    h2 = live[0].topology.device("h2").host_ip
    answers = {
        "get_topology": tk.get_topology(),
        "get_device_interfaces": tk.get_device_interfaces("leaf1"),
        "get_bgp_neighbors": tk.get_bgp_neighbors("spine1"),
        "get_all_bgp_status": tk.get_all_bgp_status(),
        "get_route_table": tk.get_route_table("leaf1", prefix=h2),
        "get_bgp_rib": tk.get_bgp_rib("leaf2"),
        "get_device_config": tk.get_device_config("leaf1", section="router bgp"),
        "get_device_acl": tk.get_device_acl("leaf1"),
        "get_device_logs": tk.get_device_logs("leaf1", limit=20),
        "get_interface_metrics": tk.get_interface_metrics("h1", interface="eth1"),
        "get_pingmesh_summary": tk.get_pingmesh_summary(),
        "get_pingmesh_hotspots": tk.get_pingmesh_hotspots(limit=5),
        "ping_test": tk.ping_test("h1", h2, count=3),
        "traceroute": tk.traceroute("h1", h2),
        "get_fib_vs_rib": tk.get_fib_vs_rib("leaf1"),
    }
    assert answers["get_bgp_neighbors"]["established"] == 2
    assert answers["get_all_bgp_status"]["sessions_down"] == 0
    [route] = answers["get_route_table"]["routes"]
    assert route["prefix"] == "198.19.2.0/24" and len(route["nexthops"]) == 2, "ECMP over both spines"
    assert answers["get_device_config"]["lines"][0].startswith("router bgp 65101")
    assert answers["get_interface_metrics"]["interfaces"][0]["tx_packets"] > 0
    assert answers["get_pingmesh_summary"]["overall"]["probes_lost"] == 0
    assert answers["get_pingmesh_summary"]["overall"]["probes_sent"] > 0
    assert answers["ping_test"]["received"] == 3 and answers["traceroute"]["reached"]
    assert answers["get_fib_vs_rib"]["mismatches"] == 0 and answers["get_fib_vs_rib"]["prefixes"] >= 8
    for name, answer in answers.items():
        text = json.dumps(answer).lower()
        assert len(text) <= tk.limits.max_chars, name
        assert not LEAK.search(text), (name, LEAK.findall(text))
    assert tk.stats.total_calls == len(answers) and tk.stats.total_errors == 0


def test_pingmesh_window_precedence(live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.time()
    own = Window(start=now - 5, end=now - 1)
    ctx = tmp_path / "window.json"
    ctx.write_text(json.dumps({"start_time": now - 20, "end_time": now - 10}))
    monkeypatch.setenv("NETOPSBENCH_PINGMESH_CONTEXT_FILE", str(ctx))
    monkeypatch.setenv("NETOPSBENCH_PINGMESH_START_TIME", str(now - 40))
    monkeypatch.setenv("NETOPSBENCH_PINGMESH_END_TIME", str(now - 30))

    def source(tk: Toolkit, **kw: float) -> tuple[str, float]:
        w = tk.get_pingmesh_summary(**kw)["window"]
        return w["source"], w["start_time"]

    assert source(_tk(live, own), start_time=now - 3, end_time=now) == ("arguments", now - 3)
    assert source(_tk(live, own)) == ("observation_window", now - 5)
    no_window = Toolkit(live[0], live[1], None)
    assert source(no_window) == ("context_file", now - 20)
    monkeypatch.delenv("NETOPSBENCH_PINGMESH_CONTEXT_FILE")
    assert source(no_window) == ("environment", now - 40)
    monkeypatch.delenv("NETOPSBENCH_PINGMESH_START_TIME")
    src, start = source(no_window)
    assert src == "rolling" and abs(start - (time.time() - 60)) < 5


def test_broken_state_shows_in_the_tools(live: Live) -> None:
    lab, _, collector = live
    h2 = lab.topology.device("h2").host_ip
    try:
        lab.exec("leaf1", ["nft", "add", "table", "inet", "edge"], check=True)
        lab.exec(
            "leaf1",
            ["nft", "add", "chain", "inet", "edge", "in", "{ type filter hook forward priority 0; }"],
            check=True,
        )
        lab.exec(
            "leaf1",
            ["nft", "add", "rule", "inet", "edge", "in", "ip", "daddr", h2, "counter", "drop"],
            check=True,
        )
        # the kernel drops h1's subnet while FRR still believes in its BGP route (zebra ignores
        # kernel changes to routes of its own protocol, so the two silently disagree)
        lab.exec(
            "leaf2",
            ["ip", "route", "replace", "blackhole", "198.19.1.0/24", "proto", "bgp", "metric", "20"],
            check=True,
        )
        start = time.time()
        time.sleep(2.5)
        collector.wait_rounds(1)
        time.sleep(5.5 - (time.time() - start))  # at least one slow sampler tick for rule counters
        tk = _tk(live, Window(start=start, end=time.time()))
        hot = tk.get_pingmesh_hotspots()
        assert hot["leaf_pairs"][0]["pairs_unreachable"] >= 1, hot
        assert hot["host_pairs"][0]["loss_pct"] == 100.0
        acl = tk.get_device_acl("leaf1")
        assert any(h2 in ln and "drop" in ln for ln in acl["nftables"]), acl
        metrics = tk.get_interface_metrics("leaf1")
        assert any(r["packets"] > 0 and "drop" in r["rule"] for r in metrics["filter_rule_counters"]), metrics
        diff = tk.get_fib_vs_rib("leaf2")
        flagged = {d["prefix"]: d["issues"] for d in diff["differences"]}
        assert flagged.get("198.19.1.0/24") == ["blackhole state differs"], diff
    finally:
        # the module's lab is torn down after its last test; this one runs last (file order)
        lab.exec("leaf1", ["nft", "delete", "table", "inet", "edge"])
