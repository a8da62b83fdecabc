"""The checked-in campaign: determinism, counts, coverage of every fault at every scale, spread of
targets, and validity of every generated file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from pytest_netopsbench import faults
from pytest_netopsbench.campaign import (
    generate_campaign,
    load_campaign,
    render_scenario,
    tier_folder,
    write_campaign,
)
from pytest_netopsbench.scenario import Scenario, iter_scenarios
from pytest_netopsbench.topology import build_topology

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "scenarios" / "campaign.yaml"
GENERATED = ROOT / "scenarios" / "generated"
SCALES = ("xs", "s", "m", "l", "xl")
TIERS = ("standard", "hard")
# NetOpsBench's campaign sizes; our standard tier must be at least as large
MINIMUM = {"xs": 14, "s": 15, "m": 28, "l": 52, "xl": 60}
# the main job (scripts/main.sh) runs the standard xs tier and must stay under 5 minutes
STANDARD_XS = 18


@pytest.fixture(scope="module")
def generated() -> dict[str, list[Scenario]]:
    """The standard tier per scale."""
    return generate_campaign(load_campaign(CAMPAIGN), SCALES)


@pytest.fixture(scope="module")
def tiers() -> dict[str, dict[str, list[Scenario]]]:
    campaign = load_campaign(CAMPAIGN)
    return {tier: generate_campaign(campaign, SCALES, tier) for tier in campaign.tier_names}


def test_the_campaign_has_the_expected_tiers() -> None:
    assert tuple(load_campaign(CAMPAIGN).tier_names) == TIERS


def test_checked_in_files_match_the_campaign() -> None:
    stale = write_campaign(load_campaign(CAMPAIGN), SCALES, GENERATED, check=True)
    assert set(stale) == {tier_folder("", t, s).as_posix() for t in TIERS for s in SCALES}
    drift = [str(p.relative_to(ROOT)) for paths in stale.values() for p in paths]
    assert drift == [], "run: netopsbench benchmark prepare --scales xs,s,m,l,xl"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    campaign = load_campaign(CAMPAIGN)
    write_campaign(campaign, ["xs", "m"], tmp_path / "a")
    write_campaign(campaign, ["m", "xs"], tmp_path / "b")
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.yaml")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.yaml")}
    expected = sum(
        len(cases) for tier in TIERS for cases in generate_campaign(campaign, ["xs", "m"], tier).values()
    )
    assert a == b and len(a) == expected


def test_standard_xs_keeps_the_main_job_size(generated: dict[str, list[Scenario]]) -> None:
    assert len(generated["xs"]) == STANDARD_XS
    assert all(s.tier == "standard" for scale in SCALES for s in generated[scale])


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("scale", SCALES)
def test_counts_and_healthy_share(tiers: dict[str, dict[str, list[Scenario]]], tier: str, scale: str) -> None:
    scenarios = tiers[tier][scale]
    if tier == "standard":
        assert len(scenarios) >= MINIMUM[scale]
    healthy = sum(s.healthy for s in scenarios)
    assert healthy >= 1 and healthy / len(scenarios) >= 0.15
    assert {s.tier for s in scenarios} == {tier}
    files = sorted(tier_folder(GENERATED, tier, scale).glob("*.yaml"))
    assert [f.stem for f in files] == [s.scenario_id for s in scenarios]


@pytest.mark.parametrize("scale", SCALES)
def test_every_builtin_fault_at_every_scale(tiers: dict[str, dict[str, list[Scenario]]], scale: str) -> None:
    builtin = {cls.name for cls in faults.all_faults() if cls.__module__.startswith("pytest_netopsbench.")}
    present = {f.type for tier in TIERS for s in tiers[tier][scale] for f in s.fault_specs}
    assert builtin - present == set()
    # NetOpsBench's twelve, congestion, two gray failures, and the hard tier's sixteen
    assert len(builtin) >= 30


def _plain(s: Scenario) -> bool:
    """One fault, always on, nothing else happening."""
    return s.fault is not None and s.fault.schedule is None and not s.red_herrings


def test_each_fault_type_is_in_one_tier(tiers: dict[str, dict[str, list[Scenario]]]) -> None:
    """A fault type's plain cases sit in one tier; the hard tier may reuse a standard type only
    intermittently, beside a red herring, or as part of a compound case."""
    owner: dict[str, set[str]] = {}
    for tier in TIERS:
        for scale in SCALES:
            for s in tiers[tier][scale]:
                if s.fault is not None and _plain(s):
                    owner.setdefault(s.fault.type, set()).add(tier)
    assert all(len(t) == 1 for t in owner.values()), owner
    hard = {f for f, t in owner.items() if t == {"hard"}}
    assert {"bgpd_crash", "host_wrong_gateway", "host_wrong_netmask", "host_duplicate_address"} <= hard
    assert all(_plain(s) for scale in SCALES for s in tiers["standard"][scale] if s.fault_specs)
    assert not any(s.red_herrings for scale in SCALES for s in tiers["standard"][scale])


@pytest.mark.parametrize("scale", SCALES)
def test_hard_tier_has_every_kind(tiers: dict[str, dict[str, list[Scenario]]], scale: str) -> None:
    hard = tiers["hard"][scale]
    assert sum(s.compound for s in hard) >= 2
    assert any(s.fault and s.fault.schedule for s in hard)
    herrings = {h.type for s in hard for h in s.red_herrings}
    assert herrings == {"bgp_session_reset", "counter_burst", "link_flap_recovered"}
    # healthy cases with and without a benign event, and fault cases with one
    assert any(s.healthy and s.red_herrings for s in hard) and any(
        s.healthy and not s.red_herrings for s in hard
    )
    assert any(s.fault_specs and s.red_herrings for s in hard)


def test_hard_tier_spreads_over_devices(tiers: dict[str, dict[str, list[Scenario]]]) -> None:
    for scale in ("m", "l", "xl"):
        topo = build_topology(scale)
        specs = [f for s in tiers["hard"][scale] for f in s.fault_specs]
        roles = Counter(topo.device(f.target["device"]).role.value for f in specs)
        assert roles["leaf"] > 0 and roles["spine"] > 0 and roles["host"] > 0, (scale, roles)
        devices = Counter(f.target["device"] for f in specs)
        assert max(devices.values()) <= len(specs) / 4, (scale, devices.most_common(3))


def test_targets_spread_over_the_fabric(generated: dict[str, list[Scenario]]) -> None:
    for scale in ("m", "l", "xl"):
        topo = build_topology(scale)
        fault_cases = [s for s in generated[scale] if s.fault is not None]
        roles = Counter(topo.device(s.fault.target["device"]).role.value for s in fault_cases if s.fault)
        assert roles["leaf"] > 0 and roles["spine"] > 0, scale
        devices = Counter(s.fault.target["device"] for s in fault_cases if s.fault)
        # no switch carries more than a quarter of a scale's faults: naming one device cannot win
        assert max(devices.values()) <= len(fault_cases) / 4, (scale, devices.most_common(3))
        kinds = Counter(
            topo.device(s.fault.target["device"]).interface(s.fault.target["interface"]).kind
            for s in fault_cases
            if s.fault and "interface" in s.fault.target
        )
        assert kinds["uplink"] > 0 and kinds["downlink"] > 0, (scale, kinds)
    everywhere = [s for scale in SCALES for s in generated[scale] if s.fault is not None]
    bgp = [s.fault for s in everywhere if s.fault and s.fault.type == "bgp_neighbor_misconfig"]
    bgp_kinds = {f.params["kind"] for f in bgp}
    assert bgp_kinds == {"remote_as_mismatch", "password_mismatch", "admin_shutdown"}
    link_ends = {
        build_topology(s.scale).device(s.fault.target["device"]).role.value
        for s in everywhere
        if s.fault and s.fault.type == "link_down"
    }
    assert link_ends == {"leaf", "spine"}  # both ends of fabric links get cut


def test_ids_are_readable_unique_and_carry_the_version(tiers: dict[str, dict[str, list[Scenario]]]) -> None:
    version = load_campaign(CAMPAIGN).version
    ids = [s.scenario_id for tier in TIERS for scale in SCALES for s in tiers[tier][scale]]
    assert len(ids) == len(set(ids))
    for tier in TIERS:
        # the standard tier keeps its ids (reports stay comparable); others say their tier
        stem = "{scale}" if tier == "standard" else f"{{scale}}-{tier}"
        for scale in SCALES:
            for s in tiers[tier][scale]:
                assert s.campaign == version
                expected = (
                    "healthy"
                    if s.healthy
                    else "compound"
                    if s.compound
                    else s.fault_specs[0].type.replace("_", "-")
                )
                prefix = stem.format(scale=scale)
                assert re.match(rf"^{prefix}-{expected}(-[a-z0-9-]+)?$", s.scenario_id), s.scenario_id


def test_healthy_cases_look_like_fault_cases(tiers: dict[str, dict[str, list[Scenario]]]) -> None:
    """Nothing but the network's behaviour tells them apart: same traffic, timing, topology."""
    for scale in SCALES:
        cases = [s for tier in TIERS for s in tiers[tier][scale]]
        shapes = {(s.traffic, s.timing.model_dump_json(), s.topology.scale) for s in cases}
        assert len(shapes) == 1, scale


