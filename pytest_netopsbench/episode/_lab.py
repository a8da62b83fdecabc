"""``LabSession``: a deployed lab with its evidence collector running, as one unit the episode
and the plugin's per-worker lab pool share."""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import LabError
from ..evidence import Collector, EvidenceStore, InfluxSink, StoreTail
from ..runtime import (
    SETTLED_VIEWS,
    HealthReport,
    Lab,
    LabSnapshot,
    attach_lab,
    create_lab,
    drift,
    snapshot_lab,
)

__all__ = ["LabSession"]


class LabSession:
    """Owns one lab, one evidence store and the collector feeding it."""

    def __init__(self, lab: Lab, store: EvidenceStore, collector: Collector) -> None:
        self.lab, self.store, self.collector = lab, store, collector
        self.deploy_seconds = 0.0
        self.rebuilt = 0
        self.attached = False  # True: the lab belongs to someone else and outlives this session
        # every device's state once healthy after deploy; each later health check compares with it
        self.golden: LabSnapshot | None = None

    @classmethod
    def start(
        cls,
        scale: str,
        *,
        backend: str,
        name: str,
        run_id: str,
        worker: str,
        store_dir: Path,
        traffic: str = "standard",
        healthy_timeout: float = 120.0,
        watchdog: bool = True,
        mirror: InfluxSink | None = None,
    ) -> LabSession:
        """Deploy, wait for convergence, start collecting. Tears the lab down again if any step
        after the reservation fails, so a failed start leaves nothing behind; a refused name
        (:class:`LabNameInUse`) touches nothing, since that lab is someone else's.

        ``watchdog``: tear the lab down if this process dies without doing so (off for kept labs).
        Daemon logs of a failed deploy are copied to ``store_dir/failed-deploy``. ``mirror``: stream
        the evidence to this sink as well (the live mirror, tagged with lab, worker and run)."""
        started = time.monotonic()
        lab = create_lab(
            scale,
            backend=backend,
            name=name,
            run_id=run_id,
            worker=worker,
            watchdog=watchdog,
            failed_logs=store_dir / "failed-deploy",
        )
        lab.deploy()  # removes what it built when it fails; raises before building on a name clash
        try:
            report = lab.wait_healthy(healthy_timeout)
            if not report.healthy:
                raise LabError(
                    f"lab {name} did not converge within {healthy_timeout:g} s: "
                    + "; ".join(report.problems[:5]),
                    step="wait_healthy",
                )
            golden = snapshot_lab(lab)
            store_dir.mkdir(parents=True, exist_ok=True)
            store = EvidenceStore(store_dir / "evidence.sqlite")
            tail = _tail(mirror, store, lab=name, worker=worker, run=run_id)
            collector = Collector(lab, store, traffic=traffic, tail=tail)
            collector.start()
        except BaseException:
            lab.teardown()
            raise
        session = cls(lab, store, collector)
        session.golden = golden
        session.deploy_seconds = time.monotonic() - started
        return session

    @classmethod
    def attach(
        cls,
        name: str,
        *,
        store_dir: Path,
        traffic: str = "standard",
        healthy_timeout: float = 120.0,
        mirror: InfluxSink | None = None,
        worker: str = "",
        run_id: str = "",
    ) -> LabSession:
        """Use a lab someone else deployed (``runtime up``, an SDK pool): check it is healthy and
        start collecting. The lab is never torn down by ``close``; only the collector stops."""
        started = time.monotonic()
        lab = attach_lab(name)
        report = lab.wait_healthy(healthy_timeout)
        if not report.healthy:
            raise LabError(
                f"attached lab {name} is not healthy: "
                + "; ".join(report.problems[:5])
                + f"; repair or recreate it (netopsbench runtime teardown {name})",
                step="wait_healthy",
            )
        golden = snapshot_lab(lab)
        store_dir.mkdir(parents=True, exist_ok=True)
        store = EvidenceStore(store_dir / "evidence.sqlite")
        tail = _tail(mirror, store, lab=name, worker=worker, run=run_id)
        collector = Collector(lab, store, traffic=traffic, tail=tail)
        collector.start()
        session = cls(lab, store, collector)
        session.golden = golden
        session.attached = True
        session.deploy_seconds = time.monotonic() - started
        return session

    @property
    def name(self) -> str:
        return self.lab.name

    def use_traffic(self, profile: str) -> None:
        """Switch the background traffic profile (scenarios on one lab may ask for different ones)."""
        from ..evidence import BackgroundTraffic

        current = self.collector.traffic
        if current.name == profile:
            return
        current.stop()
        self.collector.traffic = BackgroundTraffic(self.lab, profile)
        self.collector.traffic.start()

    def check_healthy(self, timeout: float) -> HealthReport:
        """Quick check first (the common case), then wait up to ``timeout`` for convergence; a
        converged lab must also match its golden snapshot (see ``runtime/_integrity.py``)."""
        report = self.lab.health()
        if not report.healthy:
            # a filter, qdisc, address or config line that differs will not converge away: no
            # point waiting the whole timeout for it
            settled = self.drift(views=SETTLED_VIEWS, tries=1) if self.golden is not None else []
            if settled:
                return report.model_copy(update={"problems": [*report.problems, *settled]})
            report = self.lab.wait_healthy(timeout)
        if not report.healthy or self.golden is None:
            return report
        problems = self.drift()
        if not problems:
            return report
        return report.model_copy(update={"healthy": False, "problems": [*report.problems, *problems]})

    def drift(self, *, views: frozenset[str] | None = None, tries: int = 3, pause: float = 1.0) -> list[str]:
        """Differences from the golden snapshot, after up to ``tries`` looks (a route may still be
        settling right after convergence); a device that cannot be read is drift too."""
        if self.golden is None:
            return []
        problems: list[str] = []
        for attempt in range(tries):
            if attempt:
                time.sleep(pause)
            try:
                problems = drift(self.golden, snapshot_lab(self.lab), views=views)
            except LabError as exc:
                problems = [f"state unreadable: {exc}"]
            if not problems:
                return []
        return problems

    def close(self, *, keep_lab: bool = False) -> None:
        try:
            self.collector.stop()
        finally:
            try:
                self.store.close()
            finally:
                if not keep_lab and not self.attached:
                    self.lab.teardown()


def _tail(
    mirror: InfluxSink | None, store: EvidenceStore, *, lab: str, worker: str, run: str
) -> StoreTail | None:
    if mirror is None:
        return None
    tags = {"lab": lab, "worker": worker, "run": run}
    return StoreTail(mirror, store.path, tags=tags, host_leaf=store.host_leaf)
