"""The campaign file format: errors name the field; healthy-share and count rules are enforced."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pytest_netopsbench.campaign import (
    Campaign,
    candidates,
    generate_campaign,
    load_campaign,
    resolve_params,
    write_campaign,
)
from pytest_netopsbench.campaign import TargetSelector as Sel
from pytest_netopsbench.errors import ScenarioError
from pytest_netopsbench.topology import build_topology

SMALL = """
version: "t-1"
seed: 1
scales: {xs: {per_fault: 2, healthy: 1}}
faults:
  - type: link_down
    variants:
      - {target: {role: leaf, interface: uplink}}
      - {target: {role: spine, interface: downlink}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "campaign.yaml"
    p.write_text(text)
    return p


def test_small_campaign_by_hand(tmp_path: Path) -> None:
    campaign = load_campaign(_write(tmp_path, SMALL))
    xs = generate_campaign(campaign, ["xs"])["xs"]
    assert [s.scenario_id.rsplit("-", 2)[0] for s in xs if s.fault] == ["xs-link-down", "xs-link-down"]
    roles = sorted(s.fault.target["device"][:-1] for s in xs if s.fault)
    assert roles == ["leaf", "spine"]  # the two variants, in turn
    assert [s.scenario_id for s in xs if s.healthy] == ["xs-healthy-01"]
    assert all(s.campaign == "t-1" for s in xs)


def test_healthy_share_is_enforced(tmp_path: Path) -> None:
    campaign = load_campaign(_write(tmp_path, SMALL.replace("healthy: 1", "healthy: 0")))
    with pytest.raises(ScenarioError, match=r"below min_healthy_share.*scales\.xs\.healthy"):
        generate_campaign(campaign, ["xs"])


def test_unknown_scale_and_bad_fields(tmp_path: Path) -> None:
    campaign = load_campaign(_write(tmp_path, SMALL))
    with pytest.raises(ScenarioError, match="no counts for scale 'l'"):
        generate_campaign(campaign, ["l"])
    bad = _write(tmp_path, SMALL.replace("role: leaf", "role: router"))
    with pytest.raises(ScenarioError) as info:
        load_campaign(bad)
    assert info.value.field == "faults.0.variants.0.target.role" and str(bad) in str(info.value)


def test_invalid_fault_in_campaign_names_the_variant(tmp_path: Path) -> None:
    text = SMALL.replace(
        "- {target: {role: spine, interface: downlink}}",
        "- {target: {role: spine, interface: downlink}, params: {bogus: 1}}",
    )
    with pytest.raises(ScenarioError, match="variant 2") as info:
        generate_campaign(load_campaign(_write(tmp_path, text)), ["xs"])
    assert info.value.field.startswith("fault.params")


def test_duplicate_fault_entry_is_refused() -> None:
    data = {
        "version": "v",
        "seed": 1,
        "scales": {"xs": {"per_fault": 1, "healthy": 1}},
        "faults": [{"type": "link_down", "variants": [{"target": {"role": "leaf"}}]}] * 2,
    }
    with pytest.raises(ValueError, match="listed twice"):
        Campaign.model_validate(data)


def test_selectors() -> None:
    topo = build_topology("s")  # 2 spines, 4 leaves, 2 hosts per leaf
    assert len(candidates(topo, Sel(role="leaf", interface="uplink"))) == 4 * 2
    assert len(candidates(topo, Sel(role="spine", interface="downlink"))) == 2 * 4
    assert len(candidates(topo, Sel(role="leaf", interface="host"))) == 4 * 2
    assert len(candidates(topo, Sel(role="switch"))) == 6
    remote = candidates(topo, Sel(role="leaf", prefix="remote_host_subnet"))
    assert len(remote) == 4 * 6 and all(p.prefix and p.prefix.endswith(".0/24") for p in remote)
    own = candidates(topo, Sel(role="leaf", prefix="own_host_subnet"))
    assert {p.prefix_label for p in own if p.device == "leaf1"} == {"h1-net", "h2-net"}
    hosts = candidates(topo, Sel(role="spine", prefix="remote_host_address"))
    assert len(hosts) == 2 * 8 and all(p.prefix and p.prefix.endswith("/32") for p in hosts)


TIERED = (
    SMALL
    + """
  - type: bgpd_crash
    tier: hard
    variants:
      - {target: {role: spine}}
  - type: host_wrong_gateway
    tier: hard
    variants:
      - {target: {role: host}}
tiers:
  hard: {scales: {xs: {per_fault: 1, healthy: 1}}}
"""
)


def test_a_tier_is_generated_apart_from_the_standard_one(tmp_path: Path) -> None:
    campaign = load_campaign(_write(tmp_path, TIERED))
    standard = generate_campaign(campaign, ["xs"])["xs"]
    assert {s.fault.type for s in standard if s.fault} == {"link_down"}
    hard = generate_campaign(campaign, ["xs"], "hard")["xs"]
    # the tier is in the id, so `xs-healthy-01` of the standard tier never clashes
    assert [s.scenario_id.rsplit("-", 1)[0] for s in hard] == [
        "xs-hard-bgpd-crash",
        "xs-hard-healthy",
        "xs-hard-host-wrong-gateway",
    ]
    assert {s.tier for s in hard} == {"hard"} and {s.tier for s in standard} == {"standard"}
    out = write_campaign(campaign, ["xs"], tmp_path / "gen")
    assert sorted(out) == ["hard/xs", "xs"]
    assert {p.parent for p in out["hard/xs"]} == {tmp_path / "gen" / "hard" / "xs"}
    assert "tier: hard" in out["hard/xs"][0].read_text() and "tier:" not in out["xs"][0].read_text()


def test_tier_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="fault 'bgpd_crash' is in tier 'nope'"):
        load_campaign(_write(tmp_path, TIERED.replace("tier: hard", "tier: nope", 1)))
    with pytest.raises(ScenarioError, match="other than 'standard'"):
        load_campaign(_write(tmp_path, TIERED.replace("  hard: {scales", "  standard: {scales")))
    starved = load_campaign(_write(tmp_path, TIERED.replace("healthy: 1}}}", "healthy: 0}}}")))
    with pytest.raises(ScenarioError, match=r"tier hard, scale xs") as err:
        generate_campaign(starved, ["xs"], "hard")
    assert err.value.field == "tiers.hard.scales.xs.healthy"


