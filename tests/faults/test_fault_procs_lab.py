"""Processes and threads a fault starts carry no device, interface, lab or fault words: read from
/proc (argv and every thread's name) while the fault is active; their bookkeeping is gone after
clear."""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any

import pytest

from pytest_netopsbench.faults import build_fault
from pytest_netopsbench.runtime import Lab

from .conftest import FaultLab

pytestmark = pytest.mark.lab

FAULT_WORDS = re.compile(
    r"flap|shaper|impair|congest|latency|delay|jitter|loss|corrupt|netem|fault|inject|--queue|--netns",
    re.IGNORECASE,
)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _netns_inodes(lab: Lab) -> set[int]:
    return {os.stat(f"/run/netns/{lab.ns(d.name)}").st_ino for d in lab.topology.devices}


def visible(lab: Lab) -> dict[str, str]:
    """Every process a fault could have started (children of this process, or any process in the
    lab's namespaces) -> argv, plus the name of every thread of those and of this process."""
    me = os.getpid()
    inodes = _netns_inodes(lab)
    out: dict[str, str] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _read(f"/proc/{pid}/stat")
        ppid = int(stat.rsplit(")", 1)[-1].split()[1]) if ")" in stat else -1
        try:
            in_lab = os.stat(f"/proc/{pid}/ns/net").st_ino in inodes
        except OSError:
            in_lab = False
        if int(pid) != me and ppid != me and not in_lab:
            continue
        if int(pid) != me:  # this process is the harness itself (pytest), not something a fault started
            out[f"{pid}/cmdline"] = _read(f"/proc/{pid}/cmdline")
        for tid in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
            out[f"{pid}/task/{tid}/comm"] = _read(f"/proc/{pid}/task/{tid}/comm")
    out.update({f"thread {t.ident}": t.name for t in threading.enumerate()})
    return out


def words_of(lab: Lab, target: dict[str, Any]) -> re.Pattern[str]:
    names = {lab.name, *(d.name for d in lab.topology.devices), str(target.get("interface", ""))}
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n))


CASES = [
    ("high_latency", {"device": "leaf1", "interface": "eth1"}, {"latency_ms": 80, "backend": "nfqueue"}),
    ("packet_loss", {"device": "leaf2", "interface": "eth2"}, {"loss_pct": 30, "backend": "nfqueue"}),
    ("congestion", {"device": "leaf2", "interface": "eth1"}, {}),
    ("link_flapping", {"device": "leaf1", "interface": "eth1"}, {"down_s": 1.0, "up_s": 1.0}),
    ("asymmetric_latency", {"device": "leaf1", "interface": "eth2"}, {"latency_ms": 80}),
    ("capacity_degradation", {"device": "leaf2", "interface": "eth2"}, {}),
    ("optic_flap_low_loss", {"device": "leaf1", "interface": "eth1"}, {}),
]


@pytest.mark.parametrize(("fault_type", "target", "params"), CASES, ids=[c[0] for c in CASES])
def test_fault_processes_and_threads_are_neutral(
    fault_lab: FaultLab, fault_type: str, target: dict[str, Any], params: dict[str, Any]
) -> None:
    lab = fault_lab.lab
    fault = build_fault(fault_type, target, params, lab.topology)
    if fault.unsupported_reason():
        pytest.skip(fault.unsupported_reason() or "")
    before = visible(lab)
    try:
        fault.inject(lab)
        time.sleep(1.0)
        during = visible(lab)
    finally:
        fault.clear(lab)
        lab.wait_healthy(60)
    new = {k: v for k, v in during.items() if before.get(k) != v}
    assert new, f"{fault_type}: started nothing visible (is the check looking in the right place?)"
    names = words_of(lab, target)
    found = [f"{k}: {v}" for k, v in new.items() if FAULT_WORDS.search(v) or names.search(v)]
    assert not found, found
    spawned = lab.run_dir / "spawned"
    leftover = (
        [p.name for p in spawned.glob("*") if p.stat().st_mtime > time.time() - 120]
        if spawned.exists()
        else []
    )
    records = [p for p in leftover if p.endswith(".json")]
    for record in records:  # only live processes (background traffic) may keep a record
        assert os.path.exists(f"/proc/{record.split('.')[0]}"), f"{fault_type}: stale record {record}"
