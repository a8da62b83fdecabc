"""``netopsbench benchmark prepare`` and ``netopsbench scenario list|validate``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_netopsbench.campaign import load_campaign
from pytest_netopsbench.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "scenarios" / "campaign.yaml"
GENERATED = ROOT / "scenarios" / "generated"
VERSION = load_campaign(CAMPAIGN).version


def test_prepare_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gen"
    base = ["benchmark", "prepare", "--campaign", str(CAMPAIGN), "--out", str(out)]
    assert main([*base, "--scales", "xs,s"]) == 0
    text = capsys.readouterr().out
    assert f"campaign {VERSION}" in text and "standard xs:" in text and "hard xs:" in text
    for folder in ("xs", "s", "hard/xs", "hard/s"):
        mine = sorted(p.name for p in (out / folder).glob("*.yaml"))
        assert mine and mine == sorted(p.name for p in (GENERATED / folder).glob("*.yaml"))
        for name in mine:
            assert (out / folder / name).read_bytes() == (GENERATED / folder / name).read_bytes()
    args = [*base, "--scales", "xs", "--check"]
    assert main(args) == 0
    victim = next((out / "xs").glob("*link-down*.yaml"))
    victim.write_text(victim.read_text().replace("difficulty: easy", "difficulty: hard"))
    assert main(args) == 1
    assert f"out of date: {victim}" in capsys.readouterr().out


def test_prepare_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["benchmark", "prepare", "--campaign", str(tmp_path / "none.yaml")]) == 1
    assert "campaign file not found" in capsys.readouterr().err
    assert (
        main(["benchmark", "prepare", "--scales", "xxl", "--campaign", str(CAMPAIGN), "--out", str(tmp_path)])
        == 1
    )
    assert "unknown scale 'xxl'" in capsys.readouterr().err


def test_scenario_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "list", str(GENERATED / "xs")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["scenario_id", "scale", "fault", "target", "difficulty"]
    row = next(line for line in out if line.startswith("xs-link-down-"))
    assert "link_down" in row and ":eth" in row
    assert out[-1] == f"{len(list((GENERATED / 'xs').glob('*.yaml')))} scenario(s)"
    assert main(["scenario", "list", str(GENERATED / "xs"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["fault"] for r in rows} >= {"link_down", "healthy"}
    assert all(r["campaign"] == VERSION and r["scale"] == "xs" for r in rows)


def test_scenario_validate_generated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "validate", str(GENERATED / "xs"), str(GENERATED / "s")]) == 0
    assert "0 invalid" in capsys.readouterr().out


def test_scenario_validate_lists_every_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = next((GENERATED / "xs").glob("xs-link-down-*.yaml"))
    shutil.copy(good, tmp_path / "good.yaml")
    (tmp_path / "bad-device.yaml").write_text(
        "scenario_id: bad-device\nname: x\ntopology: {scale: xs}\n"
        "fault: {type: link_down, target: {device: leaf9, interface: eth1}}\n"
    )
    (tmp_path / "bad-type.yaml").write_text(
        "scenario_id: bad-type\nname: x\ntopology: {scale: xs}\n"
        "fault: {type: solar_flare, target: {device: leaf1}}\n"
    )
    (tmp_path / "dup.yaml").write_text(good.read_text())
    (tmp_path / "ci.yaml").write_text("jobs: {test: {runs-on: x}}\n")  # not a scenario: ignored
    assert main(["scenario", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'bad-device.yaml'}:fault.target.device" in out and "leaf9" in out
    assert f"{tmp_path / 'bad-type.yaml'}:fault.type" in out and "solar_flare" in out
    assert "is also used by" in out
    assert "ci.yaml" not in out
    assert "3 invalid of 4 file(s)" in out
    # a non-scenario file named explicitly is reported, not silently skipped
    assert main(["scenario", "validate", str(tmp_path / "ci.yaml")]) == 1
    assert "not a scenario file" in capsys.readouterr().out
