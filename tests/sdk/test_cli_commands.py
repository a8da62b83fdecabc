"""`netopsbench run`, `trace` and `mcp` through subprocess, as a user types them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from pytest_netopsbench.runtime import Lab, create_lab, list_labs, teardown_lab

from .conftest import REPO, XS, needs_lab_host

CLI = [sys.executable, "-m", "pytest_netopsbench.cli"]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    "command", [["run"], ["trace"], ["trace", "list"], ["trace", "export"], ["mcp"], ["mcp", "serve"]]
)
def test_help(command: list[str]) -> None:
    done = cli(*command, "--help")
    assert done.returncode == 0 and "usage: netopsbench" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nope.yaml", "--agent", "m:A"], "no such file or directory: nope.yaml"),
        (["run", "--agent", "m:A"], "name scenario files or directories, or --scale"),
        (
            ["trace", "export", "run-missing", "--output", "/tmp/x", "--runs-dir", "/nonexistent"],
            "no run 'run-missing'",
        ),
        (["mcp", "serve", "--lab", "no-such-lab-1"], "runtime list"),
        (["mcp", "serve", "--lab", "x", "--http", "--host", "0.0.0.0"], "not a loopback address"),
    ],
)
def test_errors_are_one_actionable_line(args: list[str], message: str) -> None:
    done = cli(*args)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netopsbench: error:") and message in lines[0], done.stderr


def test_trace_list_empty(tmp_path: Path) -> None:
    done = cli("trace", "list", "--runs-dir", str(tmp_path))
    assert done.returncode == 0 and "no runs under" in done.stdout


@pytest.mark.lab
@needs_lab_host
def test_run_then_list_and_export(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    try:
        done = cli(
            "run",
            str(XS / "xs-healthy-03.yaml"),
            "--agent",
            "agents.mcp_example:McpExampleAgent",
            "--artifacts",
            str(runs),
            "--",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore",
            timeout=600,
        )
        assert done.returncode in (0, 1), done.stdout + done.stderr
        m = re.search(r"netopsbench: report (\S+)", done.stdout)
        assert m and Path(m.group(1)).is_file(), done.stdout
        assert "mean score" in done.stdout  # the plugin's summary table
        run_id = Path(m.group(1)).parent.name

        listed = cli("trace", "list", "--runs-dir", str(runs), "--json")
        rows = json.loads(listed.stdout)
        summary = [(r["run_id"], r["cases"], r["traces"], r["has_report"]) for r in rows]
        assert summary == [(run_id, 1, 1, True)]

        out = tmp_path / "harbor"
        exported = cli("trace", "export", "latest", "--output", str(out), "--runs-dir", str(runs))
        assert exported.returncode == 0 and "exported 1 trial(s)" in exported.stdout, exported.stderr
        job = out / run_id
        job_result = json.loads((job / "result.json").read_text())
        assert job_result["n_total_trials"] == 1 and (job / "config.json").is_file()
        (trial,) = [p for p in job.iterdir() if p.is_dir()]
        assert trial.name.startswith("xs-healthy-03__case-")
        trial_result = json.loads((trial / "result.json").read_text())
        reward = float((trial / "verifier" / "reward.txt").read_text())
        assert trial_result["verifier_result"]["rewards"]["reward"] == reward
        assert json.loads((trial / "agent" / "trajectory.json").read_text())["schema_version"] == "ATIF-v1.7"
        truth = json.loads((trial / "verifier" / "result.json").read_text())
        assert truth["expected_verdict"] == "network_healthy"
    finally:
        for info in list_labs():
            if runs.exists() and info.run_id in {p.name for p in runs.iterdir()}:
                teardown_lab(info.name)


@pytest.fixture
def running_lab() -> Iterator[Lab]:
    lab = create_lab("xs", name=f"nob-mcpcli-{uuid.uuid4().hex[:6]}", worker="test")
    try:
        lab.deploy()
        yield lab
    finally:
        lab.teardown()


async def _tools_over(server: object) -> tuple[set[str], dict[str, object]]:
    from mcp import Client

    async with Client(server, read_timeout_seconds=60) as client:  # type: ignore[arg-type]
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("get_all_bgp_status", {})
        text = "".join(getattr(p, "text", "") for p in result.content)
        return names, json.loads(text)


@pytest.mark.lab
@needs_lab_host
def test_mcp_serve_http_and_stdio(running_lab: Lab) -> None:
    proc = subprocess.Popen(
        [*CLI, "mcp", "serve", "--lab", running_lab.name, "--http", "--port", "0"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        # a suite started in the background ignores SIGINT, and exec keeps it ignored: the server
        # must see the Ctrl-C this test sends
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline and proc.stderr is not None:
            line = proc.stderr.readline()
            m = re.search(r"at (http://127\.0\.0\.1:\d+/mcp)", line)
            url = m.group(1) if m else None
        assert url, "the server never said where it listens"
        names, bgp = anyio.run(_tools_over, url)
        assert {"get_topology", "get_pingmesh_hotspots", "get_device_interfaces"} <= names
        assert bgp["sessions_down"] == 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130)

    from mcp import StdioServerParameters

    argv = ["-m", "pytest_netopsbench.cli", "mcp", "serve", "--lab", running_lab.name]
    params = StdioServerParameters(command=sys.executable, args=argv, cwd=str(REPO), env=dict(os.environ))
    names, bgp = anyio.run(_tools_over, params)
    assert "get_bgp_neighbors" in names and bgp["sessions_down"] == 0
    assert running_lab.name in {i.name for i in list_labs()}, "mcp serve leaves the lab up"
