"""pytest-html: the plugin's columns sort as pytest-html 4 sorts them (string order of each cell's
inner HTML under its ``col-<key>``), the better baseline's score among them, trajectory links are
relative to the report, and a header line names the run and the baselines' mean scores. Case
records are attached to plain tests by a conftest hook (no lab)."""

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
# name -> the trivial baselines' scores on its episode; test_c ran without them, test_d never got
# that far (a harness error)
BASELINES = {
    "test_a": {"baseline-healthy": 1.0, "baseline-worst-pair": 0.0},
    "test_b": {"baseline-healthy": 0.0, "baseline-worst-pair": 0.5},
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
        baselines={k: {"score": v, "passed": v >= 1.0} for k, v in BASELINES.get(item.name, {}).items()},
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
    # the better baseline's score: no baselines (test_c, test_d) is an empty cell, below 0.50, 1.00
    by_baseline = [n for n, _ in sorted(by_id.items(), key=lambda kv: str(kv[1]["nob_baseline"]))]
    assert set(by_baseline[:2]) == {"test_c", "test_d"} and by_baseline[2:] == ["test_b", "test_a"]
    assert by_id["test_c"]["nob_baseline"] == by_id["test_d"]["nob_baseline"] == ""
    assert "leaf1:eth1" in str(by_id["test_a"]["nob_expected"])
    cells = " ".join(str(c) for c in by_id["test_b"]["resultsTableRow"])
    assert ">1.00</td>" in cells and ">9.5</td>" in cells and ">2000</td>" in cells
    assert '<td class="col-nob_baseline"><span hidden>0000000000000.500000</span>0.50</td>' in cells
    cells = " ".join(str(c) for c in by_id["test_c"]["resultsTableRow"])
    assert '<td class="col-nob_baseline"></td>' in cells


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
    # over the scored cases with baselines (test_a, test_b): the agent 0.5 and 1.0, baseline-healthy
    # 1.0 and 0.0, baseline-worst-pair 0.0 and 0.5; the stronger baseline first
    line = "vs baselines scripted-agent 0.750 | baseline-healthy 0.500 | baseline-worst-pair 0.250"
    header = html[html.index('<p class="netopsbench-header">') :]
    assert line in header[: header.index("</p>")]
    assert Path(pytester.path / ".netopsbench" / "runs" / "run-html-1" / "report.json").is_file()


def test_each_row_carries_its_topology_picture(rows: Rows) -> None:
    _, data = rows
    for row in data:
        pictures = [e["content"] for e in row["extras"] if e["format_type"] == "html"]
        assert len(pictures) == 1 and "netopsbench-topology" in pictures[0]
        # the fault's link drawn in red, named by both ends
        assert 'stroke="#c53030"' in pictures[0] and "fault: leaf1:eth1 - spine1:eth1" in pictures[0]
