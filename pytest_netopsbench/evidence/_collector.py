"""The collector: ping mesh, device sampler and background traffic running while a lab runs."""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from types import TracebackType

from ..errors import CapabilityError
from ..runtime import Lab
from ._meshproc import MeshJob
from ._mirror import StoreTail
from ._sampler import Sampler
from ._store import EvidenceStore
from ._traffic import BackgroundTraffic

__all__ = ["Collector"]

log = logging.getLogger(__name__)

_TRAFFIC_CHECK_S = 5.0


class Collector:
    """Samples ``lab`` into ``store`` every ``interval`` seconds.

    The ping mesh runs in a child process (``_meshproc``) that writes to the store itself; the
    sampler runs in two threads here (every interval, and every ``slow_interval`` for what needs a
    fork per switch). ``round_seconds`` keeps the duration of recent mesh rounds; ``errors`` the
    last failures of any loop (a loop logs and keeps going). ``tail``: the live mirror of the store
    (``_mirror.StoreTail``), started and stopped with the collector; ``mark`` sets its case and phase.
    """

    def __init__(
        self,
        lab: Lab,
        store: EvidenceStore,
        *,
        traffic: str = "standard",
        interval: float = 1.0,
        mesh: bool = True,
        sampler: bool = True,
        flows_per_round: int | None = None,
        slow_interval: float = 5.0,
        tail: StoreTail | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"collector interval must be positive, got {interval}")
        self.lab, self.store, self.interval = lab, store, interval
        self.slow_interval = max(slow_interval, interval)
        self.traffic = BackgroundTraffic(lab, traffic)
        topo = lab.topology
        self._job = (
            MeshJob(
                store=str(store.path),
                interval=interval,
                flows_per_round=flows_per_round,
                hosts=[(h.name, lab.ns(h.name), h.host_ip, h.leaf or "") for h in topo.hosts],
                router_of_ip={i.ip: s.name for s in topo.spines for i in s.interfaces},
            )
            if mesh
            else None
        )
        self.sampler = Sampler(lab, store) if sampler else None
        self.tail = tail  # the live mirror of this store, when one is configured
        self.round_seconds: deque[float] = deque(maxlen=600)
        self.sample_seconds: deque[float] = deque(maxlen=600)
        self.errors: deque[str] = deque(maxlen=50)
        self.flows_mapped = 0
        self._proc: subprocess.Popen[str] | None = None
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
        if self._job is not None:
            self._start_mesh(self._job)
        if self.sampler is not None:
            self._threads.append(
                threading.Thread(target=self._sample_loop, name="evidence-sampler", daemon=True)
            )
            self._threads.append(threading.Thread(target=self._slow_loop, name="evidence-slow", daemon=True))
        self.traffic.start()
        self.started_at = time.time()
        for t in self._threads:
            t.start()
        if self.tail is not None:
            self.tail.start()
        return self

    def _start_mesh(self, job: MeshJob) -> None:
        errlog = self.store.path.with_name(self.store.path.name + ".mesh.log")
        with open(errlog, "w") as err_out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pytest_netopsbench.evidence._meshproc"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err_out,
                text=True,
            )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(job.model_dump_json() + "\n")
        proc.stdin.flush()
        first = proc.stdout.readline()  # the worker opens every socket before it says ready
        if not first or not json.loads(first).get("ready"):
            proc.kill()
            proc.wait()
            err = errlog.read_text(errors="replace")
            raise CapabilityError(
                f"the ping-mesh process did not start: {err.strip()[-500:]}",
                hint="it needs root to enter the lab's namespaces",
            )
        self._proc = proc
        self._threads.append(
            threading.Thread(target=self._read_mesh, args=(proc,), name="evidence-mesh", daemon=True)
        )

    def stop(self) -> None:
        self._stop.set()
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin:
                proc.stdin.close()  # the worker's signal to finish its round and exit
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for t in self._threads:
            t.join(timeout=10)
        self._threads.clear()
        self.traffic.stop()
        if self.sampler is not None:
            self.sampler.close()
        if self.tail is not None:
            self.tail.stop()

    def mark(self, case: str, phase: str) -> None:
        """Tell the live mirror which case and phase the lab is in from now on (no mirror: nothing)."""
        if self.tail is not None:
            self.tail.mark(case, phase)

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
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
            "rounds": len(values),
            "mean_s": round(statistics.fmean(values), 4),
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

    def _read_mesh(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "seconds" in msg:
                self.round_seconds.append(float(msg["seconds"]))
                self.flows_mapped = int(msg.get("mapped", 0))
            elif "error" in msg:
                self._failed("ping mesh", RuntimeError(msg["error"]))
        if not self._stop.is_set():
            self._failed("ping mesh", RuntimeError(f"process exited with {proc.wait()}"))

    def _sample_loop(self) -> None:
        assert self.sampler is not None
        next_at = last_traffic = time.monotonic()
        while not self._stop.is_set():
            try:
                self.sampler.tick()
                self.sample_seconds.append(self.sampler.last_seconds)
                if time.monotonic() - last_traffic > _TRAFFIC_CHECK_S:
                    last_traffic = time.monotonic()
                    self.traffic.maintain()
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
