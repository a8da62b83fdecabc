"""load_scenario / validate_scenario / is_scenario_file / iter_scenarios: errors name file, field, line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_netopsbench.errors import ScenarioError
from pytest_netopsbench.scenario import is_scenario_file, iter_scenarios, load_scenario, validate_scenario

GOOD = """\
scenario_id: link-down-leaf1-uplink
name: Leaf uplink down
topology: {scale: xs}
difficulty: easy
tags: [link]
fault:
  type: link_down
  target: {device: leaf1, interface: eth1}
timing: {baseline_s: 10, observe_s: 10}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_and_validates_a_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, "good.yaml", GOOD)
    scenario = load_scenario(path)
    validate_scenario(scenario, path)
    assert scenario.scale == "xs" and scenario.fault is not None and scenario.timing.observe_s == 10


@pytest.mark.parametrize(
    ("text", "is_scenario"),
    [
        (GOOD, True),
        ("jobs: {build: {}}\n", False),
        ("- scenario_id: x\n", False),  # a list, not a mapping
        ("{scenario_id: flow-style, name: x}\n", True),
        ("scenario_id: broken\nname: [unclosed\n", True),  # reported, not silently skipped
        ("description: mentions scenario_id in text\n", False),
    ],
)
def test_collection_rule(tmp_path: Path, text: str, is_scenario: bool) -> None:
    assert is_scenario_file(write(tmp_path, "f.yaml", text)) is is_scenario


def test_not_yaml_suffix_is_never_a_scenario(tmp_path: Path) -> None:
    assert not is_scenario_file(write(tmp_path, "f.json", GOOD))


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (GOOD.replace("name: Leaf uplink down\n", ""), "name", "required field is missing"),
        (GOOD.replace("difficulty: easy", "difficulty: trivial"), "difficulty", "line 4"),
        (
            GOOD.replace("scenario_id: link-down-leaf1-uplink", "scenario_id: Link Down"),
            "scenario_id",
            "slug",
        ),
        (GOOD + "extra_key: 1\n", "extra_key", "unknown field"),
        (GOOD.replace("baseline_s: 10", "baseline_s: 0"), "timing.baseline_s", "greater than or equal"),
    ],
)
def test_schema_errors_name_field_and_line(tmp_path: Path, text: str, field: str, fragment: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == field and info.value.file == str(path)
    assert fragment in str(info.value)


def test_syntax_error_names_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"not valid YAML \(line 2"):
        load_scenario(write(tmp_path, "bad.yaml", "scenario_id: x\nname: a: b\n"))


@pytest.mark.parametrize(
    ("target", "field", "fragment"),
    [
        ("{device: leaf9, interface: eth1}", "fault.target.device", "leaf9"),
        ("{device: leaf1, interface: eth9}", "fault.target.interface", "eth9"),
    ],
)
def test_validation_against_the_topology(tmp_path: Path, target: str, field: str, fragment: str) -> None:
    path = write(tmp_path, "bad.yaml", GOOD.replace("{device: leaf1, interface: eth1}", target))
    with pytest.raises(ScenarioError) as info:
        validate_scenario(load_scenario(path), path)
    assert info.value.field == field and fragment in str(info.value)


def test_validation_against_the_fault_registry(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", GOOD.replace("type: link_down", "type: teleport"))
    with pytest.raises(ScenarioError) as info:
        validate_scenario(load_scenario(path), path)
    assert info.value.field.startswith("fault") and "teleport" in str(info.value)


def test_iter_scenarios_is_sorted_and_skips_other_yaml(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", GOOD.replace("link-down-leaf1-uplink", "b-case"))
    write(tmp_path, "a.yml", GOOD.replace("link-down-leaf1-uplink", "a-case"))
    write(tmp_path, "ci.yaml", "jobs: {}\n")
    assert [s.scenario_id for _, s in iter_scenarios([tmp_path])] == ["a-case", "b-case"]
    with pytest.raises(ScenarioError, match="no such file"):
        list(iter_scenarios([tmp_path / "missing"]))
