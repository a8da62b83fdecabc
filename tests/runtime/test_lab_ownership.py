"""Labs are never destroyed by someone else's mistake, and never outlive a killed owner.

Real labs: a refused name leaves the lab holding it untouched; a SIGKILLed owner's watchdog
removes its lab within seconds; kept labs have no watchdog. Without labs: lab names of distinct
runs differ, the reservation is atomic, and ``teardown --all`` filters by run id and age.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_netopsbench.episode import LabSession
from pytest_netopsbench.errors import LabNameInUse
from pytest_netopsbench.runtime import attach_lab, create_lab, list_labs, run_lab_name
from pytest_netopsbench.runtime._proc import read_pid
from pytest_netopsbench.runtime._rundir import LAB_NAME_RE, lab_dir, process_start, reserve_lab_dir
from pytest_netopsbench.topology import build_topology

from .conftest import needs_lab_host, unique_name

CLI = [sys.executable, "-m", "pytest_netopsbench.cli"]


def _namespaces_of(name: str) -> list[str]:
    present = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    return [n for n in present if n.startswith(f"{name}-")]


def _frr_pids(name: str) -> list[int]:
    lab = attach_lab(name)
    pids = [
        read_pid(lab.run_dir / d.name / f"{x}.pid") for d in lab.topology.switches for x in ("zebra", "bgpd")
    ]
    return [p for p in pids if p is not None]


def _wait_gone(name: str, pids: list[int], within: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < within:
        alive = [p for p in pids if process_start(p) is not None]
        if not _namespaces_of(name) and not alive and not lab_dir(name).exists():
            return time.monotonic() - t0
        time.sleep(0.2)
    raise AssertionError(
        f"lab {name} still there after {within}s: namespaces {_namespaces_of(name)}, "
        f"daemons {[p for p in pids if process_start(p) is not None]}, dir {lab_dir(name).exists()}"
    )


# -- no lab needed ---------------------------------------------------------------------------------


def test_lab_names_of_distinct_runs_differ_and_fit_every_limit() -> None:
    a = run_lab_name("run-20261201T021333Z-a1b2c3", "gw0", "xs")
    b = run_lab_name("run-20261201T021333Z-a1b2c3", "gw0", "xs")
    assert a != b and a.startswith("nob-a1b2c3-") and a.endswith("-gw0-xs")
    # Two runs whose ids share their tail (the collision) still get distinct names.
    assert run_lab_name("x-relman", "master", "xs") != run_lab_name("y-relman", "master", "xs")
    longest = run_lab_name("Some-Very-Long-User-Run-Id_With.Dots-ABCDEFGHIJK", "gw123456789", "xl")
    assert LAB_NAME_RE.fullmatch(longest), longest
    devices = max(len(d.name) for d in build_topology("xl").devices)
    assert len(f"{longest}-") + devices <= 64  # a namespace name is a file name under /run/netns


def test_reservation_is_atomic_and_the_loser_creates_nothing(private_run_root: Path) -> None:
    name = unique_name()
    reserve_lab_dir(name)
    (lab_dir(name) / "marker").write_text("first")
    with pytest.raises(LabNameInUse, match="already in use"):
        reserve_lab_dir(name)
    assert (lab_dir(name) / "marker").read_text() == "first"


def test_lab_name_with_trailing_newline_is_refused() -> None:
    with pytest.raises(Exception, match="invalid lab name"):
        create_lab("xs", name="lab\n")


def _fake_stale_lab(name: str, run_id: str, age_s: float) -> None:
    """A lab record whose owner is gone and whose namespaces never existed: teardown works from
    lab.json alone, so the filters can be checked without deploying anything."""
    reserve_lab_dir(name)
    info = {
        "name": name,
        "backend": "netns",
        "scale": "xs",
        "run_id": run_id,
        "worker": "gw0",
        "owner_pid": 2**22 - 1,  # above pid_max on most hosts: never a live process
        "owner_start": 1,
        "created": time.time() - age_s,
        "devices": ["h1"],
        "run_dir": str(lab_dir(name)),
        "state": "up",
    }
    (lab_dir(name) / "lab.json").write_text(json.dumps(info))


def test_teardown_all_filters_by_run_id_and_age(private_run_root: Path) -> None:
    _fake_stale_lab("nob-aaa-1", "run-a", 10)
    _fake_stale_lab("nob-bbb-1", "run-b", 10)
    _fake_stale_lab("nob-bbb-2", "run-b", 3 * 3600)
    out = subprocess.run(
        [*CLI, "runtime", "teardown", "--all", "--run-id", "run-b", "--older-than", "2h"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "nob-bbb-2" in out.stdout and "nob-bbb-1" not in out.stdout
    assert sorted(i.name for i in list_labs()) == ["nob-aaa-1", "nob-bbb-1"]
    out = subprocess.run(
        [*CLI, "runtime", "teardown", "--all", "--run-id", "run-b"], capture_output=True, text=True
    )
    assert "removed 1 lab(s): nob-bbb-1" in out.stdout
    bad = subprocess.run(
        [*CLI, "runtime", "teardown", "--all", "--older-than", "soon"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "is not a duration" in bad.stderr
    assert [i.name for i in list_labs()] == ["nob-aaa-1"]


# -- real labs -------------------------------------------------------------------------------------


@pytest.mark.lab
@needs_lab_host
def test_a_refused_name_leaves_the_lab_that_holds_it_healthy(private_run_root: Path, tmp_path: Path) -> None:
    """The issue's clash: `runtime up --name X`, then a run that wants X is refused and X survives."""
    name = unique_name()
    up = subprocess.run(
        [*CLI, "runtime", "up", "--scale", "xs", "--name", name], capture_output=True, text=True
    )
    assert up.returncode == 0, up.stderr
    try:
        namespaces = sorted(_namespaces_of(name))
        assert len(namespaces) == 7  # six devices and the hidden wire
        with pytest.raises(LabNameInUse, match="already in use"):
            LabSession.start(
                "xs", backend="netns", name=name, run_id="relman", worker="master", store_dir=tmp_path
            )
        create_lab("xs", name=name).teardown()  # a lab object that never reserved the name: a no-op
        assert sorted(_namespaces_of(name)) == namespaces
        assert attach_lab(name).health().healthy
        assert [i.state for i in list_labs() if i.name == name] == ["up"]
    finally:
        subprocess.run([*CLI, "runtime", "teardown", name], capture_output=True, check=True)


