"""``netopsbench report show --html OUT``: one self-contained page (no scripts, nothing fetched)
with the summary, the per-fault chart and every case with its picture and a trace link relative
to the page. The run is written through the real run-directory writers (no lab)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.report import RunMeta, build_report
from pytest_netopsbench.report._rundir import RunDir
from pytest_netopsbench.trace._atif import AtifAgent, Step, Trajectory

from ._cases import fault_case, healthy_case
from .test_heatmap import PHASES, T0, _store


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_show_html_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = RunDir.create(tmp_path / "runs", "run-page-1")
    store = _store(run.case_dir("c-link-a-0") / "evidence.sqlite")
    cases = [
        fault_case("link-a", campaign="2026.12", started=T0, phases=PHASES, evidence_path=str(store)),
        fault_case("link-b", device=False, itf=False, campaign="2026.12"),
        healthy_case("healthy-a", campaign="2026.12"),
        healthy_case("infra-a", outcome="infra_error", campaign="2026.12"),
    ]
    traj = Trajectory(agent=AtifAgent(name="a", version="1"), steps=[Step(step_id=1, source="user")])
    for case in cases[:3]:
        case.trace_path = str(run.write_trace(case, traj, agent="a").relative_to(run.root))
    for case in cases:
        run.append_case(case)
    run.write_report(build_report(RunMeta(run_id=run.run_id, agent="scripted"), cases, resamples=50))
    page = tmp_path / "site" / "run.html"
    assert main(["report", "show", str(run.root), "--html", str(page)]) == 0
    assert "link_down" in capsys.readouterr().out  # the terminal table is still printed
    text = page.read_text()
    parser = _Tags()
    parser.feed(text)
    tags = parser.tags
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe")]
    assert "run <code>run-page-1</code>" in text and "campaign 2026.12" in text and "agent scripted" in text
    assert sum(1 for t, a in tags if t == "svg" and a.get("class") == "netopsbench-chart") == 1
    assert sum(1 for t, a in tags if t == "svg" and a.get("class") == "netopsbench-topology") == 4
    assert sum(1 for t, _ in tags if t == "tr") == 1 + len(cases)
    # the case with an evidence store also has its ping-mesh heatmap
    assert sum(1 for t, a in tags if t == "svg" and a.get("class") == "netopsbench-heatmap") == 1
    hrefs = [str(a["href"]) for t, a in tags if t == "a"]
    assert len(hrefs) == 3 and all(not h.startswith(("/", "file:", "http")) for h in hrefs)
    assert all((page.parent / h).resolve().is_file() for h in hrefs)
    # the harness error is listed, with an empty score cell (it has no score), not a 0.00
    assert '<span class="infra_error">infra_error</span></td><td class="num"></td>' in text
