"""The pages people read, in a real browser (headless Chromium): ``netopsbench trace view`` served by
the real CLI, ``report show --html`` and ``report compare --html``. Each page loads, shows what it
is for, runs its scripts and writes nothing to the console. Screenshots land in the test's tmp
directory (paths printed; also in ``$NETOPSBENCH_SCREENS_DIR`` when set)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main

from ._browser import chromium, load, screenshot
from ._viewer_run import write_run

pytestmark = pytest.mark.usefixtures("browser")


@pytest.fixture
def browser() -> str:
    return chromium()


@pytest.fixture
def viewer_url(tmp_path: Path) -> object:
    """``netopsbench trace view`` on a finished run, as a user starts it; yields its printed URL."""
    write_run(tmp_path / "runs")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_netopsbench.cli",
            "trace",
            "view",
            "--runs-dir",
            str(tmp_path / "runs"),
            "--jobs-dir",
            str(tmp_path / "harbor-jobs"),
            "--timeout",
            "300",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    url = ""
    deadline = time.monotonic() + 60
    lines = []
    while not url and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"trace viewer: (http://127\.0\.0\.1:\d+/)", line)
        url = found.group(1) if found else ""
    try:
        assert url, "".join(lines)
        assert "exported 4 trial(s) (3 with a trajectory)" in "".join(lines)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _links(dom: str) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in re.finditer(r'<a class="case" href="([^"]+)">([^<]+)</a>', dom)}


def test_trace_view(viewer_url: str, tmp_path: Path) -> None:
    index = load(viewer_url)
    assert index.console == []
    assert 'data-viewer-ready="1"' in index.dom  # the filter script ran to its end
    assert "4 of 4 cases shown" in index.dom
    links = _links(index.dom)
    assert set(links) == {"link-leaf1", "link-wrong", "healthy-1", "infra-1"}
    assert 'class="netopsbench-chart"' in index.dom
    screenshot(viewer_url, tmp_path / "trace-view-index.png")

    right = load(viewer_url.rstrip("/") + links["link-leaf1"])
    assert right.console == []
    dom = right.dom
    assert len(re.findall(r'<div class="step (?:user|agent)" id="step-\d+">', dom)) == 6
    assert 'tool call: show_interfaces(device="leaf1")' in dom
    assert "eth1: DOWN" in dom  # the observation
    assert "812 prompt tokens, 41 completion tokens" in dom and "1530" in dom  # LLM calls
    assert dom.count('<td class="ok">right</td>') == 4  # verdict, type, device, interface
    assert 'class="netopsbench-topology"' in dom and 'class="netopsbench-heatmap"' in dom
    screenshot(viewer_url.rstrip("/") + links["link-leaf1"], tmp_path / "trace-view-case.png", height=1800)

    wrong = load(viewer_url.rstrip("/") + links["link-wrong"])
    assert wrong.console == []
    assert '<div class="obs error">' in wrong.dom and "unknown host h9" in wrong.dom
    assert '<td class="bad">wrong</td>' in wrong.dom and "leaf2" in wrong.dom

    infra = load(viewer_url.rstrip("/") + links["infra-1"])
    assert "no trajectory was recorded" in infra.dom and "FRR did not start" in infra.dom
    assert infra.console == []

    # the console capture does see errors (so the empty lists above mean something)
    probe = tmp_path / "probe.html"
    probe.write_text("<html><body><script>console.error('probe'); missingFunction();</script></body></html>")
    seen = load(probe.as_uri()).console
    assert any("probe" in m for m in seen) and any("missingFunction" in m for m in seen), seen


def test_report_show_html(tmp_path: Path) -> None:
    run = write_run(tmp_path / "runs")
    page = tmp_path / "site" / "run.html"
    assert main(["report", "show", str(run.root), "--html", str(page)]) == 0
    loaded = load(page.as_uri())
    assert loaded.console == []
    assert "netopsbench run run-viewer-1" in loaded.dom
    assert loaded.dom.count('class="netopsbench-topology"') == 4
    assert 'class="netopsbench-chart"' in loaded.dom and 'class="netopsbench-heatmap"' in loaded.dom
    hrefs = re.findall(r'<a href="([^"]+)">trajectory</a>', loaded.dom)
    assert len(hrefs) == 3 and all((page.parent / h).is_file() for h in hrefs)
    screenshot(page.as_uri(), tmp_path / "report-show.png", height=1200)


def test_report_compare_html(tmp_path: Path) -> None:
    a = write_run(tmp_path / "runs", "run-a", agent="llm-test")
    b = write_run(tmp_path / "runs", "run-b", agent="llm-test-b", fixed=True)
    page = tmp_path / "site" / "compare.html"
    assert main(["report", "compare", str(a.root), str(b.root), "--html", str(page)]) == 0
    loaded = load(page.as_uri())
    assert loaded.console == []
    dom = loaded.dom
    assert "run <code>run-a</code>" in dom and "run <code>run-b</code>" in dom
    assert "<td>mean_score</td>" in dom and "95% paired interval" in dom
    assert dom.count('class="netopsbench-chart"') == 2  # one per run
    assert dom.count('<tr class="differs">') == 1 and "<td>link-wrong</td><td>yes</td>" in dom
    hrefs = re.findall(r'<a href="([^"]+)">trajectory</a>', dom)
    assert len(hrefs) == 6 and all((page.parent / h).is_file() for h in hrefs)
    assert dom.count('class="netopsbench-topology"') == 8  # A and B for each of 4 scenarios
    screenshot(page.as_uri(), tmp_path / "report-compare.png", height=1200)
