"""Collection, ids, selection, invalid files and the missing-agent error (no lab needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from plugin_helpers import LINK_DOWN, scenario


@pytest.fixture
def tree(pytester: pytest.Pytester) -> pytest.Pytester:
    scenario(
        pytester,
        "scenarios/link.yaml",
        "link-down-leaf1-uplink",
        fault=LINK_DOWN,
        difficulty="easy",
        tags=["link"],
    )
    scenario(pytester, "scenarios/deep/healthy.yml", "healthy-xs", difficulty="hard")
    scenario(
        pytester,
        "scenarios/bgp.yaml",
        "bgp-misconfig-spine1",
        difficulty="hard",
        tier="hard",
        fault={"type": "bgp_neighbor_misconfig", "target": {"device": "spine1"}},
    )
    # YAML that is not a scenario: must be ignored, not reported
    pytester.makefile(".yaml", **{"scenarios/ci": "jobs:\n  build: {runs-on: ubuntu}\n"})
    pytester.makefile(".yml", **{"scenarios/compose": "services:\n  web: {image: nginx}\n"})
    pytester.makefile(".yaml", **{"scenarios/list": "- scenario_id: not-a-mapping\n"})
    return pytester


def ids(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line]


def test_collect_only_lists_scenarios_without_an_agent(tree: pytest.Pytester) -> None:
    result = tree.runpytest("--collect-only", "-q", "--strict-markers")
    assert result.ret == 0, result.stdout.str()
    assert sorted(ids(result)) == [
        "scenarios/bgp.yaml::bgp-misconfig-spine1",
        "scenarios/deep/healthy.yml::healthy-xs",
        "scenarios/link.yaml::link-down-leaf1-uplink",
    ]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (["-k", "link-down"], ["link-down-leaf1-uplink"]),
        (["-k", "xs and not bgp"], ["healthy-xs", "link-down-leaf1-uplink"]),
        (["-m", "link_down and easy"], ["link-down-leaf1-uplink"]),
        (["-m", "bgp_neighbor_misconfig and not hard"], []),
        (["-m", "healthy"], ["healthy-xs"]),
        (["-m", "link"], ["link-down-leaf1-uplink"]),  # a scenario tag
        (["-m", "xs and hard"], ["bgp-misconfig-spine1", "healthy-xs"]),
        (["-m", "tier_hard"], ["bgp-misconfig-spine1"]),  # the campaign tier, not the difficulty
        (["-m", "tier_standard"], ["healthy-xs", "link-down-leaf1-uplink"]),
    ],
)
def test_k_and_m_select_scenarios(tree: pytest.Pytester, selection: list[str], expected: list[str]) -> None:
    result = tree.runpytest("--collect-only", "-q", "--strict-markers", *selection)
    assert sorted(line.split("::")[1] for line in ids(result)) == expected


def test_repeat_gives_stable_trial_ids(tree: pytest.Pytester) -> None:
    result = tree.runpytest("--collect-only", "-q", "--netopsbench-repeat", "3", "-k", "healthy")
    assert ids(result) == [f"scenarios/deep/healthy.yml::healthy-xs[trial{k}]" for k in (1, 2, 3)]
    one = tree.runpytest("--collect-only", "-q", "--netopsbench-repeat", "3", "-k", "healthy and trial2")
    assert ids(one) == ["scenarios/deep/healthy.yml::healthy-xs[trial2]"]


def test_items_are_sorted_by_scale(pytester: pytest.Pytester) -> None:
    scenario(pytester, "a.yaml", "a-small", topology={"scale": "s"})
    scenario(pytester, "b.yaml", "b-xs")
    result = pytester.runpytest("--collect-only", "-q")
    assert ids(result) == ["b.yaml::b-xs", "a.yaml::a-small"]


def test_invalid_file_names_file_field_and_problem(tree: pytest.Pytester) -> None:
    scenario(
        tree,
        "scenarios/bad_iface.yaml",
        "bad-iface",
        fault={"type": "link_down", "target": {"device": "leaf1", "interface": "eth9"}},
    )
    tree.makefile(
        ".yaml",
        **{
            "scenarios/typo": (
                "scenario_id: typo\nname: typo\nfault:\n  type: link_down\n"
                "  target: {device: leaf1, interface: eth1}\n  parms: {}\n"
            )
        },
    )
    scenario(
        tree,
        "scenarios/no_such_fault.yaml",
        "no-such-fault",
        fault={"type": "teleport", "target": {"device": "leaf1"}},
    )
    result = tree.runpytest("--collect-only", "-q")
    out = result.stdout.str()
    assert "scenarios/bad_iface.yaml:fault.target.interface: leaf1 has no interface 'eth9'" in out
    assert "scenarios/typo.yaml:fault.parms: unknown field" in out and "(line 6)" in out
    assert "scenarios/no_such_fault.yaml:fault" in out and "teleport" in out
    assert "Traceback" not in out
    # the valid files still collect
    assert len(ids(result)) == 3
    result.stdout.fnmatch_lines(["*3 tests collected, 3 errors*"])


def test_missing_agent_is_one_usage_error(tree: pytest.Pytester) -> None:
    result = tree.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().count("no agent is configured") == 1
    assert "netopsbench-agent=module:attr" in result.stderr.str()


def test_missing_agent_under_xdist_is_one_usage_error(tree: pytest.Pytester) -> None:
    result = tree.runpytest("-n", "2", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stdout.str().count("no agent is configured") == 1
    assert "INTERNALERROR" not in result.stdout.str()


def test_plain_python_tests_need_no_agent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_x():\n    assert True\n")
    pytester.makefile(".yaml", ci="jobs: {}\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_bad_agent_spec_is_a_usage_error(tree: pytest.Pytester) -> None:
    result = tree.runpytest("--netopsbench-agent=no_such_module_xyz:Agent")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "cannot import module 'no_such_module_xyz'" in result.stderr.str()
    tree.makepyfile(notanagent="class Thing:\n    pass\n")
    tree.syspathinsert()
    result = tree.runpytest("--netopsbench-agent=notanagent:Thing")
    assert "has no diagnose(context) method" in result.stderr.str()


def test_options_are_ini_settable(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nnetopsbench_agent = pkg.mod:Agent\nnetopsbench_pass_score = 0.5\n"
        "netopsbench_agent_timeout = 12\nnetopsbench_repeat = 2\nnetopsbench_keep_lab = true\n"
        "netopsbench_no_trace = true\nnetopsbench_runtime = containerlab\n"
    )
    from pytest_netopsbench.plugin._runner import SETTINGS

    settings = pytester.parseconfigure().stash[SETTINGS]
    assert (settings.agent, settings.pass_score, settings.agent_timeout) == ("pkg.mod:Agent", 0.5, 12.0)
    assert (settings.repeat, settings.keep_lab, settings.trace, settings.runtime) == (
        2,
        True,
        False,
        "containerlab",
    )
    override = pytester.parseconfigure("--netopsbench-pass-score=0.75").stash[SETTINGS]
    assert override.pass_score == 0.75


def test_bad_option_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--netopsbench-pass-score=2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--netopsbench-pass-score=2: must be a number between 0 and 1" in result.stderr.str()


def test_markers_lists_every_fault_type_alias_and_campaign_tag(pytester: pytest.Pytester) -> None:
    from pytest_netopsbench.faults import fault_names, registry

    (pytester.path / "scenarios").mkdir()
    campaign = Path(__file__).resolve().parents[2] / "scenarios" / "campaign.yaml"
    (pytester.path / "scenarios" / "campaign.yaml").write_text(campaign.read_text())
    tags = {t for e in yaml.safe_load(campaign.read_text())["faults"] for t in e.get("tags", [])}
    result = pytester.runpytest("--markers")
    assert result.ret == 0
    listed = {line.split(":", 1)[0].removeprefix("@pytest.mark.") for line in result.outlines}
    aliases = registry.aliases()
    assert {"interface_down", "gray_failure"} <= set(aliases) and tags
    tiers = {"tier_standard", "tier_hard"}
    missing = (set(fault_names()) | set(aliases) | tags | tiers | {"xs", "healthy", "hard"}) - listed
    assert not missing, f"not listed by --markers: {sorted(missing)}"
    line = next(x for x in result.outlines if x.startswith("@pytest.mark.interface_down:"))
    assert "alias of link_down" in line


def test_m_accepts_fault_type_aliases_under_strict_markers(tree: pytest.Pytester) -> None:
    expr = "interface_down or bgp_misconfig"
    result = tree.runpytest("--collect-only", "-q", "--strict-markers", "-m", expr)
    assert result.ret == 0, result.stdout.str()
    assert sorted(x.split("::")[1] for x in ids(result)) == ["bgp-misconfig-spine1", "link-down-leaf1-uplink"]
