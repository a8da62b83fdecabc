"""Evidence collection speed on real labs: full snapshot time, ping-mesh round time, path mapping.

    .venv/bin/python benchmarks/evidence.py                 # m and l (the issue's figures)
    .venv/bin/python benchmarks/evidence.py --scales xs m --rounds 20 --traffic standard
    .venv/bin/python benchmarks/evidence.py --scales l --parts collector --traffic none

Prints one block per scale. Targets: a full l round (4,032 pairs) under one second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from pytest_netopsbench.evidence import Collector, EvidenceStore, HostEndpoint, PingMesh, Window
from pytest_netopsbench.evidence._sampler import Sampler
from pytest_netopsbench.runtime import Lab, create_lab


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"median {statistics.median(values):.3f} s, mean {statistics.fmean(values):.3f} s, "
        f"p95 {p95:.3f} s, max {max(values):.3f} s (n={len(values)})"
    )


def _snapshot(lab: Lab, store: EvidenceStore, n: int) -> None:
    sampler = Sampler(lab, store)
    full, fast = [], []
    try:
        for _ in range(n):
            t = time.monotonic()
            sampler.tick()  # every-interval part: counters, protocol errors, BGP, logs
            fast.append(time.monotonic() - t)
            sampler.slow_tick()  # nft, tc, kernel FIB per switch, RIB
            full.append(time.monotonic() - t)
    finally:
        sampler.close()
    ifaces = len(store.interface_deltas(Window(start=0, end=time.time())))
    print(f"  snapshot, full (counters+BGP+logs+nft+tc+FIB+RIB, {ifaces} interfaces): {_stats(full)}")
    print(f"  snapshot, per-interval part (counters+BGP+logs): {_stats(fast)}")


def _mesh(lab: Lab, rounds: int) -> None:
    topo = lab.topology
    hosts = [HostEndpoint(h.name, lab.ns(h.name), h.host_ip, h.leaf or "") for h in topo.hosts]
    spine_ips = {i.ip: s.name for s in topo.spines for i in s.interfaces}
    mesh = PingMesh(hosts, router_of_ip=spine_ips)
    mesh.open()
    try:
        secs, lost, probes = [], 0, 0
        for _ in range(rounds):
            rows, timing = mesh.run_round()
            secs.append(timing.seconds)
            lost += sum(r.lost + r.df_lost for r in rows)
            probes = max(probes, timing.probes)
            time.sleep(0.05)
        print(
            f"  ping-mesh round ({mesh.pairs} pairs, up to {probes} probes/round: {mesh.flows_per_round} "
            f"flow(s) per pair + a DF probe every {mesh.df_every} round(s)): {_stats(secs)}; "
            f"probes lost {lost}"
        )
        t = time.monotonic()
        while not mesh.paths.complete and time.monotonic() - t < 300:
            mesh.discover()
            time.sleep(0.025)
        print(
            f"  flow->spine map: {len(mesh.paths.found)}/{len(mesh.paths.jobs)} flow directions "
            f"in {time.monotonic() - t:.1f} s (paced for the spines' ICMP limits)"
        )
    finally:
        mesh.close()


def _collector(lab: Lab, store: EvidenceStore, seconds: float, traffic: str) -> None:
    with Collector(lab, store, traffic=traffic, interval=1.0) as c:
        time.sleep(seconds)
        rounds = list(c.round_seconds)
        samples = list(c.sample_seconds)
        errors = list(c.errors)
    print(f"  collector ({traffic} traffic, {seconds:.0f} s): rounds {_stats(rounds)}")
    if samples:
        print(f"  collector sampler ticks: {_stats(samples)}")
    if errors:
        print(f"  collector errors: {errors[-3:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["m", "l"])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--snapshots", type=int, default=5)
    parser.add_argument("--collect-seconds", type=float, default=10.0)
    parser.add_argument("--traffic", default="standard")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["snapshot", "mesh", "collector"],
        choices=["snapshot", "mesh", "collector"],
    )
    args = parser.parse_args()
    for scale in args.scales:
        lab = create_lab(scale, name=f"nob-eb-{uuid.uuid4().hex[:6]}")
        with tempfile.TemporaryDirectory() as tmp:
            store = EvidenceStore(Path(tmp) / "bench.db")
            try:
                t = time.monotonic()
                lab.deploy()
                topo = lab.topology
                print(
                    f"scale {scale}: {len(topo.spines)} spines, {len(topo.leaves)} leaves, "
                    f"{len(topo.hosts)} hosts (deployed in {time.monotonic() - t:.1f} s)"
                )
                store.set_topology(topo)
                if "snapshot" in args.parts:
                    _snapshot(lab, store, args.snapshots)
                if "mesh" in args.parts:
                    _mesh(lab, args.rounds)
                if "collector" in args.parts:
                    _collector(lab, store, args.collect_seconds, args.traffic)
            finally:
                store.close()
                lab.teardown()


if __name__ == "__main__":
    main()
