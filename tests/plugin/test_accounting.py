"""Accounting without a lab: one record per case (latest attempt wins), a truncated cases.jsonl,
crash records by phase, and `report rebuild` / `show` / `compare` / `trace list` on an incomplete run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.report import CaseRecord, load_report
from pytest_netopsbench.report._accounting import (
    InProgress,
    Selection,
    crash_record,
    latest_attempts,
    make_accounting,
    read_cases,
)
from pytest_netopsbench.report._rundir import RunDir


def record(case_id: str, nodeid: str, outcome: str = "correct", **fields: object) -> CaseRecord:
    now = time.time()
    data: dict[str, object] = {
        "case_id": case_id,
        "scenario_id": nodeid.rsplit("::", 1)[-1],
        "nodeid": nodeid,
        "scale": "xs",
        "healthy": True,
        "expected_verdict": "network_healthy",
        "outcome": outcome,
        "passed": outcome == "correct",
        "score": 1.0 if outcome == "correct" else 0.0,
        "started": now,
        "ended": now,
        **fields,
    }
    return CaseRecord.model_validate(data)


def test_latest_attempt_wins_and_keeps_the_earlier_ones() -> None:
    first = record("case-1", "s/a.yaml::a", "infra_error", message="deploy failed", started=1.0)
    second = record("case-2", "s/a.yaml::a", "infra_error", message="inject failed", started=2.0)
    third = record("case-3", "s/a.yaml::a", "wrong", started=3.0)
    other = record("case-9", "s/b.yaml::b")
    cases = latest_attempts([first, second, other, third, third])  # case-3 written twice
    by_node = {c.nodeid: c for c in cases}
    assert len(cases) == 2
    latest = by_node["s/a.yaml::a"]
    assert latest.case_id == "case-3" and latest.outcome == "wrong"
    assert [(a.case_id, a.message) for a in latest.attempts] == [
        ("case-1", "deploy failed"),
        ("case-2", "inject failed"),
    ]
    assert by_node["s/b.yaml::b"].attempts == []


def test_truncated_last_line_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    good = record("case-1", "s/a.yaml::a").model_dump_json()
    path.write_text(good + "\n" + good[: len(good) // 2])
    records, problems = read_cases(path)
    assert [r.case_id for r in records] == ["case-1"]
    assert problems == ["cases.jsonl:2: truncated last line skipped (ValidationError)"]


def test_accounting_counts_every_selected_case() -> None:
    done = [record("case-1", "s/a.yaml::a")]
    acc = make_accounting(["s/a.yaml::a", "s/b.yaml::b", "s/c.yaml::c"], done)
    assert (acc.selected, acc.finished, acc.not_run) == (3, 1, ["s/b.yaml::b", "s/c.yaml::c"])
    assert acc.interrupted == "unknown" and not acc.complete
    assert "1 of 3 selected case(s) finished, 2 not run" in acc.describe()
    crashed = make_accounting(["s/a.yaml::a", "s/b.yaml::b"], done, crashes=["gw1 crashed"])
    assert crashed.interrupted == "worker crash"
    whole = make_accounting(["s/a.yaml::a"], done, interrupted=None)
    assert whole.complete and whole.describe() == ""


@pytest.mark.parametrize(
    ("phase", "outcome", "text"),
    [
        ("agent", "agent_error", "worker gw1 crashed during the agent call"),
        ("baseline", "infra_error", "worker gw1 crashed during baseline"),
        ("lab", "infra_error", "worker gw1 crashed during lab"),
    ],
)
def test_a_crash_is_the_agents_only_inside_the_agent_call(phase: str, outcome: str, text: str) -> None:
    marker = InProgress(worker="gw1", phase=phase, record=record("case-1", "s/a.yaml::a", "infra_error"))
    crashed = crash_record(marker)
    assert crashed.outcome == outcome and crashed.message == text and not crashed.passed


def _incomplete_run(root: Path) -> Path:
    run = RunDir.create(root, "run-cut")
    selection = Selection(selected=["s/a.yaml::a", "s/b.yaml::b", "s/c.yaml::c"], agent="m:A", scales=["xs"])
    assert run.write_selection(selection)
    assert not run.write_selection(selection)  # written once per run directory
    run.append_case(record("case-1", "s/a.yaml::a", "infra_error", started=1.0))
    run.append_case(record("case-2", "s/a.yaml::a", started=2.0))
    run.append_case(record("case-3", "s/b.yaml::b", "wrong"))
    with open(run.cases_path, "a") as fh:
        fh.write('{"case_id": "case-4", "scen')  # the writer was killed mid-append
    return run.root


def test_rebuild_show_compare_and_trace_list_flag_an_incomplete_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _incomplete_run(tmp_path / "runs")
    assert main(["report", "rebuild", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "truncated last line skipped" in err
    assert "INCOMPLETE RUN: interrupted (unknown" in out and f"--netopsbench-resume {path}" in out
    report = load_report(path)
    assert report.accounting is not None
    assert (report.accounting.selected, report.accounting.finished) == (3, 2)
    assert report.accounting.not_run == ["s/c.yaml::c"]
    assert report.run.agent == "m:A"
    a = next(c for c in report.cases if c.nodeid == "s/a.yaml::a")
    assert a.case_id == "case-2" and [x.case_id for x in a.attempts] == ["case-1"]

    assert main(["report", "show", str(path)]) == 0
    assert "INCOMPLETE RUN" in capsys.readouterr().out
    assert main(["report", "compare", str(path), str(path)]) == 0
    assert f"warning: {path} is an incomplete run" in capsys.readouterr().err
    assert main(["trace", "list", "--runs-dir", str(tmp_path / "runs")]) == 0
    assert "INCOMPLETE: interrupted (unknown" in capsys.readouterr().out
    listed = json.loads(
        (main(["trace", "list", "--runs-dir", str(tmp_path / "runs"), "--json"]), capsys.readouterr().out)[1]
    )
    assert listed[0]["incomplete"].startswith("interrupted (unknown")


def test_rebuild_refuses_an_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "run-empty").mkdir()
    assert main(["report", "rebuild", str(tmp_path / "run-empty")]) != 0
    assert "nothing to rebuild" in capsys.readouterr().err


SKIPPING_CONFTEST = """
import pytest
from pytest_netopsbench import DiagnosisResult
from pytest_netopsbench.faults.link import LinkDown


