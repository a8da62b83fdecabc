"""The live mirror: a copy of each lab's evidence streamed to an InfluxDB v2 write API while it is
collected, for Grafana during a campaign.

Two parts, so that neither the collector nor a case ever waits on the network:

- ``InfluxSink`` (one per process): a bounded queue of line-protocol lines and one sender thread
  that posts them in gzip batches. When the queue is full, lines are dropped and counted; a failed
  request drops its batch and backs off. ``close`` flushes for a bounded time.
- ``StoreTail`` (one per collector): a thread reading the rows added to the evidence store since
  its last look (its own read-only SQLite connection; the ping mesh writes from another process,
  so the store file is the one place that sees every row) and offering them to the sink, tagged
  with lab, worker, run, and the case and phase each row's timestamp falls in.

Plain ``http.client``: ``influxdb-client`` takes 0.2-0.4 s to import and 6x the CPU per batch,
for a POST of a gzip body (observability/README.md has the figures).
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import http.client
import logging
import queue
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel, SecretStr

from ._influx import row_lines, tag_text

__all__ = ["PHASES", "InfluxSink", "MirrorStats", "MirrorTarget", "StoreTail", "public_url"]

log = logging.getLogger(__name__)

#: what the ``phase`` tag says: before a case's injection, from injection to the agent's answer,
#: while the lab is cleared and checked, and between cases
PHASES = ("baseline", "window", "recovery", "idle")
#: the measurement marking which case and phase a lab is in (one point per lab per tail tick)
PHASE_MEASUREMENT = "case_phase"


def public_url(url: str) -> str:
    """``url`` without user info (``http://u:p@host`` -> ``http://host``), for reports and logs."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


class MirrorTarget(BaseModel):
    """Where to write: an InfluxDB v2 write endpoint (InfluxDB 2.x, 1.8+, VictoriaMetrics)."""

    url: str
    bucket: str = "netopsbench"
    org: str = ""
    token: SecretStr = SecretStr("")


class MirrorStats(BaseModel):
    """Points (lines) sent, dropped (queue full, failed request, left at close) and failed requests."""

    sent: int = 0
    dropped: int = 0
    errors: int = 0
    last_error: str = ""

    def add(self, other: MirrorStats) -> MirrorStats:
        return MirrorStats(
            sent=self.sent + other.sent,
            dropped=self.dropped + other.dropped,
            errors=self.errors + other.errors,
            last_error=other.last_error or self.last_error,
        )


class InfluxSink:
    """Non-blocking writer: ``offer`` never waits, the sender thread does the network."""

    def __init__(
        self,
        target: MirrorTarget,
        *,
        max_queue: int = 50_000,
        batch: int = 5_000,
        flush_s: float = 1.0,
        timeout_s: float = 5.0,
        max_backoff_s: float = 30.0,
    ) -> None:
        parts = urllib.parse.urlsplit(target.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"influx url must be http(s)://host[:port], got {public_url(target.url)!r}")
        self.target, self.url = target, public_url(target.url)
        self._https, self._host, self._port = parts.scheme == "https", parts.hostname, parts.port
        query = {"bucket": target.bucket, "precision": "ns"}
        if target.org:
            query["org"] = target.org
        self._path = parts.path.rstrip("/") + "/api/v2/write?" + urllib.parse.urlencode(query)
        self._queue: queue.Queue[str] = queue.Queue(maxsize=max_queue)
        self._batch, self._flush_s, self._timeout = batch, flush_s, timeout_s
        self._max_backoff = max_backoff_s
        self._lock = threading.Lock()
        self._stats = MirrorStats()
        self._closing = threading.Event()
        self._conn: http.client.HTTPConnection | None = None
        self.cpu_s = 0.0  # CPU time the sender thread spent encoding and posting (benchmarks)
        self._inflight = 0  # lines of the request under way
        self._abandoned = False  # close() gave up waiting: the sender counts nothing more
        self._thread = threading.Thread(target=self._run, name="evidence-mirror", daemon=True)
        self._thread.start()

    # -- producer side (any thread) ------------------------------------------------------------
    def offer(self, lines: Iterable[str]) -> None:
        dropped = 0
        for line in lines:
            try:
                self._queue.put_nowait(line)
            except queue.Full:
                dropped += 1
        if dropped:
            with self._lock:
                self._stats.dropped += dropped

    @property
    def stats(self) -> MirrorStats:
        with self._lock:
            return self._stats.model_copy()

    def close(self, timeout: float = 3.0) -> MirrorStats:
        """Send what is queued for at most ``timeout`` seconds; what is left counts as dropped."""
        self._closing.set()
        self._thread.join(timeout)
        left = 0
        with self._lock:
            if self._thread.is_alive():  # stuck in a request: its batch will not be counted later
                self._abandoned = True
                left += self._inflight
        while True:
            try:
                self._queue.get_nowait()
                left += 1
            except queue.Empty:
                break
        with self._lock:
            self._stats.dropped += left
        return self.stats

    # -- sender thread -------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.0
        while True:
            closing = self._closing.is_set()
            lines = self._take(0.05 if closing else self._flush_s)
            if not lines:
                if closing:
                    break
                continue
            started = time.thread_time()
            self._inflight = len(lines)
            ok = self._post(lines)
            self._inflight = 0
            self.cpu_s += time.thread_time() - started
            if ok:
                backoff = 0.0
            else:
                backoff = min(self._max_backoff, max(0.5, backoff * 2))
                if self._closing.wait(backoff):
                    backoff = 0.0  # closing: try once more, without waiting, then give up
        if self._conn is not None:
            self._conn.close()

    def _take(self, wait: float) -> list[str]:
        """Up to one batch: waits ``wait`` seconds for the first line, then takes what is there."""
        try:
            lines = [self._queue.get(timeout=wait)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + min(wait, 0.2)
        while len(lines) < self._batch:
            try:
                lines.append(self._queue.get_nowait())
            except queue.Empty:
                if time.monotonic() >= deadline or self._closing.is_set():
                    break
                time.sleep(0.02)
        return lines

    def _post(self, lines: list[str]) -> bool:
        body = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
        headers = {"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"}
        token = self.target.token.get_secret_value()
        if token:
            headers["Authorization"] = f"Token {token}"
        try:
            conn = self._connection()
            conn.request("POST", self._path, body=body, headers=headers)
            resp = conn.getresponse()
            detail = resp.read(300).decode(errors="replace")
            if resp.status >= 300:
                raise OSError(f"HTTP {resp.status}: {detail.strip()[:200]}")
        except (OSError, http.client.HTTPException) as exc:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._failed(len(lines), f"{type(exc).__name__}: {exc}")
            return False
        with self._lock:
            if not self._abandoned:
                self._stats.sent += len(lines)
        return True

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def _failed(self, lines: int, message: str) -> None:
        with self._lock:
            if self._abandoned:
                return
            first = self._stats.errors == 0
            self._stats.errors += 1
            self._stats.dropped += lines
            self._stats.last_error = message[:300]
        if first:  # one warning per process; the rest is counted in report.json
            log.warning("netopsbench: telemetry mirror to %s failed: %s", self.url, message)


class StoreTail:
    """Follows one evidence store and offers its new rows to ``sink`` every ``interval`` seconds."""

    def __init__(
        self,
        sink: InfluxSink,
        store_path: str | Path,
        *,
        tags: dict[str, str],
        interval: float = 1.0,
        host_leaf: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.sink, self.path, self.interval = sink, Path(store_path), interval
        self.tags = dict(tags)  # lab, worker, run
        self._host_leaf = host_leaf or dict
        self._marks: list[tuple[float, str, str]] = [(0.0, "", "idle")]  # (since, case, phase)
        self._marks_lock = threading.Lock()
        self._last: dict[str, int] = {}
        self._ticked = 0.0
        self.cpu_s = 0.0  # CPU time this tail's thread spent reading and converting (benchmarks)
        self._db: sqlite3.Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def mark(self, case: str, phase: str, at: float | None = None) -> None:
        """From ``at`` (default now) on, rows belong to ``case`` in ``phase``."""
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
        with self._marks_lock:
            self._marks.append((time.time() if at is None else at, case, phase))
            self._marks.sort(key=lambda m: m[0])
            del self._marks[:-64]  # rows are read within seconds: old marks are never looked up

    def _label(self, ts: float) -> tuple[str, str]:
        with self._marks_lock:
            i = bisect.bisect_right(self._marks, ts, key=lambda m: m[0]) - 1
            _, case, phase = self._marks[max(i, 0)]
        return case, phase

    def start(self) -> StoreTail:
        uri = f"file:{urllib.parse.quote(str(self.path.resolve()))}?mode=ro"  # spaces, '?' or '#' in a path
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._last = {t: self._max_rowid(t) for t in _TABLES}  # mirror from now, not a reused store
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="evidence-tail", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.tick()  # the last rows before the collector stopped
            self._db.close()
            self._db = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            started = time.thread_time()
            try:
                self.tick()
            except Exception as exc:  # a bad tick must not end the mirror
                log.debug("evidence tail: %s", exc)
            self.cpu_s += time.thread_time() - started

    def _max_rowid(self, table: str) -> int:
        assert self._db is not None
        row = self._db.execute(f"SELECT max(rowid) FROM {table}").fetchone()
        return int(row[0] or 0)

    def tick(self) -> int:
        """Offer every row added since the last tick; returns how many lines were offered."""
        assert self._db is not None
        now = time.time()
        with self._marks_lock:  # every phase began since the last tick, however short it was
            began = [(at, c, p) for at, c, p in self._marks if self._ticked < at <= now]
        self._ticked = now
        lines = [
            f"{PHASE_MEASUREMENT},{tag_text({**self.tags, 'case': c, 'phase': p})} active=1i {int(at * 1e9)}"
            for at, c, p in [*began, (now, *self._label(now))]
        ]
        leaf = self._host_leaf()
        for table in _TABLES:
            rows = self._db.execute(
                f"SELECT rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 50000",
                (self._last.get(table, 0),),
            ).fetchall()
            if not rows:
                continue
            self._last[table] = int(rows[-1][0])
            for row in rows:
                ts = float(row[1])
                case, phase = self._label(ts)
                line = row_lines(table, row[1:], {**self.tags, "case": case, "phase": phase}, leaf)
                if line:
                    lines.append(line)
        self.sink.offer(lines)
        return len(lines)


_TABLES = ("probe", "mesh_round", "iface", "netstat", "bgp")
