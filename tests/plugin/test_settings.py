"""One ``Settings`` model behind the plugin options, `netopsbench run` and the SDK: each front end
spells every field, and a bad value is one line naming the option, the value and what is accepted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_netopsbench.sdk import RunOptions
from pytest_netopsbench.settings import SettingField, SettingsError, setting_fields

REPO = Path(__file__).resolve().parents[2]
XS = REPO / "scenarios" / "generated" / "xs"

# (field, bad value, what the message must say is accepted)
BAD = [
    ("pass_score", "2", "must be a number between 0 and 1"),
    ("agent_timeout", "abc", "must be a number greater than 0"),
    ("repeat", "0", "must be a whole number between 1 and 1000"),
    ("run_id", "../up", "must be 1-128 letters, digits"),
]


def _field(name: str) -> SettingField:
    return next(f for f in setting_fields() if f.name == name)


@pytest.mark.parametrize(("name", "value", "accepts"), BAD)
def test_plugin_bad_value_is_one_usage_error_line(
    pytester: pytest.Pytester, name: str, value: str, accepts: str
) -> None:
    option = _field(name).option
    result = pytester.runpytest(f"{option}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [ln for ln in result.stderr.lines if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: netopsbench: {option}={value}: {accepts}"), lines


def test_plugin_bad_ini_value_names_the_ini_key(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nnetopsbench_pass_score = 1.5\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "netopsbench: ini netopsbench_pass_score=1.5: must be a number between 0 and 1" in result.stderr.str()
    )


@pytest.mark.parametrize(("name", "value", "accepts"), BAD)
def test_cli_bad_value_is_an_argparse_error(name: str, value: str, accepts: str) -> None:
    flag = _field(name).cli_flags[-1]
    done = subprocess.run(
        [sys.executable, "-m", "pytest_netopsbench.cli", "run", str(XS), "--agent", "m:A", flag, value],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]  # argparse: the usage, then the one error line
    assert last.startswith(f"netopsbench run: error: {flag}={value}: {accepts}"), done.stderr


def test_cli_bad_workers_and_scale() -> None:
    for args, message in (
        (["-n", "0"], "--workers=0: must be a whole number of at least 1"),
        (["--scale", "xxl"], "--scale=xxl: unknown scale 'xxl'"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "pytest_netopsbench.cli", "run", "--agent", "m:A", *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert done.returncode == 2 and f"netopsbench run: error: {message}" in done.stderr, done.stderr


@pytest.mark.parametrize(("name", "value", "accepts"), BAD[:3])
def test_sdk_bad_value_is_a_value_error(name: str, value: str, accepts: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{name}={value}: {accepts}")) as info:
        RunOptions(**{name: value})
    assert isinstance(info.value, SettingsError) and "\n" not in str(info.value)


def test_sdk_refuses_what_it_sets_itself_and_old_names() -> None:
    with pytest.raises(SettingsError, match=r"agent=m:A: not a run option: pass agent="):
        RunOptions(agent="m:A")
    with pytest.raises(SettingsError, match=r"keep_runtime=True: renamed: use keep_lab="):
        RunOptions(keep_runtime=True)
    with pytest.raises(SettingsError, match=r"colour=red: not a setting \(known: agent, "):
        RunOptions(colour="red")


def test_values_flow_from_every_front_end_to_the_same_settings(pytester: pytest.Pytester) -> None:
    from pytest_netopsbench.cli import build_parser
    from pytest_netopsbench.cli._run import read_settings
    from pytest_netopsbench.plugin._runner import SETTINGS

    plugin = pytester.parseconfigure(
        "--netopsbench-pass-score=0.5",
        "--netopsbench-repeat=3",
        "--netopsbench-lab=a,b",
        "--netopsbench-no-trace",
    ).stash[SETTINGS]
    cli = read_settings(
        build_parser().parse_args(
            ["run", "--pass-score", "0.5", "--repeat", "3", "--lab", "a,b", "--no-trace"]
        )
    )
    sdk = RunOptions(pass_score=0.5, repeat=3, trace=False)
    for s in (plugin, cli, sdk):
        assert (s.pass_score, s.repeat, s.trace) == (0.5, 3, False)
    assert plugin.labs == cli.labs == ["a", "b"]


def _options_table(doc: str) -> str:
    text = (REPO / "docs" / doc).read_text()
    return text.split("## Options", 1)[1].split("\n## ", 1)[0]


def test_docs_and_help_list_every_setting() -> None:
    plugin_table = _options_table("plugin.md")
    sdk_table = _options_table("sdk.md")
    cli_doc = (REPO / "docs" / "cli.md").read_text()
    help_text = subprocess.run(
        [sys.executable, "-m", "pytest_netopsbench.cli", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for f in setting_fields():
        if f.opt.pytest:
            assert f"`{f.option}" in plugin_table and f"`{f.ini}`" in plugin_table, f.name
        if f.opt.cli:
            assert all(flag in help_text for flag in f.cli_flags), f.name
            assert f"`{f.cli_flags[-1]}" in cli_doc, f.name
        if not f.opt.sdk_managed:
            assert f"| `{f.name}` |" in sdk_table, f.name
