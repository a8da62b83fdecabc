"""The evidence store: one embedded SQLite file (WAL) per lab, written by the collector, read by
detection, faults' ``verify`` and the toolkit."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..topology import Topology
from ._deltas import (
    LOOKBACK_S,
    Row,
    Series,
    bgp_records_from,
    edge_series,
    iface_deltas_from,
    rule_deltas_from,
)
from ._models import (
    BgpPeerRecord,
    FibRibSnapshot,
    InterfaceDelta,
    LogRecord,
    PairStats,
    ProbeRound,
    RoundTiming,
    RuleCounter,
    Window,
)
from ._schema import SCHEMA, SCHEMA_VERSION, TIMED_TABLES
from ._stats import aggregate_pairs

__all__ = ["EvidenceStore", "default_store_path"]


def default_store_path(lab_run_dir: str | Path) -> Path:
    """Where a lab's evidence store lives by default: next to the lab's own metadata."""
    return Path(lab_run_dir) / "evidence.db"


class EvidenceStore:
    """Thread-safe evidence store. Writers and readers share one connection under a lock: SQLite's
    own locking would serialise writers anyway, and one connection keeps WAL checkpoints simple."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # the ping-mesh process writes to the same file: wait for its short transactions
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=15.0
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        self._route_digest: dict[tuple[str, str], str] = {}
        self._host_leaf: dict[str, str] | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    # -- metadata ------------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_topology(self, topology: Topology) -> None:
        """Keep the lab's topology with its evidence, so an exported store can be re-scored alone."""
        self.set_meta("topology", topology.model_dump_json())
        self._host_leaf = None

    def topology(self) -> Topology | None:
        raw = self.get_meta("topology")
        return Topology.model_validate_json(raw) if raw else None

    def host_leaf(self) -> dict[str, str]:
        if self._host_leaf is None:
            topo = self.topology()
            self._host_leaf = {h.name: h.leaf or "" for h in topo.hosts} if topo else {}
        return self._host_leaf

    # -- writers -------------------------------------------------------------------------------
    def add_probe_rounds(self, rows: Iterable[ProbeRound]) -> None:
        data = [
            (
                r.ts,
                r.src,
                r.dst,
                r.sent,
                r.lost,
                r.rtt_min_us,
                r.rtt_avg_us,
                r.rtt_max_us,
                r.df_sent,
                r.df_lost,
                r.flows_sent,
                r.flows_lost,
            )
            for r in rows
        ]
        with self._tx() as db:
            db.executemany("INSERT INTO probe VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", data)

    def add_round_timing(self, timing: RoundTiming) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO mesh_round VALUES (?,?,?,?)",
                (timing.ts, timing.seconds, timing.pairs, timing.probes),
            )

    def add_interface_samples(self, ts: float, device: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """rows: (iface, oper, mtu, rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors,
        rx_dropped, tx_dropped)."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO iface VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [(ts, device, *r) for r in rows]
            )

    def add_device_samples(
        self, ts: float, samples: Iterable[tuple[str, list[tuple[Any, ...]], dict[str, int]]]
    ) -> None:
        """One sampler tick in one transaction: (device, interface rows as for
        ``add_interface_samples``, protocol counters) per device."""
        with self._tx() as db:
            for device, rows, counters in samples:
                db.executemany(
                    "INSERT INTO iface VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [(ts, device, *r) for r in rows]
                )
                db.executemany(
                    "INSERT INTO netstat VALUES (?,?,?,?)",
                    [(ts, device, k, v) for k, v in sorted(counters.items())],
                )

    def add_netstat(self, ts: float, device: str, values: dict[str, int]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO netstat VALUES (?,?,?,?)",
                [(ts, device, k, v) for k, v in sorted(values.items())],
            )

    def add_rule_counters(self, ts: float, rows: Iterable[RuleCounter]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO rule VALUES (?,?,?,?,?,?,?)",
                [(ts, r.device, r.table, r.chain, r.rule, r.packets, r.bytes) for r in rows],
            )

    def add_bgp(self, rows: Iterable[BgpPeerRecord]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO bgp VALUES (?,?,?,?,?,?,?)",
                [(r.ts, r.device, r.peer, r.state, r.remote_as, r.prefixes_received, r.uptime) for r in rows],
            )

    def put_route_snapshot(self, ts: float, device: str, kind: str, payload: str) -> bool:
        """Store a FIB/RIB snapshot only when it differs from the last one; True when stored."""
        digest = hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()
        key = (device, kind)
        if self._route_digest.get(key) == digest:
            return False
        with self._tx() as db:
            db.execute("INSERT INTO route_snap VALUES (?,?,?,?,?)", (ts, device, kind, digest, payload))
        self._route_digest[key] = digest
        return True

    def add_logs(self, rows: Iterable[LogRecord]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO log VALUES (?,?,?,?)", [(r.ts, r.device, r.source, r.message) for r in rows]
            )

    def add_flow_paths(self, ts: float, rows: Iterable[tuple[str, str, int, str, str]]) -> None:
        """Record which spine a probe flow crosses: (src host, dst host, flow index, "fwd"|"rev", spine);
        a newer answer for the same flow and direction replaces the older one."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO flow_path VALUES (?,?,?,?,?,?)",
                [(ts, src, dst, flow, direction, spine) for src, dst, flow, direction, spine in rows],
            )

    # -- readers -------------------------------------------------------------------------------
    def probe_rounds(
        self, window: Window, *, src: str | None = None, dst: str | None = None
    ) -> list[ProbeRound]:
        sql = "SELECT * FROM probe WHERE ts >= ? AND ts <= ?"
        args: list[Any] = [window.start, window.end]
        if src:
            sql, args = sql + " AND src = ?", [*args, src]
        if dst:
            sql, args = sql + " AND dst = ?", [*args, dst]
        return [
            ProbeRound(
                ts=r[0],
                src=r[1],
                dst=r[2],
                sent=r[3],
                lost=r[4],
                rtt_min_us=r[5],
                rtt_avg_us=r[6],
                rtt_max_us=r[7],
                df_sent=r[8],
                df_lost=r[9],
                flows_sent=r[10],
                flows_lost=r[11],
            )
            for r in self._query(sql + " ORDER BY ts", args)
        ]

    def pair_stats(self, window: Window) -> list[PairStats]:
        return aggregate_pairs(self.probe_rounds(window), self.host_leaf())

    def flow_paths(self) -> dict[tuple[str, str, int], tuple[str, str]]:
        """(src, dst, flow) -> (spine of the probe's way out, spine of the echo's way back); "" if unknown."""
        out: dict[tuple[str, str, int], tuple[str, str]] = {}
        rows = self._query("SELECT src, dst, flow, dir, spine FROM flow_path")
        for src, dst, flow, direction, spine in rows:
            fwd, rev = out.get((src, dst, flow), ("", ""))
            out[(src, dst, flow)] = (spine, rev) if direction == "fwd" else (fwd, spine)
        return out

    def round_timings(self, window: Window) -> list[RoundTiming]:
        rows = self._query(
            "SELECT ts, seconds, pairs, probes FROM mesh_round WHERE ts >= ? AND ts <= ? ORDER BY ts",
            (window.start, window.end),
        )
        return [RoundTiming(ts=r[0], seconds=r[1], pairs=r[2], probes=r[3]) for r in rows]

    def _edge_rows(
        self,
        table: str,
        cols: str,
        key_cols: int,
        window: Window,
        device: str | None,
        extra: str = "",
        extra_args: Sequence[Any] = (),
    ) -> Series:
        """Rows per key from the last sample at or before the window start through the window end."""
        sql = f"SELECT ts, {cols} FROM {table} WHERE ts >= ? AND ts <= ?"
        args: list[Any] = [window.start - LOOKBACK_S, window.end]
        if device:
            sql, args = sql + " AND device = ?", [*args, device]
        return edge_series(self._query(sql + extra + " ORDER BY ts", [*args, *extra_args]), key_cols, window)

    def interface_deltas(
        self, window: Window, device: str | None = None, interface: str | None = None
    ) -> list[InterfaceDelta]:
        extra, extra_args = ("", ()) if interface is None else (" AND iface = ?", (interface,))
        series = self._edge_rows(
            "iface",
            "device, iface, oper, mtu, rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, "
            "tx_errors, rx_dropped, tx_dropped",
            2,
            window,
            device,
            extra,
            extra_args,
        )
        return iface_deltas_from(series)

    def interface_samples(self, window: Window) -> list[Row]:
        """Raw samples: (ts, device, iface, oper, mtu, rx_packets, tx_packets, rx_bytes, tx_bytes,
        rx_errors, tx_errors, rx_dropped, tx_dropped)."""
        return self._query(
            "SELECT * FROM iface WHERE ts >= ? AND ts <= ? ORDER BY ts", (window.start, window.end)
        )

    def netstat_samples(self, window: Window) -> list[Row]:
        """Raw samples: (ts, device, key, value)."""
        return self._query(
            "SELECT * FROM netstat WHERE ts >= ? AND ts <= ? ORDER BY ts", (window.start, window.end)
        )

    def netstat_deltas(self, window: Window, device: str) -> dict[str, int]:
        series = self._edge_rows("netstat", "key, value", 1, window, device)
        return {k[0]: max(0, s[-1][2] - s[0][2]) for k, s in sorted(series.items())}

    def rule_deltas(self, window: Window, device: str | None = None) -> list[RuleCounter]:
        series = self._edge_rows("rule", "device, tbl, chain, rule, packets, bytes", 4, window, device)
        return rule_deltas_from(series, window)

    def bgp_history(self, window: Window, device: str | None = None) -> list[BgpPeerRecord]:
        """Peer state records in the window, plus the state each peer was in when it opened."""
        series = self._edge_rows("bgp", "device, peer, state, remote_as, pfx_rcvd, uptime", 2, window, device)
        return bgp_records_from(series)

    def route_snapshot(self, device: str, kind: str, at: float | None = None) -> FibRibSnapshot | None:
        sql = "SELECT ts, device, kind, payload FROM route_snap WHERE device = ? AND kind = ?"
        args: list[Any] = [device, kind]
        if at is not None:
            sql, args = sql + " AND ts <= ?", [*args, at]
        rows = self._query(sql + " ORDER BY ts DESC LIMIT 1", args)
        if not rows:
            return None
        return FibRibSnapshot(ts=rows[0][0], device=rows[0][1], kind=rows[0][2], payload=rows[0][3])

    def logs(self, window: Window, device: str | None = None, limit: int = 200) -> list[LogRecord]:
        """The most recent ``limit`` log lines in the window, oldest first."""
        sql = "SELECT ts, device, source, message FROM log WHERE ts >= ? AND ts <= ?"
        args: list[Any] = [window.start, window.end]
        if device:
            sql, args = sql + " AND device = ?", [*args, device]
        rows = self._query(sql + " ORDER BY ts DESC LIMIT ?", [*args, limit])
        return [LogRecord(ts=r[0], device=r[1], source=r[2], message=r[3]) for r in reversed(rows)]

    def latest_ts(self, table: str = "probe") -> float | None:
        if table not in TIMED_TABLES:
            raise ValueError(f"unknown evidence table {table!r}; expected one of {', '.join(TIMED_TABLES)}")
        rows = self._query(f"SELECT max(ts) FROM {table}")
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    # -- export --------------------------------------------------------------------------------
    def export(self, window: Window, dest_path: str | Path) -> Path:
        """Write a self-contained store holding this window's rows (counters keep the sample just
        before the window so deltas still compute) and the metadata, route snapshots in force."""
        dest = Path(dest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        with self._lock:
            self._db.execute("ATTACH DATABASE ? AS dst", (str(dest),))
            try:
                self._db.executescript(SCHEMA.replace("IF NOT EXISTS ", "IF NOT EXISTS dst."))
                self._db.execute("INSERT INTO dst.meta SELECT * FROM meta")
                for table in TIMED_TABLES:
                    if table == "flow_path":
                        self._db.execute("INSERT INTO dst.flow_path SELECT * FROM flow_path")
                        continue
                    lo = window.start - (LOOKBACK_S if table in ("iface", "netstat", "rule", "bgp") else 0)
                    self._db.execute(
                        f"INSERT INTO dst.{table} SELECT * FROM {table} WHERE ts >= ? AND ts <= ?",
                        (lo, window.end),
                    )
                # the FIB/RIB in force when the window opened, even if it last changed long before
                self._db.execute(
                    "INSERT INTO dst.route_snap SELECT r.* FROM route_snap r WHERE r.ts < ? AND r.ts = "
                    "(SELECT max(ts) FROM route_snap q "
                    "WHERE q.device = r.device AND q.kind = r.kind AND q.ts < ?)",
                    (window.start, window.start),
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO dst.meta VALUES ('window', ?)",
                    (json.dumps({"start": window.start, "end": window.end}),),
                )
            finally:
                self._db.execute("DETACH DATABASE dst")
        return dest
