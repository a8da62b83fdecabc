"""The checked-in campaign: determinism, counts, coverage of every fault at every scale, spread of
targets, and validity of every generated file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from pytest_netopsbench import faults
from pytest_netopsbench.campaign import generate_campaign, load_campaign, render_scenario, write_campaign
from pytest_netopsbench.scenario import Scenario, iter_scenarios
from pytest_netopsbench.topology import build_topology

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "scenarios" / "campaign.yaml"
GENERATED = ROOT / "scenarios" / "generated"
SCALES = ("xs", "s", "m", "l", "xl")
# NetOpsBench's campaign sizes; ours must be at least as large
MINIMUM = {"xs": 14, "s": 15, "m": 28, "l": 52, "xl": 60}


@pytest.fixture(scope="module")
def generated() -> dict[str, list[Scenario]]:
    return generate_campaign(load_campaign(CAMPAIGN), SCALES)


def test_checked_in_files_match_the_campaign() -> None:
    stale = write_campaign(load_campaign(CAMPAIGN), SCALES, GENERATED, check=True)
    drift = [str(p.relative_to(ROOT)) for paths in stale.values() for p in paths]
    assert drift == [], "run: netopsbench benchmark prepare --scales xs,s,m,l,xl"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    campaign = load_campaign(CAMPAIGN)
    write_campaign(campaign, ["xs", "m"], tmp_path / "a")
    write_campaign(campaign, ["m", "xs"], tmp_path / "b")
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.yaml")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.yaml")}
    assert a == b and len(a) == len(generate_campaign(campaign, ["xs", "m"])["xs"]) + len(
        generate_campaign(campaign, ["m"])["m"]
    )


@pytest.mark.parametrize("scale", SCALES)
def test_counts_and_healthy_share(generated: dict[str, list[Scenario]], scale: str) -> None:
    scenarios = generated[scale]
    assert len(scenarios) >= MINIMUM[scale]
    healthy = sum(s.healthy for s in scenarios)
    assert healthy / len(scenarios) >= 0.15
    files = sorted((GENERATED / scale).glob("*.yaml"))
    assert len(files) == len(scenarios)


@pytest.mark.parametrize("scale", SCALES)
def test_every_builtin_fault_at_every_scale(generated: dict[str, list[Scenario]], scale: str) -> None:
    builtin = {cls.name for cls in faults.all_faults() if cls.__module__.startswith("pytest_netopsbench.")}
    present = {s.fault.type for s in generated[scale] if s.fault is not None}
    assert builtin - present == set()
    # at least NetOpsBench's twelve, plus congestion and a gray failure
    assert len(builtin) >= 14


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


def test_ids_are_readable_unique_and_carry_the_version(generated: dict[str, list[Scenario]]) -> None:
    version = load_campaign(CAMPAIGN).version
    ids = [s.scenario_id for scale in SCALES for s in generated[scale]]
    assert len(ids) == len(set(ids))
    for scale in SCALES:
        for s in generated[scale]:
            assert s.campaign == version
            assert s.scenario_id.startswith(f"{scale}-")
            expected = "healthy" if s.fault is None else s.fault.type.replace("_", "-")
            assert re.match(rf"^{scale}-{expected}(-[a-z0-9-]+)?$", s.scenario_id), s.scenario_id


def test_healthy_cases_look_like_fault_cases(generated: dict[str, list[Scenario]]) -> None:
    """Nothing but the network's behaviour tells them apart: same traffic, timing, topology."""
    for scale in SCALES:
        shapes = {(s.traffic, s.timing.model_dump_json(), s.topology.scale) for s in generated[scale]}
        assert len(shapes) == 1, scale


def test_every_generated_file_validates() -> None:
    seen = list(iter_scenarios([GENERATED], validate=True))
    assert len(seen) == sum(1 for _ in GENERATED.rglob("*.yaml"))
    for path, scenario in seen:
        assert path.name == f"{scenario.scenario_id}.yaml"
        assert path.parent.name == scenario.scale


def test_rendering_round_trips(generated: dict[str, list[Scenario]]) -> None:
    import yaml

    for s in generated["xs"]:
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
