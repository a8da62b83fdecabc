"""The hidden wire: every link runs through a per-lab namespace that no device (and no tool of the
agent) can see, and that goes away with the lab."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_netopsbench.evidence import EvidenceStore
from pytest_netopsbench.runtime import Lab
from pytest_netopsbench.runtime.netns import Wire, wire_namespace
from pytest_netopsbench.toolkit import Toolkit

from .conftest import needs_lab_host

pytestmark = [pytest.mark.lab, needs_lab_host]


def _json(lab: Lab, device: str, *argv: str) -> list[dict[str, Any]]:
    return list(json.loads(lab.exec(device, list(argv), check=True).stdout or "[]"))


def test_wire_carries_every_link_unseen_and_goes_with_the_lab(
    make_lab: Callable[..., Lab], tmp_path: Path
) -> None:
    lab = make_lab("xs")
    lab.deploy()
    wire = getattr(lab, "wire", None)
    assert isinstance(wire, Wire)
    assert wire.ns == wire_namespace(lab.name) and os.path.exists(f"/run/netns/{wire.ns}")
    topo = lab.topology
    rows = json.loads(wire.check(["ip", "-j", "link", "show"]))
    masters = {row["ifname"]: row["master"] for row in rows if row.get("master")}
    for link in topo.links:
        a, b = wire.port(link.a.device, link.a.interface), wire.port(link.b.device, link.b.interface)
        assert masters[a] == masters[b] == wire.bridge(link.a.device, link.a.interface)
    qdiscs = json.loads(wire.check(["tc", "-j", "qdisc", "show"]))
    assert {q["dev"] for q in qdiscs if q["kind"] == "tbf"} == set(masters)
    wire_names = set(masters) | {str(m) for m in masters.values()}
    for dev in topo.devices:
        links = _json(lab, dev.name, "ip", "-d", "-j", "link", "show")
        names = {str(row["ifname"]) for row in links}
        # a device keeps exactly its own ports, addresses and MTUs, and sees no wire, bridge or qdisc
        assert names == {"lo"} | {i.name for i in dev.interfaces}
        assert not names & wire_names
        for row in links:
            assert row.get("linkinfo", {}).get("info_kind") in (None, "veth")
            if row["ifname"] != "lo":
                assert row["mtu"] == 1500
        addrs = {
            f"{a['local']}/{a['prefixlen']}"
            for r in _json(lab, dev.name, "ip", "-j", "addr")
            for a in r["addr_info"]
        }
        assert {i.address for i in dev.interfaces} <= addrs
        for q in _json(lab, dev.name, "tc", "-j", "qdisc", "show"):
            assert q["kind"] == "noqueue"
        # (a raw `ip -d link` in a device resolves its veths' link-netns to the wire's namespace
        # name, as it named the peer device's before: devices share the host's /run/netns. The
        # agent's tools below never show it.)
    # the agent's tools: no answer names the wire, its ports or its bridges
    store = EvidenceStore(tmp_path / "evidence.db")
    tk = Toolkit(lab, store)
    seen = json.dumps([tk.call("get_device_interfaces", {"device": d.name}) for d in topo.devices])
    store.close()
    assert "wire" not in seen and not any(f'"{n}"' in seen for n in wire_names)
    lab.teardown()
    assert not os.path.exists(f"/run/netns/{wire.ns}")


def test_cable_cut_on_the_wire_is_carrier_loss_not_shutdown(make_lab: Callable[..., Lab]) -> None:
    lab = make_lab("xs")
    lab.deploy()
    wire = getattr(lab, "wire", None)
    assert isinstance(wire, Wire)
    wire.check(["ip", "link", "set", wire.port("leaf1", "eth1"), "down"])
    row = _json(lab, "leaf1", "ip", "-j", "link", "show", "dev", "eth1")[0]
    flags = row["flags"]
    assert isinstance(flags, list)
    assert row["operstate"] == "DOWN" and "UP" in flags and "NO-CARRIER" in flags
    wire.check(["ip", "link", "set", wire.port("leaf1", "eth1"), "up"])
    assert lab.wait_healthy(30).healthy
