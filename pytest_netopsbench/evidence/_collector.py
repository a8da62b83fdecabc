"""The collector: ping mesh, device sampler and background traffic running while a lab runs."""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from types import TracebackType

from ..runtime import Lab
from ._mesh import HostEndpoint, PingMesh
from ._sampler import Sampler
from ._store import EvidenceStore
from ._traffic import BackgroundTraffic

__all__ = ["Collector"]

log = logging.getLogger(__name__)

_TRAFFIC_CHECK_S = 5.0


class Collector:
    """Samples ``lab`` into ``store`` every ``interval`` seconds from two background threads.

    ``round_seconds`` keeps the duration of recent ping-mesh rounds (benchmarks and health);
    ``errors`` keeps the last failures of either loop (a loop logs and keeps going).
    """

    def __init__(self, lab: Lab, store: EvidenceStore, *, traffic: str = "standard", interval: float = 1.0,
                 mesh: bool = True, sampler: bool = True, flows_per_round: int | None = None,
                 slow_interval: float = 5.0) -> None:
        if interval <= 0:
            raise ValueError(f"collector interval must be positive, got {interval}")
        self.lab, self.store, self.interval = lab, store, interval
        self.slow_interval = max(slow_interval, interval)
        self.traffic = BackgroundTraffic(lab, traffic)
        topo = lab.topology
        hosts = [HostEndpoint(h.name, lab.ns(h.name), h.host_ip, h.leaf or "") for h in topo.hosts]
        spine_ips = {i.ip: s.name for s in topo.spines for i in s.interfaces}
        self.mesh = PingMesh(hosts, flows_per_round=flows_per_round, router_of_ip=spine_ips) if mesh else None
        self.sampler = Sampler(lab, store) if sampler else None
        self.round_seconds: deque[float] = deque(maxlen=600)
        self.sample_seconds: deque[float] = deque(maxlen=600)
        self.errors: deque[str] = deque(maxlen=50)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started_at: float | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Collector:
        if self._threads:
            return self
        self.store.set_topology(self.lab.topology)
        self.store.set_meta("lab", self.lab.name)
        self._stop.clear()
        if self.mesh is not None:
            self.mesh.open()
            self._threads.append(threading.Thread(target=self._mesh_loop, name="evidence-mesh", daemon=True))
        if self.sampler is not None:
            self._threads.append(
                threading.Thread(target=self._sample_loop, name="evidence-sampler", daemon=True))
            self._threads.append(threading.Thread(target=self._slow_loop, name="evidence-slow", daemon=True))
        self.traffic.start()
        self.started_at = time.time()
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
        self._threads.clear()
        self.traffic.stop()
        if self.mesh is not None:
            self.mesh.close()
        if self.sampler is not None:
            self.sampler.close()

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self._threads) and not self._stop.is_set()

    def wait_rounds(self, n: int, timeout: float = 30.0) -> bool:
        """Block until ``n`` more mesh rounds are stored (so a window is known to hold data)."""
        target = len(self.round_seconds) + n
        deadline = time.monotonic() + timeout
        while len(self.round_seconds) < target and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.round_seconds) >= target

    def round_stats(self) -> dict[str, float]:
        values = list(self.round_seconds)
        if not values:
            return {"rounds": 0}
        ordered = sorted(values)
        return {
            "rounds": len(values), "mean_s": round(statistics.fmean(values), 4),
            "median_s": round(statistics.median(values), 4),
            "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4),
            "max_s": round(max(values), 4),
        }

    # -- loops ---------------------------------------------------------------------------------
    def _every(self, step: float, next_at: float) -> float:
        """Sleep until the next tick; if a tick overran, start the next one at once."""
        next_at += step
        delay = next_at - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)
            return next_at
        return time.monotonic()

    def _mesh_loop(self) -> None:
        assert self.mesh is not None
        next_at = time.monotonic()
        last_traffic = next_at
        while not self._stop.is_set():
            try:
                rows, timing = self.mesh.run_round()
                self.store.add_probe_rounds(rows)
                self.store.add_round_timing(timing)
                self.round_seconds.append(timing.seconds)
                found = self.mesh.paths.take_updates()
                if found:
                    names = [h.name for h in self.mesh.hosts]
                    self.store.add_flow_paths(timing.ts, [(names[i], names[j], flow, direction, spine)
                                                          for direction, i, j, flow, spine in found])
                if time.monotonic() - last_traffic > _TRAFFIC_CHECK_S:
                    last_traffic = time.monotonic()
                    self.traffic.maintain()
            except Exception as exc:
                self._failed("ping mesh", exc)
            self._discover_until(next_at + self.interval - 0.03)
            next_at = self._every(self.interval, next_at)

    def _discover_until(self, deadline: float) -> None:
        """Use the idle time between rounds to map probe flows to spines, in paced small batches."""
        assert self.mesh is not None
        try:
            while not self._stop.is_set() and time.monotonic() < deadline and self.mesh.discover():
                self._stop.wait(0.025)
        except Exception as exc:
            self._failed("path discovery", exc)

    def _sample_loop(self) -> None:
        assert self.sampler is not None
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.sampler.tick()
                self.sample_seconds.append(self.sampler.last_seconds)
            except Exception as exc:
                self._failed("sampler", exc)
            next_at = self._every(self.interval, next_at)

    def _slow_loop(self) -> None:
        assert self.sampler is not None
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.sampler.slow_tick()
            except Exception as exc:
                self._failed("route/filter sampler", exc)
            next_at = self._every(self.slow_interval, next_at)

    def _failed(self, what: str, exc: Exception) -> None:
        msg = f"{time.strftime('%H:%M:%S')} {what}: {type(exc).__name__}: {exc}"
        if not self.errors or self.errors[-1].split(" ", 1)[1] != msg.split(" ", 1)[1]:
            log.warning("evidence %s", msg)
        self.errors.append(msg)