class TeleporterLinkDown(LinkDown):
    name = "teleporter_link_down"
    aliases = ()
    requires = ("teleporter",)


def pytest_netopsbench_register_faults(register):
    register(TeleporterLinkDown)


class Healthy:
    def diagnose(self, context):
        return DiagnosisResult(verdict="network_healthy")


@pytest.fixture
def netopsbench_agent():
    return Healthy()
"""


def test_resume_of_a_finished_run_runs_nothing_and_run_ids_are_not_reused(pytester: pytest.Pytester) -> None:
    """Without a lab: cases skipped for a missing capability are finished records, so a resume has
    nothing left; reusing the run id, or resuming a run that does not exist, is a usage error."""
    import yaml

    fault = {"type": "teleporter_link_down", "target": {"device": "leaf1", "interface": "eth1"}}
    for sid in ("tele-a", "tele-b"):
        data = {"scenario_id": sid, "name": sid, "topology": {"scale": "xs"}, "fault": fault}
        (pytester.path / f"{sid}.yaml").write_text(yaml.safe_dump(data))
    pytester.makeconftest(SKIPPING_CONFTEST)
    base = ("-p", "no:cacheprovider", "-p", "no:xdist")
    first = pytester.runpytest_subprocess(*base, "--netopsbench-run-id=r1")
    first.assert_outcomes(skipped=2)
    run = pytester.path / ".netopsbench" / "runs" / "r1"
    acc = json.loads((run / "report.json").read_text())["accounting"]
    assert (acc["selected"], acc["finished"], acc["not_run"], acc["interrupted"]) == (2, 2, [], None)

    again = pytester.runpytest_subprocess(*base, "--netopsbench-resume=r1")
    assert again.ret == pytest.ExitCode.OK
    again.assert_outcomes(deselected=2)
    final = json.loads((run / "report.json").read_text())
    assert final["accounting"]["sessions"] == 2 and len(final["cases"]) == 2

    reused = pytester.runpytest_subprocess(*base, "--netopsbench-run-id=r1")
    assert reused.ret == pytest.ExitCode.USAGE_ERROR
    reused.stderr.fnmatch_lines(["*run 'r1' already has results*--netopsbench-resume r1*"])
    missing = pytester.runpytest_subprocess(*base, "--netopsbench-resume=nope")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*cannot resume 'nope'*"])
    assert len((run / "cases.jsonl").read_text().splitlines()) == 2


def test_merge_keeps_not_run_cases_unless_another_shard_has_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_netopsbench.report import RunMeta, build_report, save_report

    def shard(name: str, cases: list[CaseRecord], selected: list[str], why: str | None) -> Path:
        report = build_report(RunMeta(run_id=name, agent="m:A"), cases)
        report.accounting = make_accounting(selected, cases, interrupted=why)
        return save_report(report, tmp_path / f"{name}.json")

    cut = shard("cut", [record("case-1", "s/a.yaml::a")], ["s/a.yaml::a", "s/b.yaml::b"], "SIGTERM")
    repair = shard("repair", [record("case-2", "s/b.yaml::b")], ["s/b.yaml::b"], None)
    assert main(["report", "merge", str(cut), "-o", str(tmp_path / "alone.json")]) == 0
    assert f"warning: {cut} is an incomplete run" in capsys.readouterr().err
    alone = load_report(tmp_path / "alone.json").accounting
    assert alone is not None and alone.not_run == ["s/b.yaml::b"] and alone.interrupted == "SIGTERM"
    assert main(["report", "merge", str(cut), str(repair), "-o", str(tmp_path / "both.json")]) == 0
    both = load_report(tmp_path / "both.json").accounting
    assert both is not None and both.complete and (both.selected, both.finished) == (2, 2)
