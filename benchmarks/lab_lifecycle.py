"""Lab lifecycle benchmark: seconds to full host reachability, teardown seconds and FRR memory per scale.

Usage (root):  .venv/bin/python benchmarks/lab_lifecycle.py [--scales xs,s,m,l] [--runs 3] [--json out.json]

"Up" is measured from the deploy call to the moment the whole host mesh answers (deploy only returns
once BGP is Established everywhere, every leaf's kernel FIB has one next hop per spine and fping
reaches every host from every host).  Memory is summed over the FRR daemons of the converged lab.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

from pydantic import BaseModel

from pytest_netopsbench.runtime import create_lab
from pytest_netopsbench.runtime._proc import read_pid
from pytest_netopsbench.topology import build_topology

TARGET_UP = {"xs": 3.0, "m": 8.0, "l": 15.0}


class Run(BaseModel):
    scale: str
    up_s: float
    teardown_s: float
    frr_rss_mib: float
    frr_pss_mib: float
    daemons: int


def _mem_kib(pid: int, key: str) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except FileNotFoundError:
        return 0
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def one_run(scale: str) -> Run:
    lab = create_lab(scale, name=f"bench-{uuid.uuid4().hex[:6]}", worker="bench")
    try:
        t0 = time.monotonic()
        lab.deploy()
        up = time.monotonic() - t0
        pids = [
            p
            for d in lab.topology.switches
            for dm in ("zebra", "staticd", "bgpd")
            if (p := read_pid(lab.run_dir / d.name / f"{dm}.pid")) is not None
        ]
        rss = sum(_mem_kib(p, "Rss") for p in pids) / 1024
        pss = sum(_mem_kib(p, "Pss") for p in pids) / 1024
    finally:
        t1 = time.monotonic()
        lab.teardown()
        down = time.monotonic() - t1
    return Run(scale=scale, up_s=up, teardown_s=down, frr_rss_mib=rss, frr_pss_mib=pss, daemons=len(pids))


def _fmt(values: list[float], unit: str = "s") -> str:
    return f"{statistics.median(values):6.2f}{unit} ({min(values):.2f}-{max(values):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="xs,s,m,l")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write every run as JSON here")
    args = ap.parse_args()
    runs: list[Run] = []
    print(
        f"{'scale':<6} {'devices':>7} {'up to full reachability':>28} {'teardown':>24} "
        f"{'FRR RSS MiB':>12} {'FRR PSS MiB':>12} target"
    )
    for scale in args.scales.split(","):
        mine = []
        for _ in range(args.runs):
            mine.append(one_run(scale))
            time.sleep(1.0)  # let the previous lab's namespaces finish dying before timing the next
        runs += mine
        ups = [r.up_s for r in mine]
        target = TARGET_UP.get(scale)
        verdict = ""
        if target is not None:
            verdict = f"<= {target:g}s {'ok' if statistics.median(ups) <= target else 'MISSED'}"
        devices = len(build_topology(scale).devices)
        print(
            f"{scale:<6} {devices:>7} {_fmt(ups):>28} {_fmt([r.teardown_s for r in mine]):>24} "
            f"{statistics.median(r.frr_rss_mib for r in mine):12.0f} "
            f"{statistics.median(r.frr_pss_mib for r in mine):12.0f} {verdict}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps([r.model_dump() for r in runs], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
