"""Every exit path cleans up: SIGTERM or SIGKILL to the process group of a `-n 2` run (what GNU
`timeout`, a CI cancel or `docker stop` do) leaves none of the run's namespaces, daemons or labs.

SIGTERM runs the session teardown in the controller and both workers (as Ctrl-C does); after
SIGKILL nothing of the run can clean up, so each lab's owner watchdog does. Only this run's labs
are looked at: other runs share the host.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from plugin_helpers import FAST_TIMING, scenario

from pytest_netopsbench.runtime import attach_lab, list_labs
from pytest_netopsbench.runtime._proc import read_pid
from pytest_netopsbench.runtime._rundir import process_start

# The agent marks that it was called, then hangs: the signal arrives mid-case with labs up.
HANGING_CONFTEST = """
import os, time
from pathlib import Path
import pytest

class Hangs:
    def diagnose(self, context):
        Path(os.environ["NOB_MARKS"], os.environ.get("PYTEST_XDIST_WORKER", "main")).touch()
        time.sleep(300)

@pytest.fixture
def netopsbench_agent():
    return Hangs()
"""


def _run_state(run_id: str) -> tuple[list[str], list[str], list[int]]:
    """(lab names, their namespaces, their FRR daemon pids) of one run."""
    names = [i.name for i in list_labs() if i.run_id == run_id]
    present = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    namespaces = [n for n in present if any(n.startswith(f"{name}-") for name in names)]
    pids: list[int] = []
    for name in names:
        try:
            lab = attach_lab(name)
        except Exception:  # torn down between the listing and here
            continue
        for dev in lab.topology.switches:
            for daemon in ("zebra", "staticd", "bgpd"):
                pid = read_pid(lab.run_dir / dev.name / f"{daemon}.pid")
                if pid is not None:
                    pids.append(pid)
    return names, namespaces, pids


def _start_run(pytester: pytest.Pytester, marks: Path) -> tuple[subprocess.Popen[str], str]:
    scenario(pytester, "scenarios/a.yaml", "healthy-a", timing=FAST_TIMING)
    scenario(pytester, "scenarios/b.yaml", "healthy-b", timing=FAST_TIMING)
    pytester.makeconftest(HANGING_CONFTEST)
    run_id = f"sig-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            f"--netopsbench-run-id={run_id}",
            "--netopsbench-isolation=none",  # the agent marks its call in a directory of the test's
        ],
        cwd=pytester.path,
        env={**os.environ, "NOB_MARKS": str(marks)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as under `timeout` or a CI runner
    )
    deadline = time.monotonic() + 240
    while len(list(marks.iterdir())) < 2:
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            out = proc.communicate()[0]
            pytest.fail(f"the run never reached both agents:\n{out[-3000:]}")
        time.sleep(0.3)
    return proc, run_id


def _wait_clean(run_id: str, pids: list[int], within: float) -> float:
    t0 = time.monotonic()
    while True:
        names, namespaces, _ = _run_state(run_id)
        alive = [p for p in pids if process_start(p) is not None]
        if not names and not namespaces and not alive:
            return time.monotonic() - t0
        if time.monotonic() - t0 > within:
            raise AssertionError(
                f"left after {within}s: labs {names}, namespaces {namespaces}, daemons {alive}"
            )
        time.sleep(0.2)


@pytest.mark.lab
@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=["sigterm", "sighup", "sigkill"]
)
def test_signal_to_the_process_group_leaves_no_lab(
    pytester: pytest.Pytester, tmp_path: Path, sig: signal.Signals
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    proc, run_id = _start_run(pytester, marks)
    try:
        names, namespaces, pids = _run_state(run_id)
        # xs, one lab per worker: 6 device namespaces plus the hidden wire, 4 switches x 3 FRR daemons
        assert len(names) == 2 and len(namespaces) == 14 and len(pids) == 24, (names, namespaces, pids)
        os.killpg(proc.pid, sig)
        out = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    took = _wait_clean(run_id, pids, within=15)
    if sig != signal.SIGKILL:
        assert proc.returncode == pytest.ExitCode.INTERRUPTED, out[-3000:]
        assert f"received {sig.name}" in out, out[-3000:]
    else:
        assert proc.returncode == -signal.SIGKILL
    print(f"{sig.name}: nothing of run {run_id} left {took:.1f}s after the process exited")


def test_a_session_without_scenarios_keeps_the_default_sigterm(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """The plugin is loaded by every pytest session; one that runs no scenario still dies of SIGTERM
    at once, as it would without the plugin."""
    mark = tmp_path / "started"
    pytester.makepyfile(
        test_plain=(
            f"import pathlib, time\ndef test_x():\n    pathlib.Path({str(mark)!r}).touch()\n"
            "    time.sleep(60)\n"
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=pytester.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == -signal.SIGTERM
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
