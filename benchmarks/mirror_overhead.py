"""Overhead of the live mirror on a case: harness time per xs case with and without it.

One xs lab, one collector; cases alternate between "mirror off" and "mirror on" (a ``StoreTail``
and an ``InfluxSink`` attached to the running collector, writing to a throwaway VictoriaMetrics
this script starts, or to --url), so drift of the host affects both alike. Per case it records the
harness wall time (everything but the agent), this process's CPU time (all its threads: sampler,
tail, sender) and the sampler's tick time. Target: the mirror adds < 2 % harness time.
Run as root:  .venv/bin/python benchmarks/mirror_overhead.py [--pairs 3] [--url URL]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult
from pytest_netopsbench.episode import EpisodeSettings, LabSession, run_episode
from pytest_netopsbench.evidence import InfluxSink, MirrorTarget, StoreTail
from pytest_netopsbench.scenario import Scenario


class InstantAgent:
    def diagnose(self, context: Any) -> DiagnosisResult:
        return DiagnosisResult(verdict="network_healthy")


@contextmanager
def victoria(tmp: Path) -> Iterator[str]:
    binary = shutil.which("victoria-metrics")
    if binary is None:
        raise SystemExit(
            "victoria-metrics is not installed (apt-get install victoria-metrics), or pass --url"
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, f"-storageDataPath={tmp / 'vm'}", f"-httpListenAddr=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_case(session: LabSession, scenario: Scenario, run_id: str, trial: int, tmp: Path) -> dict[str, float]:
    samples_before = len(session.collector.sample_seconds)
    wall, cpu = time.monotonic(), time.process_time()
    episode = run_episode(
        scenario,
        session,
        InstantAgent(),
        run_id=run_id,
        trial=trial,
        settings=EpisodeSettings(agent_timeout_s=30),
        case_dir=tmp / f"case{trial}",
    )
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    ticks = list(session.collector.sample_seconds)[samples_before:] or [0.0]
    return {
        "harness_s": wall - episode.record.phases.get("agent", 0.0),
        "cpu_s": cpu,
        "tick_ms": 1000 * statistics.mean(ticks),
        "ok": float(episode.record.outcome == "correct"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pairs", type=int, default=3, help="cases per mode (default 3)")
    parser.add_argument("--url", help="write to this v2 write API instead of a throwaway VictoriaMetrics")
    args = parser.parse_args()
    scenario = Scenario.model_validate({"scenario_id": "bench-healthy", "name": "healthy"})
    run_id = uuid.uuid4().hex[:6]
    rows: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    sent, mirror_cpu = 0, 0.0
    with tempfile.TemporaryDirectory(prefix="nob-mirror-") as tmpdir:
        tmp = Path(tmpdir)
        with victoria(tmp) if args.url is None else _given(args.url) as url:
            session = LabSession.start(
                "xs", backend="netns", name=f"nob-{run_id}-mir", run_id=run_id, worker="bench", store_dir=tmp
            )
            try:
                run_case(session, scenario, run_id, 99, tmp)  # warm-up: first-case imports and caches
                for trial in range(2 * args.pairs):
                    mode = "on" if trial % 2 else "off"
                    sink = tail = None
                    if mode == "on":
                        sink = InfluxSink(MirrorTarget(url=url, bucket="bench"))
                        tags = {"lab": session.name, "worker": "bench", "run": run_id}
                        tail = StoreTail(
                            sink, session.store.path, tags=tags, host_leaf=session.store.host_leaf
                        )
                        session.collector.tail = tail.start()
                    try:
                        rows[mode].append(run_case(session, scenario, run_id, trial, tmp))
                    finally:
                        if tail is not None and sink is not None:
                            tail.stop()
                            session.collector.tail = None
                            stats = sink.close()
                            sent += stats.sent
                            mirror_cpu += tail.cpu_s + sink.cpu_s
                            if stats.dropped or stats.errors:
                                print(
                                    f"mirror dropped {stats.dropped}, errors {stats.errors}: "
                                    f"{stats.last_error}"
                                )
            finally:
                session.close()
    print(f"{'mode':<6}{'cases':>6}{'harness s':>11}{'cpu s':>8}{'tick ms':>9}  correct")
    means: dict[str, dict[str, float]] = {}
    for mode, cases in rows.items():
        means[mode] = {k: statistics.mean(c[k] for c in cases) for k in cases[0]}
        m = means[mode]
        print(
            f"{mode:<6}{len(cases):>6}{m['harness_s']:>11.2f}{m['cpu_s']:>8.2f}{m['tick_ms']:>9.1f}"
            f"  {m['ok']:.0%}"
        )
    off, on = means["off"], means["on"]
    wall_pct = 100 * (on["harness_s"] - off["harness_s"]) / off["harness_s"]
    cpu_pct = 100 * (on["cpu_s"] - off["cpu_s"]) / off["harness_s"]
    spread = statistics.pstdev(c["harness_s"] for c in rows["off"])
    print(f"points sent: {sent} ({sent / max(1, len(rows['on'])):.0f} per case)")
    print(f"harness time with the mirror: {wall_pct:+.2f} % (spread of cases without it: +-{spread:.2f} s)")
    print(
        f"extra CPU of the mirror: {on['cpu_s'] - off['cpu_s']:.3f} s per case = "
        f"{cpu_pct:.2f} % of harness time"
    )
    per_case = mirror_cpu / max(1, len(rows["on"]))
    print(
        f"CPU of the mirror's own threads (tail + sender): {per_case:.3f} s per case = "
        f"{100 * per_case / on['harness_s']:.2f} % of harness time"
    )
    print(f"sampler tick: {off['tick_ms']:.1f} ms without, {on['tick_ms']:.1f} ms with the mirror")
    return 0


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    sys.exit(main())
