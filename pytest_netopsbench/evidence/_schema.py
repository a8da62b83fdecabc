"""SQLite schema of the evidence store (one file per lab; ``export`` copies a window of it)."""

from __future__ import annotations

__all__ = ["SCHEMA", "SCHEMA_VERSION", "TIMED_TABLES"]

SCHEMA_VERSION = 1

# Tables whose rows carry a ``ts`` column and are therefore cut by a window on export.
TIMED_TABLES = ("probe", "mesh_round", "iface", "netstat", "rule", "bgp", "route_snap", "log", "flow_path")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS probe (
    ts REAL NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
    sent INTEGER NOT NULL, lost INTEGER NOT NULL,
    rtt_min INTEGER, rtt_avg INTEGER, rtt_max INTEGER,
    df_sent INTEGER NOT NULL, df_lost INTEGER NOT NULL,
    flows_sent INTEGER NOT NULL, flows_lost INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS probe_ts ON probe (ts);
CREATE TABLE IF NOT EXISTS mesh_round (
    ts REAL NOT NULL, seconds REAL NOT NULL, pairs INTEGER NOT NULL, probes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mesh_round_ts ON mesh_round (ts);
CREATE TABLE IF NOT EXISTS iface (
    ts REAL NOT NULL, device TEXT NOT NULL, iface TEXT NOT NULL, oper TEXT NOT NULL, mtu INTEGER NOT NULL,
    rx_packets INTEGER NOT NULL, tx_packets INTEGER NOT NULL, rx_bytes INTEGER NOT NULL,
    tx_bytes INTEGER NOT NULL, rx_errors INTEGER NOT NULL, tx_errors INTEGER NOT NULL,
    rx_dropped INTEGER NOT NULL, tx_dropped INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS iface_dev_ts ON iface (device, ts);
CREATE TABLE IF NOT EXISTS netstat (
    ts REAL NOT NULL, device TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS netstat_dev_ts ON netstat (device, ts);
CREATE TABLE IF NOT EXISTS rule (
    ts REAL NOT NULL, device TEXT NOT NULL, tbl TEXT NOT NULL, chain TEXT NOT NULL, rule TEXT NOT NULL,
    packets INTEGER NOT NULL, bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rule_dev_ts ON rule (device, ts);
CREATE TABLE IF NOT EXISTS bgp (
    ts REAL NOT NULL, device TEXT NOT NULL, peer TEXT NOT NULL, state TEXT NOT NULL,
    remote_as INTEGER, pfx_rcvd INTEGER, uptime TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bgp_dev_ts ON bgp (device, ts);
CREATE TABLE IF NOT EXISTS route_snap (
    ts REAL NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL, digest TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS route_snap_dev ON route_snap (device, kind, ts);
CREATE TABLE IF NOT EXISTS log (
    ts REAL NOT NULL, device TEXT NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_dev_ts ON log (device, ts);
CREATE TABLE IF NOT EXISTS flow_path (
    ts REAL NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, flow INTEGER NOT NULL, dir TEXT NOT NULL,
    spine TEXT NOT NULL, PRIMARY KEY (src, dst, flow, dir)
);
"""
