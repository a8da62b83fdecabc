"""``netopsbench trace view`` on a real run: the reference agent on one generated xs case (a real
lab: root + FRR), then the viewer in headless Chromium. The page shows what the agent really did:
its tool calls with the lab's answers, the verdict against the ground truth, the topology and
the ping-mesh heatmap read from the case's real evidence store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pytest_netopsbench.sdk import open_trace_viewer

from ._browser import chromium, load, screenshot

pytestmark = pytest.mark.lab

SCENARIO = (
    Path(__file__).resolve().parents[2] / "scenarios" / "generated" / "xs" / "xs-link-down-leaf1-eth2.yaml"
)


def test_trace_view_of_a_reference_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    chromium()
    (pytester.path / "scenarios").mkdir()
    shutil.copyfile(SCENARIO, pytester.path / "scenarios" / SCENARIO.name)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--netopsbench-agent=reference", "scenarios", timeout=900
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 1, result.stdout.str()[-3000:]
    runs = pytester.path / ".netopsbench" / "runs"
    with open_trace_viewer(runs, jobs_dir=pytester.path / ".netopsbench" / "harbor-jobs") as viewer:
        assert viewer.export.trials == 1 and viewer.export.with_trajectory == 1
        index = load(viewer.url)
        assert index.console == [] and 'data-viewer-ready="1"' in index.dom
        assert ">xs-link-down-leaf1-eth2</a>" in index.dom and "1 of 1 cases shown" in index.dom
        screenshot(viewer.url, tmp_path / "real-trace-view-index.png")
        (case,) = viewer.report.cases
        page = load(viewer.case_url(case))
        assert page.console == []
        dom = page.dom
        assert "<td>link_down</td>" in dom and "<td>leaf1</td>" in dom and "<td>eth2</td>" in dom
        calls = re.findall(r'<p class="call">tool call: (\w+)\(', dom)
        assert len(calls) == case.tool_calls > 0, calls  # every call the toolkit counted is shown
        assert dom.count('<div class="obs') >= len(calls)
        assert "no LLM call (a scripted agent)" in dom  # the reference agent asks no model
        assert 'class="netopsbench-topology"' in dom and 'class="netopsbench-heatmap"' in dom
        screenshot(viewer.case_url(case), tmp_path / "real-trace-view-case.png", height=2400)