_OWNER = """
import sys, time
from pytest_netopsbench.runtime import create_lab
lab = create_lab("xs", name=sys.argv[1])
lab.deploy()
print("up", flush=True)
time.sleep(600)
"""


@pytest.mark.lab
@needs_lab_host
def test_watchdog_removes_the_lab_of_a_sigkilled_owner(private_run_root: Path) -> None:
    name = unique_name()
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, name], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().strip() == "up"
        pids = _frr_pids(name)
        watchdog = json.loads((lab_dir(name) / "watchdog.json").read_text())["pid"]
        assert process_start(watchdog) is not None
    finally:
        owner.kill()
        owner.wait()
    took = _wait_gone(name, pids, within=15)
    deadline = time.monotonic() + 10  # the lab is gone; its watchdog exits right after
    while process_start(watchdog) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_start(watchdog) is None
    print(f"watchdog removed the lab {took:.1f}s after SIGKILL")


@pytest.mark.lab
@needs_lab_host
def test_normal_teardown_stops_the_watchdog(private_run_root: Path) -> None:
    lab = create_lab("xs", name=unique_name())
    lab.deploy()
    watchdog = json.loads((lab.run_dir / "watchdog.json").read_text())["pid"]
    assert process_start(watchdog) is not None
    lab.teardown()
    assert process_start(watchdog) is None


# -- memory preflight and bounded leftovers ----------------------------------------------------------


def test_memory_preflight_refuses_a_scale_that_does_not_fit_with_the_numbers(tmp_path: Path) -> None:
    from pytest_netopsbench.runtime import SCALE_MEMORY_MIB
    from pytest_netopsbench.runtime._memory import mem_available_mib, memory_problem

    assert SCALE_MEMORY_MIB == {"xs": 129, "s": 196, "m": 417, "l": 716, "xl": 1536}
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       4000000 kB\nMemAvailable:    1048576 kB\n")
    assert mem_available_mib(meminfo) == 1024
    assert memory_problem("l", 1024) is None
    assert memory_problem("xl", 1024) == (
        "a lab of scale xl needs about 1536 MiB of memory, but only 1024 MiB is available (MemAvailable)"
    )
    assert "2 labs of scale l need about 1432 MiB" in (memory_problem("l", 1024, labs=2) or "")
    assert memory_problem("xl", None) is None  # no MemAvailable line: cannot tell, do not refuse


def test_shared_failed_log_copies_stay_bounded(tmp_path: Path) -> None:
    from pytest_netopsbench.runtime._rundir import keep_recent

    for i in range(30):
        (tmp_path / f"lab{i:02d}").mkdir()
        os.utime(tmp_path / f"lab{i:02d}", (i, i))
    keep_recent(tmp_path, 19)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"lab{i:02d}" for i in range(11, 30)]


@pytest.mark.lab
@needs_lab_host
def test_failed_deploy_logs_go_where_the_owner_says(private_run_root: Path, tmp_path: Path) -> None:
    """The plugin passes a directory inside the run directory, so the copies go with the run."""
    from pytest_netopsbench.errors import LabError

    broken = "router bgp 65102\n neighbor 198.18.8.4 bogus-knob 7\n"
    dest = tmp_path / "labs" / "x" / "failed-deploy"
    lab = create_lab("xs", name=unique_name(), frr_extra={"leaf2": {"bgpd": broken}}, failed_logs=dest)
    with pytest.raises(LabError) as err:
        lab.deploy()
    assert err.value.logs == str(dest) and (dest / "leaf2" / "bgpd.log").is_file()
    assert not lab.run_dir.exists() and not _namespaces_of(lab.name)
