"""Per-fault timings on a real xs lab: inject, time until ``verify`` confirms, clear, time until healthy.

Usage (root): .venv/bin/python benchmarks/faults.py [--repeat N] [--only NAME ...] [--no-collector] [--json]

Times are wall-clock seconds from the start of each step. "verify" polls ``verify`` (ping-mesh
evidence from a light collector when running, else the fault's own probes) until it confirms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pytest_netopsbench.evidence import Collector, EvidenceStore, Window
from pytest_netopsbench.faults import build_fault
from pytest_netopsbench.runtime import create_lab

CASES: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
    ("link_down", "link_down", {"device": "leaf1", "interface": "eth1"}, {}),
    ("link_flapping", "link_flapping", {"device": "leaf1", "interface": "eth1"}, {}),
    ("mtu_mismatch", "mtu_mismatch", {"device": "spine1", "interface": "eth1"}, {}),
    ("packet_loss", "packet_loss", {"device": "leaf1", "interface": "eth1"}, {}),
    ("packet_corruption", "packet_corruption", {"device": "leaf1", "interface": "eth1"}, {}),
    ("high_latency", "high_latency", {"device": "leaf1", "interface": "eth1"}, {}),
    ("bgp_neighbor_misconfig", "bgp_neighbor_misconfig", {"device": "leaf1"}, {}),
    ("bgp (password)", "bgp_neighbor_misconfig", {"device": "leaf1"}, {"kind": "password_mismatch"}),
    ("bgp (shutdown)", "bgp_neighbor_misconfig", {"device": "leaf1"}, {"kind": "admin_shutdown"}),
    ("static_route_misconfig", "static_route_misconfig", {"device": "leaf1"}, {}),
    ("blackhole_route", "blackhole_route", {"device": "leaf1"}, {}),
    ("route_policy_misconfig", "route_policy_misconfig", {"device": "leaf2"}, {}),
    (
        "route_policy (prefix-list)",
        "route_policy_misconfig",
        {"device": "leaf2"},
        {"kind": "prefix_list_deny"},
    ),
    ("device_down", "device_down", {"device": "spine2"}, {}),
    ("acl_misconfig", "acl_misconfig", {"device": "leaf1", "interface": "eth1"}, {}),
    ("congestion", "congestion", {"device": "leaf1", "interface": "eth1"}, {}),
    ("fib_rib_mismatch", "fib_rib_mismatch", {"device": "leaf1"}, {}),
    ("ecmp_member_drop", "ecmp_member_drop", {"device": "spine1", "interface": "eth2"}, {}),
]


def run_case(
    lab: Any,
    store: EvidenceStore | None,
    case: tuple[str, str, dict[str, str], dict[str, Any]],
) -> dict[str, Any]:
    label, ftype, target, params = case
    fault = build_fault(ftype, target, params, lab.topology)
    if fault.unsupported_reason():
        return {"fault": label, "skipped": fault.unsupported_reason()}
    t0 = time.monotonic()
    started = time.time()
    fault.inject(lab)
    inject_s = time.monotonic() - t0
    confirmed, verify_s = False, float("nan")
    try:
        while time.monotonic() - t0 < 30:
            v = fault.verify(lab, store, Window(start=started, end=time.time()))
            if v.confirmed:
                confirmed, verify_s = True, time.monotonic() - t0
                break
            time.sleep(0.2)
    finally:
        t1 = time.monotonic()
        fault.clear(lab)
        clear_s = time.monotonic() - t1
    t2 = time.monotonic()
    health = lab.wait_healthy(90)
    healthy_s = time.monotonic() - t2
    return {
        "fault": label,
        "inject_s": inject_s,
        "verify_s": verify_s,
        "confirmed": confirmed,
        "clear_s": clear_s,
        "healthy_s": healthy_s,
        "healthy": health.healthy,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--no-collector", action="store_true", help="verify from the faults' own probes only")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if not args.only or c[0] in args.only or c[1] in args.only]
    lab = create_lab("xs", name=f"nob-fb-{uuid.uuid4().hex[:6]}")
    results: list[dict[str, Any]] = []
    collector = None
    store = None
    try:
        lab.deploy()
        if not args.no_collector:
            store = EvidenceStore(Path(tempfile.mkdtemp()) / "evidence.db")
            collector = Collector(lab, store, traffic="light").start()
            collector.wait_rounds(2)
        for _ in range(args.repeat):
            for case in cases:
                results.append(run_case(lab, store, case))
    finally:
        if collector is not None:
            collector.stop()
        lab.teardown()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'fault':28} {'inject':>7} {'verify':>7} {'clear':>7} {'healthy':>8}  ok")
    for label in dict.fromkeys(r["fault"] for r in results):
        rows = [r for r in results if r["fault"] == label]
        if "skipped" in rows[0]:
            print(f"{label:28} skipped: {rows[0]['skipped']}")
            continue

        def med(key: str, rows: list[dict[str, Any]] = rows) -> float:
            return statistics.median(float(r[key]) for r in rows)

        ok = all(r["confirmed"] and r["healthy"] for r in rows)
        print(
            f"{label:28} {med('inject_s'):7.2f} {med('verify_s'):7.2f} {med('clear_s'):7.2f} "
            f"{med('healthy_s'):8.2f}  {'yes' if ok else 'NO'}"
        )
    print(
        f"(median seconds over {args.repeat} run(s); evidence: "
        f"{'ping mesh + probes' if not args.no_collector else 'own probes'})"
    )
    return 0 if all(r.get("confirmed", True) and r.get("healthy", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
