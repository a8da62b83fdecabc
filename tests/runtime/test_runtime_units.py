"""Fast checks of the runtime's pure parts: FRR configs, naming, registry, stale detection, mechanisms."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from pytest_netopsbench.errors import LabError
from pytest_netopsbench.runtime import (
    LabInfo,
    available_backends,
    create_lab,
    default_lab_name,
    list_labs,
    teardown_all,
)
from pytest_netopsbench.runtime._frr import config_errors, daemon_argv
from pytest_netopsbench.runtime._rundir import write_info
from pytest_netopsbench.runtime.capabilities import HostCapabilities, KernelFeatures, fault_mechanisms
from pytest_netopsbench.runtime.netns import render_configs
from pytest_netopsbench.topology import build_topology

# Words that would tell an agent it is inside a benchmark; nothing a device shows may contain them.
HARNESS_WORDS = re.compile(r"netops|nob\b|nob-|fault|bench|harness|inject|scenario", re.IGNORECASE)


@pytest.mark.parametrize("scale", ["xs", "m"])
def test_frr_configs_look_like_an_operators_and_never_name_the_harness(scale: str) -> None:
    topo = build_topology(scale)
    for dev in topo.switches:
        confs = render_configs(topo, dev)
        assert set(confs) == {"zebra", "staticd", "bgpd", "vtysh"}
        for daemon, text in confs.items():
            assert not HARNESS_WORDS.search(text), f"{dev.name} {daemon}.conf leaks: {text}"
            assert f"hostname {dev.name}\n" in text
            assert "/run/" not in text  # without log_dir there is no path at all
    leaf = topo.device("leaf1")
    logged = render_configs(topo, leaf, log_dir=Path("/run/frr-instances/0123456789/leaf1"))
    assert "log file /run/frr-instances/0123456789/leaf1/bgpd.log informational\n" in logged["bgpd"]
    assert "log file /run/frr-instances/0123456789/leaf1/zebra.log debugging\n" in logged["zebra"]


def test_bgpd_config_peers_with_every_neighbor_and_keeps_ecmp() -> None:
    topo = build_topology("s")
    leaf = topo.device("leaf3")
    text = render_configs(topo, leaf)["bgpd"]
    for spine in topo.spines:
        peer_ip = spine.interface(leaf.interface(f"eth{spine.name[5:]}").peer_interface).ip
        assert f" neighbor {peer_ip} peer-group FABRIC\n" in text
    for needle in (
        "router bgp 65103",
        "coalesce-time 100",
        "timers connect 1",
        "timers bgp 3 9",
        "multipath-relax",
        "maximum-paths",
        "network 198.19.5.0/24",
        "network 198.19.6.0/24",
    ):
        assert needle in text
    assert "network 198.19.1.0/24" not in text  # another leaf's host
    assert "no zebra nexthop kernel enable" in render_configs(topo, leaf)["zebra"]


def test_extra_config_is_appended_and_unknown_daemon_rejected() -> None:
    topo = build_topology("xs")
    leaf = topo.device("leaf1")
    assert render_configs(topo, leaf, {"staticd": "ip route 198.19.9.0/24 blackhole"})["staticd"].endswith(
        "ip route 198.19.9.0/24 blackhole\n"
    )
    with pytest.raises(ValueError, match="unknown daemon 'ospfd' on leaf1"):
        render_configs(topo, leaf, {"ospfd": "router ospf"})


def test_daemon_argv_disables_tcp_vty_and_uses_private_paths(tmp_path: Path) -> None:
    argv = daemon_argv("bgpd", tmp_path)
    assert argv[argv.index("-P") + 1] == "0"
    for flag in ("-f", "-i", "-z", "--vty_socket"):
        assert argv[argv.index(flag) + 1].startswith(str(tmp_path))
    assert "-s" in daemon_argv("zebra", tmp_path) and "-s" not in argv


def test_config_errors_are_found_in_daemon_logs(tmp_path: Path) -> None:
    log = tmp_path / "bgpd.log"
    log.write_text("2026/01/01 BGP: [SHWNK-NWT5S][EC 100663304] No such command on config line 4:  bogus\n")
    assert config_errors(log) == ["on config line 4:  bogus"]
    assert config_errors(tmp_path / "absent.log") == []


def test_lab_names_and_input_errors() -> None:
    assert default_lab_name("3fa2c1ff", "gw0") == "nob-3fa2c1-gw0"
    lab = create_lab("small", run_id="abcdef", worker="gw1")
    assert lab.name == "nob-abcdef-gw1" and lab.ns("leaf2") == "nob-abcdef-gw1-leaf2"
    assert lab.topology.scale == "s"
    with pytest.raises(LabError, match="unknown scale 'tiny'"):
        create_lab("tiny")
    with pytest.raises(LabError, match="invalid lab name 'Bad Name'"):
        create_lab("xs", name="Bad Name")
    with pytest.raises(LabError, match=r"unknown lab backend 'vagrant'.*netns"):
        create_lab("xs", backend="vagrant")
    with pytest.raises(LabError, match="'h1', which is not a switch"):
        create_lab("xs", name="rt-unit-extra", frr_extra={"h1": {"bgpd": "x"}})
    assert {"netns", "containerlab"} <= set(available_backends())


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _fake_lab(root: Path, name: str, owner_pid: int) -> None:
    run_dir = root / "labs" / name
    run_dir.mkdir(parents=True)
    write_info(
        LabInfo(
            name=name,
            backend="netns",
            scale="xs",
            run_id="000000",
            worker="master",
            owner_pid=owner_pid,
            created=time.time(),
            devices=["spine1"],
            run_dir=str(run_dir),
        )
    )


def test_stale_detection_and_teardown_all_only_touches_stale_labs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Metadata-only labs in a private run root: their namespaces never existed, so teardown is a no-op
    # for the network and only exercises the bookkeeping.
    monkeypatch.setenv("NETOPSBENCH_RUN_ROOT", str(tmp_path))
    _fake_lab(tmp_path, "rt-live", os.getpid())
    _fake_lab(tmp_path, "rt-manual", 0)
    _fake_lab(tmp_path, "rt-dead", _dead_pid())
    states = {i.name: i.state for i in list_labs()}
    assert states == {"rt-live": "up", "rt-manual": "up", "rt-dead": "stale"}
    assert teardown_all(stale_only=True) == ["rt-dead"]
    assert sorted(i.name for i in list_labs()) == ["rt-live", "rt-manual"]
    assert sorted(teardown_all(stale_only=False)) == ["rt-live", "rt-manual"]
    assert list_labs() == []


def _caps(**kernel: bool) -> HostCapabilities:
    names = ("ip", "vtysh", "fping", "sysctl", "iptables")
    binaries: dict[str, str | None] = {b: f"/usr/bin/{b}" for b in names}
    return HostCapabilities(
        is_root=True,
        kernel_release="test",
        frr_present=True,
        frr_dir="/usr/lib/frr",
        binaries=binaries,
        kernel=KernelFeatures.model_validate(kernel),
    )


def test_fault_mechanisms_fall_back_when_netem_is_missing() -> None:
    with_netem = fault_mechanisms(_caps(netem=True, tbf=True, nftables=True, nfqueue=True))
    assert (with_netem.impairments, with_netem.loss, with_netem.rate_limit) == ("netem", "netem", "tbf")
    here = fault_mechanisms(_caps(netem=False, tbf=True, nftables=True, netdev_egress=True, nfqueue=True))
    assert (here.impairments, here.loss, here.corruption, here.acl) == (
        "nftables+nfqueue",
        "nftables",
        "nftables",
        "nftables",
    )
    assert any("netem" in n for n in here.notes)
    bare = fault_mechanisms(_caps(netem=False, tbf=False, htb=False, nftables=False, nfqueue=False))
    assert (bare.impairments, bare.rate_limit, bare.acl) == (None, None, "iptables")
    assert _caps().missing_essentials() == []


def test_missing_frr_is_one_clear_error_before_anything_is_created(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pytest_netopsbench.errors import CapabilityError
    from pytest_netopsbench.runtime.netns import _lab

    monkeypatch.setattr(_lab, "FRR_DIR", tmp_path / "no-frr")
    monkeypatch.setenv("NETOPSBENCH_RUN_ROOT", str(tmp_path / "root"))
    lab = create_lab("xs", name="rt-unit-nofrr")
    expected = r"(needs root|FRR or tools missing: .*no-frr/zebra.*setup\.sh)"
    with pytest.raises(CapabilityError, match=expected):
        lab.deploy()
    assert not lab.run_dir.exists()
