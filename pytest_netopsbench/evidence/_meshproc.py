"""The ping mesh in a process of its own, so its rounds do not share a GIL with the sampler.

The collector starts ``python -m pytest_netopsbench.evidence._meshproc``, writes one JSON line
(``MeshJob``) to its stdin and keeps stdin open; the worker writes probe rounds, round timings and
the flow map straight into the evidence store, prints one JSON line per round on stdout, and exits
when its stdin closes (the collector stopped or died).
"""

from __future__ import annotations

import json
import sys
import threading
import time

from pydantic import BaseModel

from ._mesh import HostEndpoint, PingMesh
from ._store import EvidenceStore

__all__ = ["MeshJob", "main"]


class MeshJob(BaseModel):
    store: str
    hosts: list[tuple[str, str, str, str]]  # name, namespace, address, leaf
    router_of_ip: dict[str, str]
    interval: float
    flows_per_round: int | None = None


def _report(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def run(job: MeshJob, stop: threading.Event) -> None:
    store = EvidenceStore(job.store)
    mesh = PingMesh(
        [HostEndpoint(*h) for h in job.hosts],
        flows_per_round=job.flows_per_round,
        router_of_ip=job.router_of_ip,
    )
    names = [h[0] for h in job.hosts]
    try:
        mesh.open()
        _report(ready=True, pairs=mesh.pairs, flows_per_round=mesh.flows_per_round)
        next_at = time.monotonic()
        while not stop.is_set():
            try:
                rows, timing = mesh.run_round()
                store.add_probe_rounds(rows)
                store.add_round_timing(timing)
                found = mesh.paths.take_updates()
                if found:
                    store.add_flow_paths(
                        timing.ts,
                        [
                            (names[i], names[j], flow, direction, spine)
                            for direction, i, j, flow, spine in found
                        ],
                    )
                _report(seconds=timing.seconds, probes=timing.probes, mapped=len(mesh.paths.found))
            except Exception as exc:  # keep probing: one bad round must not end the evidence
                _report(error=f"{type(exc).__name__}: {exc}")
            next_at += job.interval
            # idle time until the next round maps flows to spines, in paced batches
            # (at least one batch per round, so an overloaded mesh still maps its flows slowly)
            first = True
            while not stop.is_set() and (first or time.monotonic() < next_at - 0.03) and mesh.discover():
                first = False
                stop.wait(0.025)
            delay = next_at - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            else:
                next_at = time.monotonic()
    finally:
        mesh.close()
        store.close()


def main() -> int:
    job = MeshJob.model_validate_json(sys.stdin.readline())
    stop = threading.Event()

    def watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the collector closed the pipe or went away
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    run(job, stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
