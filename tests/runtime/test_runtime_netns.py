"""Real netns labs: convergence, ECMP in the kernel, isolation, failure cleanup and stale handling."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_netopsbench.errors import LabError
from pytest_netopsbench.runtime import Lab, attach_lab, list_labs
from pytest_netopsbench.runtime._proc import pids_in_netns, read_pid
from pytest_netopsbench.runtime._rundir import process_start

from .conftest import needs_lab_host, unique_name

pytestmark = [pytest.mark.lab, needs_lab_host]

CLI = [sys.executable, "-m", "pytest_netopsbench.cli"]


def _namespaces() -> set[str]:
    return set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()


def _root_links() -> set[str]:
    out = subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {link["ifname"] for link in json.loads(out)}


def _frr_pids(lab: Lab) -> list[int]:
    pids = [
        read_pid(lab.run_dir / d.name / f"{daemon}.pid")
        for d in lab.topology.switches
        for daemon in ("zebra", "staticd", "bgpd")
    ]
    return [p for p in pids if p is not None]


def _assert_gone(lab: Lab, pids: list[int]) -> None:
    assert not any(n.startswith(f"{lab.name}-") for n in _namespaces())
    assert not getattr(lab, "alias_dir", Path("/nonexistent")).is_symlink()
    assert [p for p in pids if process_start(p) is not None] == []
    assert not lab.run_dir.exists()


def test_xs_lab_converges_with_ecmp_and_leaves_nothing_behind(make_lab: Callable[..., Lab]) -> None:
    root_links = _root_links()
    lab = make_lab("xs")
    t0 = time.monotonic()
    lab.deploy()
    took = time.monotonic() - t0
    report = lab.health()
    assert report.healthy, report.problems
    assert (report.bgp_expected, report.bgp_established) == (8, 8)
    assert took < 30

    # Every host reaches every other, by a real ping inside its namespace.
    for src in lab.topology.hosts:
        for dst in lab.topology.hosts:
            if src.name != dst.name:
                lab.exec(src.name, ["ping", "-c", "1", "-W", "1", dst.host_ip], check=True)

    # One kernel next hop per spine on every leaf, for every remote host subnet.
    spines = len(lab.topology.spines)
    for leaf in lab.topology.leaves:
        out = lab.exec(leaf.name, ["ip", "-j", "route", "show", "proto", "bgp"], check=True).stdout
        routes = json.loads(out)
        by_dst = {r["dst"]: r for r in routes}
        for host in lab.topology.hosts:
            if host.leaf != leaf.name:
                hops = by_dst[host.subnet]["nexthops"]
                assert len(hops) == spines
                assert {h["dev"] for h in hops} == {f"eth{j}" for j in range(1, spines + 1)}

    # Sealed: nothing new in the root namespace, and no route out of a host except via its leaf.
    assert _root_links() == root_links
    assert "default via 198.19.1.1 dev eth1" in lab.exec("h1", ["ip", "route"]).stdout

    # FRR is reachable three ways, and its hostname is the device name.
    assert '"state":"Established"' in lab.vty_show(
        "spine1", "show bgp ipv4 unicast summary json", daemon="bgpd"
    ).replace(" ", "")
    assert "hostname leaf1" in lab.vtysh("leaf1", ["show running-config"])
    assert "bgp router-id 198.18.1.1" in lab.exec("leaf1", ["vtysh", "-c", "show running-config"]).stdout
    lab.vtysh("leaf1", ["configure terminal", "router bgp 65101", "neighbor 198.18.8.0 description uplink-a"])
    assert "description uplink-a" in lab.vtysh("leaf1", ["show running-config"])

    # Nothing FRR echoes back names the harness (paths go through the neutral alias).
    echoed = lab.vtysh("spine1", ["show logging", "show running-config"])
    assert "/run/frr-instances/" in echoed
    assert not re.search(r"netops|\bnob-|bench|\bfaults?\b", echoed, re.IGNORECASE), echoed
    bgp_log = (lab.run_dir / "leaf1" / "bgpd.log").read_text()
    assert re.search(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{3} BGP:", bgp_log, re.M)  # ms stamps

    # attach from metadata works and shows the lab as up, owned by us.
    info = next(i for i in list_labs() if i.name == lab.name)
    assert (info.state, info.owner_pid) == ("up", os.getpid())
    assert attach_lab(lab.name).health().healthy

    # A spawned tool is tracked and killed at teardown.
    proc = lab.spawn("h1", ["fping", "-l", "-p", "200", lab.topology.device("h2").host_ip])
    time.sleep(0.3)
    assert proc.poll() is None
    pids = [*_frr_pids(lab), proc.pid]
    assert len(pids) == 3 * len(lab.topology.switches) + 1

    t0 = time.monotonic()
    lab.teardown()
    assert time.monotonic() - t0 < 10
    assert proc.poll() is not None
    _assert_gone(lab, pids)
    lab.teardown()  # idempotent


def test_broken_daemon_config_fails_deploy_and_cleans_up(make_lab: Callable[..., Lab]) -> None:
    broken = "router bgp 65102\n neighbor 198.18.8.4 bogus-knob 7\n"
    lab = make_lab("xs", frr_extra={"leaf2": {"bgpd": broken}})
    with pytest.raises(LabError) as err:
        lab.deploy()
    exc = err.value
    assert exc.step == "frr config check" and exc.device == "leaf2"
    assert "bgpd rejected its config" in str(exc) and "config line" in str(exc)
    # The logs survive teardown so the failure can be read.
    assert exc.logs and (Path(exc.logs) / "leaf2" / "bgpd.log").is_file()
    shutil.rmtree(exc.logs)
    assert not any(n.startswith(f"{lab.name}-") for n in _namespaces())
    assert not lab.run_dir.exists()
    assert pids_in_netns([lab.ns(d.name) for d in lab.topology.devices]) == {}


def test_name_in_use_is_refused_without_touching_the_running_lab(make_lab: Callable[..., Lab]) -> None:
    lab = make_lab("xs")
    lab.deploy()
    twin = make_lab("xs", name=lab.name)
    with pytest.raises(LabError, match="already in use"):
        twin.deploy()
    assert lab.health().healthy


def test_two_labs_side_by_side_are_isolated(make_lab: Callable[..., Lab]) -> None:
    a, b = make_lab("xs"), make_lab("xs")
    a.deploy()
    b.deploy()
    assert a.health().healthy and b.health().healthy
    # Same addresses in both labs: cutting lab a's h2 off must not affect lab b at all.
    h2 = a.topology.device("h2").host_ip
    a.exec("h2", ["ip", "link", "set", "eth1", "down"], check=True)
    assert not a.exec("h1", ["ping", "-c", "1", "-W", "1", h2]).ok
    assert b.exec("h1", ["ping", "-c", "1", "-W", "1", h2]).ok
    # And a BGP session dropped in lab a stays up in lab b.
    a.exec("leaf1", ["ip", "link", "set", "eth1", "down"], check=True)
    time.sleep(0.5)
    peer = "198.18.8.0"
    a_state = json.loads(a.vty_show("leaf1", "show bgp ipv4 unicast summary json", daemon="bgpd"))
    b_state = json.loads(b.vty_show("leaf1", "show bgp ipv4 unicast summary json", daemon="bgpd"))
    assert a_state["peers"][peer]["state"] != "Established"
    assert b_state["peers"][peer]["state"] == "Established"
    assert b.health().healthy


_OWNER = """
import sys, time
from pytest_netopsbench.runtime import create_lab
lab = create_lab("xs", name=sys.argv[1], watchdog=False)  # no watchdog: the lab goes stale
lab.deploy()
print("up", flush=True)
time.sleep(600)
"""


def test_sigkilled_owner_leaves_a_stale_lab_that_teardown_all_removes(private_run_root: Path) -> None:
    name = unique_name()
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, name], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().strip() == "up"
        info = next(i for i in list_labs() if i.name == name)
        assert (info.state, info.owner_pid) == ("up", owner.pid)
        lab = attach_lab(name)
        pids = _frr_pids(lab)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    assert next(i for i in list_labs() if i.name == name).state == "stale"
    listing = subprocess.run([*CLI, "runtime", "list"], capture_output=True, text=True, check=True).stdout
    assert any(line.startswith(name) and "stale" in line for line in listing.splitlines())
    out = subprocess.run([*CLI, "runtime", "teardown", "--all"], capture_output=True, text=True, check=True)
    assert name in out.stdout
    assert list_labs() == []
    _assert_gone(lab, pids)


def test_cli_up_exec_health_teardown(private_run_root: Path) -> None:
    name = unique_name()
    try:
        up = subprocess.run(
            [*CLI, "runtime", "up", "--scale", "xs", "--name", name],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert up.returncode == 0, up.stderr
        assert f"lab {name} up" in up.stdout and "health: healthy" in up.stdout
        info = next(i for i in list_labs() if i.name == name)
        assert info.manual and info.state == "up"  # manual labs are never stale
        exec_ = [*CLI, "runtime", "exec", name]
        show = subprocess.run(
            [*exec_, "spine2", "--", "vtysh", "-c", "show bgp summary"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "198.18.8.3" in show and "Total number of neighbors 2" in show
        ping = subprocess.run(
            [*exec_, "h2", "--", "ping", "-c", "1", "198.19.1.10"], capture_output=True, text=True
        )
        assert ping.returncode == 0 and "1 received" in ping.stdout
        bad = subprocess.run([*exec_, "h7", "--", "true"], capture_output=True, text=True)
        assert bad.returncode == 1 and "has no device 'h7'" in bad.stderr
        health = subprocess.run([*CLI, "runtime", "health", name, "--json"], capture_output=True, text=True)
        assert health.returncode == 0 and json.loads(health.stdout)["healthy"] is True
    finally:
        down = subprocess.run([*CLI, "runtime", "teardown", name], capture_output=True, text=True)
    assert down.returncode == 0 and f"removed {name}" in down.stdout
    again = subprocess.run([*CLI, "runtime", "teardown", name], capture_output=True, text=True)
    assert again.returncode == 0 and "nothing to remove" in again.stdout


def test_switch_daemons_stop_and_start_again(make_lab: Callable[..., Lab]) -> None:
    lab = make_lab("xs")
    lab.deploy()
    assert lab.stop_daemons("spine1") == ["bgpd", "staticd", "zebra"]  # type: ignore[attr-defined]
    report = lab.health()
    assert not report.healthy and report.bgp_established == 4  # only spine2's four sessions are left
    assert any(p.startswith("spine1: BGP summary unavailable") for p in report.problems)
    assert lab.start_daemons("spine1") == ["zebra", "staticd", "bgpd"]  # type: ignore[attr-defined]
    assert lab.wait_healthy(30).healthy
