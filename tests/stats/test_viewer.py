"""``netopsbench trace view`` without a browser: the served routes over real HTTP on 127.0.0.1, the
Harbor job it exports, the files it refuses to serve, and the ``--harbor`` hand-off (Harbor's CLI
absent; and present as a recording executable, to check the command line it gets)."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pytest_netopsbench.cli import main
from pytest_netopsbench.sdk import open_trace_viewer

from ._viewer_run import write_run


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_routes(tmp_path: Path) -> None:
    write_run(tmp_path / "runs")
    (tmp_path / "secret.txt").write_text("not for the browser")
    with open_trace_viewer(tmp_path / "runs", jobs_dir=tmp_path / "jobs") as viewer:
        assert viewer.url.startswith("http://127.0.0.1:")
        job = tmp_path / "jobs" / "run-viewer-1"
        assert (job / "result.json").is_file() and len([p for p in job.iterdir() if p.is_dir()]) == 4
        status, index = _get(viewer.url)
        assert status == 200 and index.count('<a class="case" href="/case/') == 4
        assert "<script>" in index  # inline only: nothing on the page is fetched from elsewhere
        assert not re.search(r'(src|href)="(https?:)?//', index) and " src=" not in index
        case = next(c for c in viewer.report.cases if c.scenario_id == "link-leaf1")
        status, page = _get(viewer.case_url(case))
        assert status == 200 and "Verdict against the ground truth" in page and "<script" not in page
        href = page.split('<a href="/job/')[1].split('"')[0]
        status, raw = _get(viewer.url + "job/" + href)
        assert status == 200 and json.loads(raw)["schema_version"] == "ATIF-v1.7"
        # nothing outside the exported job, however the path is spelled
        for path in ("job/../../secret.txt", "job/%2e%2e/%2e%2e/secret.txt", "case/nope", "etc/passwd"):
            status, body = _get(viewer.url + path)
            assert status == 404 and "not for the browser" not in body, path


def test_cli_timeout_and_bad_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_run(tmp_path / "runs")
    args = ["trace", "view", "--runs-dir", str(tmp_path / "runs"), "--jobs-dir", str(tmp_path / "jobs")]
    assert main([*args, "--timeout", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "exported 4 trial(s) (3 with a trajectory)" in out and "trace viewer: http://127.0.0.1:" in out
    assert main([*args, "no-such-run"]) == 1
    assert "no run 'no-such-run'" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([*args, "--port", str(port), "--timeout", "0.1"]) == 1
    assert f"cannot serve the trace viewer on 127.0.0.1:{port}" in capsys.readouterr().err


def test_harbor_not_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_run(tmp_path / "runs")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["trace", "view", "--runs-dir", str(tmp_path / "runs"), "--harbor"]) == 1
    err = capsys.readouterr().err
    assert "--harbor needs Harbor's CLI (`harbor` on PATH" in err


def test_harbor_gets_the_jobs_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_run(tmp_path / "runs")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "harbor"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "argv"}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    jobs = tmp_path / "jobs"
    args = ["trace", "view", "--runs-dir", str(tmp_path / "runs"), "--jobs-dir", str(jobs)]
    assert main([*args, "--harbor", "--port", "8123"]) == 0
    argv = (tmp_path / "argv").read_text().split()
    assert argv == ["view", str(jobs), "--host", "127.0.0.1", "--port", "8123"]
    assert (jobs / "run-viewer-1" / "config.json").is_file()
    assert "starting `harbor view`" in capsys.readouterr().out
