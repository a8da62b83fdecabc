"""A fault defined outside the package, registered through the ``netopsbench.faults`` entry point
group of an installed distribution, is found (in-process and by the CLI) and runs on a real lab."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_netopsbench.faults import build_fault, fault_names, get_fault, registry
from pytest_netopsbench.topology import Topology

from .conftest import FaultLab

PLUGIN = textwrap.dedent('''
    """A third party's fault: a host's NIC goes down."""
    from typing import ClassVar
    from pydantic import BaseModel, ConfigDict, Field
    from pytest_netopsbench.faults import Fault, GroundTruth, TargetError, TargetKind, Verification

    class NicParams(BaseModel):
        model_config = ConfigDict(extra="forbid")
        nic: str = Field(default="eth1")

    class HostNicDown(Fault):
        name = "host_nic_down"
        category = "host"
        targets: ClassVar = (TargetKind.DEVICE,)
        Params = NicParams
        description = "A server's NIC is down."

        @classmethod
        def check_target(cls, topology, target):
            if topology.device(target.device).is_switch:
                raise TargetError("host_nic_down targets a host", field="fault.target.device")

        def inject(self, lab):
            lab.exec(self.target.device, ["ip", "link", "set", "dev", self.params.nic, "down"], check=True)

        def clear(self, lab):
            host = self.topology.device(self.target.device)
            lab.exec(host.name, ["ip", "link", "set", "dev", self.params.nic, "up"], check=True)
            # the kernel dropped the default route with the link; put it back
            lab.exec(host.name, ["ip", "route", "replace", "default", "via", host.gateway], check=True)

        def verify(self, lab, store, window):
            gw = self.topology.device(self.target.device).gateway
            res = lab.exec(self.target.device, ["fping", "-q", "-c", "3", "-p", "20", "-t", "200", gw])
            return Verification(confirmed=res.returncode != 0, evidence=[res.stderr.strip()])

        def ground_truth(self):
            return GroundTruth(fault_type=self.name, device=self.target.device)
''')


def _install(root: Path, module: str, entry: str) -> None:
    """Lay out a minimal installed distribution: a module plus a dist-info with entry_points.txt."""
    (root / f"{module}.py").write_text(PLUGIN)
    dist = root / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[netopsbench.faults]\n{entry}\n")


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _install(tmp_path, "acme_netfaults", "host_nic_down = acme_netfaults:HostNicDown")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    registry.reload_plugins()
    try:
        yield tmp_path
    finally:
        registry.unregister("host_nic_down")
        monkeypatch.undo()
        sys.modules.pop("acme_netfaults", None)
        importlib.invalidate_caches()
        registry.reload_plugins()


def test_entry_point_fault_is_registered(plugin_dir: Path) -> None:
    assert "host_nic_down" in fault_names()
    cls = get_fault("host-nic-down")
    assert cls.__module__ == "acme_netfaults"
    f = build_fault("host_nic_down", {"device": "h1"}, {}, registry_topology())
    assert f.ground_truth().device == "h1"


def test_cli_lists_the_plugin_fault(plugin_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(plugin_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "pytest_netopsbench.cli", "fault", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    ).stdout
    entries = {e["name"]: e for e in json.loads(out)}
    assert entries["host_nic_down"]["source"] == "acme_netfaults:HostNicDown"
    assert entries["host_nic_down"]["params"][0] == {
        "name": "nic",
        "type": "str",
        "default": "eth1",
        "required": False,
        "description": "",
    }
    assert "link_down" in entries


def test_broken_plugin_is_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "acme_broken", "broken_fault = acme_broken_missing:Nope")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        with pytest.warns(RuntimeWarning, match="broken_fault"):
            registry.reload_plugins()
        assert "broken_fault" in registry.load_errors()
        assert "link_down" in fault_names()
    finally:
        monkeypatch.undo()
        importlib.invalidate_caches()
        registry.reload_plugins()


def registry_topology() -> Topology:
    from pytest_netopsbench.topology import build_topology

    return build_topology("xs")


@pytest.mark.lab
def test_plugin_fault_runs_on_a_lab(plugin_dir: Path, fault_lab: FaultLab) -> None:
    lab = fault_lab.lab
    fault = build_fault("host_nic_down", {"device": "h2"}, {}, lab.topology)
    try:
        fault.inject(lab)
        v = fault.verify(lab, fault_lab.store, None)
        assert v.confirmed, v.evidence
        assert "state DOWN" in lab.exec("h2", ["ip", "link", "show", "dev", "eth1"]).stdout
    finally:
        fault.clear(lab)
    started = time.monotonic()
    assert lab.wait_healthy(60).healthy, f"not healthy {time.monotonic() - started:.1f}s after clear"