def test_host_selector() -> None:
    topo = build_topology("s")
    hosts = candidates(topo, Sel(role="host"))
    assert [p.device for p in hosts] == [h.name for h in topo.hosts] and len(hosts) == 8
    h3 = next(p for p in hosts if p.device == "h3")
    owners = {
        resolve_params({"owner": "$other_host"}, topo, h3, random.Random(i))["owner"] for i in range(40)
    }
    assert owners == {h.name for h in topo.hosts} - {"h3"}


HARD_KINDS = """
version: "t-2"
seed: 3
scales: {xs: {per_fault: 1, healthy: 1}}
tiers:
  hard:
    scales: {xs: {per_fault: 1, healthy: 2}, s: {per_fault: 2, healthy: 3}}
    healthy_herrings:
      - [{type: bgp_session_reset, target: {role: leaf, interface: uplink}, params: {peer: $peer_ip}}]
      - []
faults:
  - type: link_down
    variants:
      - {target: {role: leaf, interface: uplink}}
  - type: packet_loss
    tier: hard
    variants:
      - {target: {role: leaf, interface: uplink}, hint: intermittent, params: {loss_pct: 40},
         schedule: {on_s: 3, off_s: 4}}
  - type: link_down
    tier: hard
    variants:
      - {target: {role: leaf, interface: uplink}, hint: herring,
         herrings: [{type: link_flap_recovered, target: {role: leaf, interface: uplink}}]}
compounds:
  - hint: wire-daemon
    tier: hard
    parts:
      - {type: packet_loss, target: {role: leaf, interface: uplink}, params: {loss_pct: 30}}
      - {type: bgpd_crash, target: {role: spine}}
"""


def test_hard_kinds_are_generated(tmp_path: Path) -> None:
    campaign = load_campaign(_write(tmp_path, HARD_KINDS))
    for scale in ("xs", "s"):
        topo = build_topology(scale)
        hard = {s.scenario_id: s for s in generate_campaign(campaign, [scale], "hard")[scale]}
        # the same type may sit in two tiers (a plain link_down, and one with a red herring)
        intermittent = [s for s in hard.values() if s.fault and s.fault.schedule is not None]
        assert intermittent and all(s.fault and s.fault.type == "packet_loss" for s in intermittent)
        compounds = [s for s in hard.values() if s.compound]
        stem = f"{scale}-hard-compound-wire-daemon-"
        assert compounds and all(s.scenario_id.startswith(stem) for s in compounds)
        for case in compounds:
            loss, crash = case.fault_specs
            link_devices = {loss.target["device"]}
            link_devices.add(
                topo.device(loss.target["device"]).interface(loss.target["interface"]).peer_device
            )
            # each fault on its own devices: the daemon is never at either end of the lossy link
            assert crash.target["device"] not in link_devices
        herring_cases = [s for s in hard.values() if s.red_herrings and s.fault_specs]
        assert herring_cases
        for case in herring_cases:
            fault = case.fault_specs[0]
            herring = case.red_herrings[0]
            fault_end = topo.device(fault.target["device"]).interface(fault.target["interface"]).peer_device
            touched = {herring.target["device"]}
            if herring.target.get("interface"):
                itf = topo.device(herring.target["device"]).interface(herring.target["interface"])
                touched.add(itf.peer_device)
            assert touched.isdisjoint({fault.target["device"], fault_end}), case.scenario_id
        healthy = sorted((s for s in hard.values() if s.healthy), key=lambda s: s.scenario_id)
        # healthy case 1 has the BGP reset, case 2 is plain, case 3 (s) cycles back to the reset
        assert [len(s.red_herrings) for s in healthy] == [1, 0, 1][: len(healthy)]
        reset = healthy[0].red_herrings[0]
        peer = topo.device(reset.target["device"]).interface(reset.target["interface"])
        assert reset.params["peer"] == topo.device(peer.peer_device).interface(peer.peer_interface).ip
    # generated files round-trip through the scenario loader
    out = write_campaign(campaign, ["xs"], tmp_path / "gen")
    from pytest_netopsbench.scenario import load_scenario

    for path in out["hard/xs"]:
        assert load_scenario(path).scenario_id == path.stem


def test_hard_kind_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="compound 'wire-daemon' is in tier 'nope'"):
        nope = HARD_KINDS.replace("    tier: hard\n    parts", "    tier: nope\n    parts")
        load_campaign(_write(tmp_path, nope))
    one_part = HARD_KINDS.replace("      - {type: bgpd_crash, target: {role: spine}}\n", "")
    with pytest.raises(ScenarioError) as err:
        load_campaign(_write(tmp_path, one_part))
    assert err.value.field is not None and err.value.field.startswith("compounds.0.parts")
    twice = HARD_KINDS.replace("  - type: link_down\n    tier: hard", "  - type: packet_loss\n    tier: hard")
    with pytest.raises(ScenarioError, match="'packet_loss' is listed twice in tier 'hard'"):
        load_campaign(_write(tmp_path, twice))