def test_every_generated_file_validates() -> None:
    seen = list(iter_scenarios([GENERATED], validate=True))
    assert len(seen) == sum(1 for _ in GENERATED.rglob("*.yaml"))
    for path, scenario in seen:
        assert path.name == f"{scenario.scenario_id}.yaml"
        assert path.parent == tier_folder(GENERATED, scenario.tier, scenario.scale)


def test_rendering_round_trips(generated: dict[str, list[Scenario]]) -> None:
    import yaml

    for s in [*generated["xs"], *generate_campaign(load_campaign(CAMPAIGN), ["xs"], "hard")["xs"]]:
        text = render_scenario(s)
        assert text.startswith("# Generated by")
        assert Scenario.model_validate(yaml.safe_load(text)) == s


def test_stale_generated_files_are_removed_but_hand_written_kept(tmp_path: Path) -> None:
    campaign = load_campaign(CAMPAIGN)
    write_campaign(campaign, ["xs"], tmp_path)
    stale = tmp_path / "xs" / "xs-old-case.yaml"
    stale.write_text("# Generated by `netopsbench benchmark prepare` from the campaign 0.\nscenario_id: x\n")
    mine = tmp_path / "xs" / "my-case.yaml"
    mine.write_text("scenario_id: my-case\nname: mine\n")
    assert stale in write_campaign(campaign, ["xs"], tmp_path, check=True)["xs"]
    write_campaign(campaign, ["xs"], tmp_path)
    assert not stale.exists() and mine.exists()
