"""Hostile scenario files are single-line errors naming the file (and line), and the other files
still collect: alias bombs, oversized files, non-UTF-8 bytes, ids with a trailing newline, pytest
marker names as tags, and a scenario_id used by two files."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from plugin_helpers import scenario

from pytest_netopsbench.errors import ScenarioError
from pytest_netopsbench.scenario import MAX_FILE_BYTES, is_scenario_file, load_scenario

HEAD = "scenario_id: hostile\nname: hostile\n"

# The bomb: 9 levels of 10 aliases is 10^9 leaves once expanded (4.4 GB at 10^7).
BOMB = (
    HEAD
    + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))
)

HOSTILE: dict[str, tuple[bytes, str]] = {
    "bomb": (BOMB.encode(), "anchors and aliases are not allowed in scenario files (anchor &a0, line 3)"),
    "alias-only-merge": (
        (HEAD + "timing: &t {baseline_s: 2}\ntopology: {scale: xs}\nextra: *t\n").encode(),
        "(anchor &t, line 3)",
    ),
    "huge": (
        (HEAD + "description: " + "x" * MAX_FILE_BYTES + "\n").encode(),
        "scenario files are limited to",
    ),
    "latin1": (
        (HEAD + "description: caf\xe9\n").encode("latin-1"),
        "not UTF-8 text: invalid byte 0xe9 (line 3)",
    ),
    "newline-id": (b'scenario_id: "x1\\n"\nname: n\n', "is not a slug"),
    "xfail-tag": ((HEAD + "tags: [link, xfail]\n").encode(), "tag 'xfail' is a pytest marker"),
    "skip-tag": ((HEAD + "tags: [skip]\n").encode(), "tag 'skip' is a pytest marker"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_is_one_line_error_naming_the_file(tmp_path: Path, kind: str) -> None:
    data, fragment = HOSTILE[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(data)
    assert is_scenario_file(path)  # reported, never silently dropped
    t0 = time.monotonic()
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert time.monotonic() - t0 < 2.0
    message = str(err.value)
    assert message.startswith(str(path)) and fragment in message, message
    assert "\n" not in message.replace("\\n", "")


def test_non_utf8_file_without_scenario_id_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_bytes("# lists each scenario_id\nlabel: caf\xe9\n".encode("latin-1"))
    assert not is_scenario_file(path)


def test_hostile_files_are_collection_errors_and_the_rest_collect(pytester: pytest.Pytester) -> None:
    scenario(pytester, "scenarios/good.yaml", "good-one")
    scenario(pytester, "scenarios/other.yaml", "good-two")
    scenario(pytester, "scenarios/twin/same.yaml", "good-two")  # duplicate id of other.yaml
    for kind, (data, _) in HOSTILE.items():
        (pytester.path / "scenarios" / f"{kind}.yaml").write_bytes(data)
    t0 = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q")
    assert time.monotonic() - t0 < 30
    out = result.stdout.str()
    assert "Traceback" not in out
    assert (
        "scenarios/twin/same.yaml:scenario_id: duplicate scenario_id 'good-two': "
        "scenarios/other.yaml uses it too" in out
    )
    for kind, (_, fragment) in HOSTILE.items():
        line = next((ln for ln in out.splitlines() if f"scenarios/{kind}.yaml" in ln and "invalid" in ln), "")
        assert fragment in line, (kind, out)
    result.stdout.fnmatch_lines([f"*2 tests collected, {len(HOSTILE) + 1} errors*"])


def test_scenario_validate_reports_non_utf8_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("scenario_id: same-id\nname: a\n")
    (tmp_path / "b.yaml").write_text("scenario_id: same-id\nname: b\n")
    (tmp_path / "c.yaml").write_bytes(HOSTILE["latin1"][0])
    out = subprocess.run(
        [sys.executable, "-m", "pytest_netopsbench.cli", "scenario", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert f"{tmp_path / 'c.yaml'}: not UTF-8 text: invalid byte 0xe9 (line 3)" in out.stdout
    assert f"{tmp_path / 'b.yaml'}:scenario_id: 'same-id' is also used by {tmp_path / 'a.yaml'}" in out.stdout
    assert "1 valid, 2 invalid of 3 file(s)" in out.stdout


AGENT_CONFTEST = """
import pytest
from pytest_netopsbench import DiagnosisResult

class Healthy:
    def diagnose(self, context):
        return DiagnosisResult(verdict="network_healthy")

@pytest.fixture
def netopsbench_agent():
    return Healthy()
"""


@pytest.mark.parametrize(
    ("scale", "workers", "available_kib", "expected"),
    [
        ("xl", [], 1024 * 1024, "a lab of scale xl needs about 1536 MiB of memory, but only 1024 MiB"),
        ("xs", ["-n", "2"], 200 * 1024, "2 labs of scale xs need about 258 MiB of memory, but only 200 MiB"),
    ],
    ids=["xl-single", "xs-two-workers"],
)
def test_a_scale_that_does_not_fit_in_memory_is_refused_before_any_deploy(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    scale: str,
    workers: list[str],
    available_kib: int,
    expected: str,
) -> None:
    meminfo = pytester.path / "meminfo"
    meminfo.write_text(f"MemTotal: 64000000 kB\nMemAvailable: {available_kib} kB\n")
    monkeypatch.setenv("NETOPSBENCH_MEMINFO", str(meminfo))
    scenario(pytester, "scenarios/a.yaml", "case-a", topology={"scale": scale})
    scenario(pytester, "scenarios/b.yaml", "case-b", topology={"scale": scale})
    pytester.makeconftest(AGENT_CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers, timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str() + result.stderr.str()
    assert expected in out and "refused before deploying anything" in out, out
    assert not (pytester.path / ".netopsbench" / "runs").exists() or not list(
        (pytester.path / ".netopsbench" / "runs").glob("*/labs/*/evidence.sqlite")
    )
