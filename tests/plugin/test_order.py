"""Case order: shuffled within each scale with a recorded seed, identical on every xdist worker.

Items are skipped in setup (no lab needed); what matters is the order they reach setup in and
the seed stored in report.json."""

from __future__ import annotations

import json
import re

import pytest
from plugin_helpers import run_dir, scenario

CONFTEST = """
import os
import pytest

@pytest.fixture
def netopsbench_agent():
    return object()

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    with open(f"order-{worker}.txt", "a") as fh:
        fh.write(item.name + "\\n")
    pytest.skip("order test: no lab")
"""


@pytest.fixture
def tree(pytester: pytest.Pytester) -> pytest.Pytester:
    for k in range(8):
        scenario(pytester, f"scenarios/xs-{k}.yaml", f"xs-{k}")
    for k in range(3):
        scenario(pytester, f"scenarios/s-{k}.yaml", f"s-{k}", topology={"scale": "s"})
    pytester.makeconftest(CONFTEST)
    return pytester


def _order(pytester: pytest.Pytester, *args: str) -> tuple[list[str], pytest.RunResult]:
    for old in pytester.path.glob("order-*.txt"):
        old.unlink()
    result = pytester.runpytest(*args)
    assert result.ret == 0, result.stdout.str()
    files = sorted(pytester.path.glob("order-*.txt"))
    return [line for f in files for line in f.read_text().split()], result


def test_same_seed_same_order_and_scales_stay_together(tree: pytest.Pytester) -> None:
    first, result = _order(tree, "-p", "no:xdist", "--netopsbench-seed", "7")
    again, _ = _order(tree, "-p", "no:xdist", "--netopsbench-seed", "7")
    assert first == again
    assert sorted(first[:8]) == [f"xs-{k}" for k in range(8)]  # xs first: its lab is reused
    assert sorted(first[8:]) == ["s-0", "s-1", "s-2"]
    result.stdout.fnmatch_lines(["netopsbench: case order seed 7 *"])
    others = {tuple(_order(tree, "-p", "no:xdist", "--netopsbench-seed", str(s))[0]) for s in (1, 2, 3)}
    assert len(others | {tuple(first)}) > 1, "the seed does not change the order"


def test_default_seed_is_random_recorded_and_reproduces(tree: pytest.Pytester) -> None:
    order, result = _order(tree, "-p", "no:xdist")
    seed = int(re.search(r"case order seed (\d+)", result.stdout.str()).group(1))  # type: ignore[union-attr]
    report = json.loads((run_dir(tree) / "report.json").read_text())
    assert report["run"]["seed"] == seed
    assert len(report["cases"]) == 11
    again, _ = _order(tree, "-p", "no:xdist", f"--netopsbench-seed={seed}")
    assert again == order


def test_seed_is_ini_settable(tree: pytest.Pytester) -> None:
    tree.makeini("[pytest]\nnetopsbench_seed = 11\n")
    from_ini, _ = _order(tree, "-p", "no:xdist")
    from_option, _ = _order(tree, "-p", "no:xdist", "--netopsbench-seed", "11")
    assert from_ini == from_option


def test_xdist_workers_share_the_seed(tree: pytest.Pytester) -> None:
    # xdist aborts the run when workers collect different orders, so a passing run is the check
    order, result = _order(tree, "-n", "2", "--netopsbench-seed", "5")
    result.assert_outcomes(skipped=11)
    result.stdout.fnmatch_lines(["netopsbench run *  seed 5"])  # the summary table's title
    assert sorted(order) == sorted([f"xs-{k}" for k in range(8)] + ["s-0", "s-1", "s-2"])
    reports = list((tree.path / ".netopsbench" / "runs").glob("*/report.json"))
    assert len(reports) == 1
    data = json.loads(reports[0].read_text())
    assert data["run"]["seed"] == 5 and len(data["cases"]) == 11
    assert {c["worker"] for c in data["cases"]} <= {"gw0", "gw1"}


def test_bad_seed_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--netopsbench-seed=-3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "seed" in result.stderr.str()


def test_plain_tests_keep_their_place_before_scenarios(tree: pytest.Pytester) -> None:
    tree.makepyfile(test_plain="def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    order, _ = _order(tree, "-p", "no:xdist", "--netopsbench-seed", "3")
    assert order[:2] == ["test_a", "test_b"] and len(order) == 13
