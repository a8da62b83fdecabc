"""pytest-html: the plugin's columns sort as pytest-html 4 sorts them (string order of each cell's
inner HTML under its ``col-<key>``), trajectory links are relative to the report, and a header
line names the run. Case records are attached to plain tests by a conftest hook (no lab)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import html_rows

from pytest_netopsbench.plugin._html import COLUMNS

CONFTEST = """
import pytest
from pytest_netopsbench.report import CaseRecord

# name -> (score, agent seconds, tokens, outcome); string order of the raw numbers is wrong order
CASES = {
    "test_a": (0.5, 12.0, 100, "wrong"),
    "test_b": (1.0, 9.5, 2000, "correct"),
    "test_c": (0.0, 100.0, 30, "wrong"),
    "test_d": (0.0, 0.0, 0, "infra_error"),
}

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    score, seconds, tokens, outcome = CASES[item.name]
    sid = item.name.replace("_", "-")
    record = CaseRecord(
        case_id=f"case-{sid}", scenario_id=sid, scale="xs", healthy=False, campaign="2026.12",
        expected={"fault_type": "link_down", "device": "leaf1", "interface": "eth1"},
        expected_verdict="fault_detected", outcome=outcome, score=score, agent_seconds=seconds,
        input_tokens=tokens, trace_path=f"traces/case-{sid}/trajectory.json",
    )
    report.netopsbench_case = record.model_dump(mode="json")
    report.netopsbench_agent = "scripted-agent"
    return report
"""


Rows = tuple[pytest.Pytester, list[dict[str, Any]]]


@pytest.fixture
def rows(pytester: pytest.Pytester) -> Rows:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_cases="".join(f"def test_{n}():\n    pass\n" for n in "abcd"))
    result = pytester.runpytest("--html=out/report.html", "--netopsbench-run-id=run-html-1")
    assert result.ret == 0, result.stdout.str()
    return pytester, html_rows(pytester.path / "out" / "report.html")


def test_every_plugin_column_sorts_in_value_order(
    rows: Rows,
) -> None:
    _, data = rows
    by_id = {str(r["testId"]).split("::")[-1]: r for r in data}
    assert set(by_id) == {"test_a", "test_b", "test_c", "test_d"}
    for _, key, _ in COLUMNS:
        # pytest-html 4 keys each row by the col-<key> class of a sortable header's cell
        assert all(key in r for r in data), key
    expected = {
        "nob_score": ["test_d", "test_c", "test_a", "test_b"],  # no score (harness error) first
        "nob_agent_s": ["test_d", "test_b", "test_a", "test_c"],  # 0, 9.5, 12, 100: not "100" < "12"
        "nob_tokens": ["test_d", "test_c", "test_a", "test_b"],  # 0, 30, 100, 2000
    }
    for key, order in expected.items():
        # app.js genericSort: list.sort((a, b) => a[key] === b[key] ? 0 : a[key] > b[key] ? 1 : -1)
        assert [n for n, _ in sorted(by_id.items(), key=lambda kv: str(kv[1][key]))] == order, key
    assert "leaf1:eth1" in str(by_id["test_a"]["nob_expected"])
    cells = " ".join(str(c) for c in by_id["test_b"]["resultsTableRow"])
    assert ">1.00</td>" in cells and ">9.5</td>" in cells and ">2000</td>" in cells


def test_trajectory_links_are_relative_to_the_report(
    rows: Rows,
) -> None:
    pytester, data = rows
    run = pytester.path / ".netopsbench" / "runs" / "run-html-1"
    for row in data:
        sid = str(row["testId"]).split("::")[-1].replace("_", "-")
        links = [e for e in row["extras"] if e["name"] == "trajectory"]
        target = run / "traces" / f"case-{sid}" / "trajectory.json"
        assert [e["content"] for e in links] == [os.path.relpath(target, pytester.path / "out")]
        assert not links[0]["content"].startswith(("file:", "/"))


def test_header_names_run_campaign_agent(rows: Rows) -> None:
    pytester, _ = rows
    html = (pytester.path / "out" / "report.html").read_text()
    assert "run <code>run-html-1</code>" in html and "campaign 2026.12" in html
    assert "agent scripted-agent" in html and "3 of 4 cases scored" in html
    assert Path(pytester.path / ".netopsbench" / "runs" / "run-html-1" / "report.json").is_file()


def test_each_row_carries_its_topology_picture(rows: Rows) -> None:
    _, data = rows
    for row in data:
        pictures = [e["content"] for e in row["extras"] if e["format_type"] == "html"]
        assert len(pictures) == 1 and "netopsbench-topology" in pictures[0]
        # the fault's link drawn in red, named by both ends
        assert 'stroke="#c53030"' in pictures[0] and "fault: leaf1:eth1 - spine1:eth1" in pictures[0]
