"""Export a window of an evidence store as InfluxDB line protocol (v2 write API), for dashboards.

The store stays the evidence of record; this is a one-way copy for people who want Grafana over a
case. ``influxdb-client`` is a dependency of the package, imported only when exporting.
Anything speaking the v2 write API works: InfluxDB 2.x, InfluxDB 1.8+, VictoriaMetrics.
"""

from __future__ import annotations

from collections.abc import Iterator

from ._models import Window
from ._store import EvidenceStore

__all__ = ["export_influx", "to_line_protocol"]

_COUNTERS = (
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
)


def _tag(value: str) -> str:
    return value.replace("\\", "\\\\").replace(" ", "\\ ").replace(",", "\\,").replace("=", "\\=") or "-"


def _fields(values: dict[str, float | int | None]) -> str:
    parts = []
    for key, v in values.items():
        if v is None:
            continue
        is_int = isinstance(v, int) and not isinstance(v, bool)
        parts.append(f"{key}={v}i" if is_int else f"{key}={float(v)}")
    return ",".join(parts)


def _line(
    measurement: str, tags: dict[str, str], fields: dict[str, float | int | None], ts: float
) -> str | None:
    body = _fields(fields)
    if not body:
        return None
    tag_text = ",".join(f"{k}={_tag(v)}" for k, v in sorted(tags.items()))
    return f"{measurement},{tag_text} {body} {int(ts * 1e9)}"


def to_line_protocol(store: EvidenceStore, window: Window) -> Iterator[str]:
    """Measurements: ``pingmesh`` (per pair and round), ``interface`` (cumulative counters),
    ``netstat`` (protocol and qdisc counters), ``bgp_peer`` (state as ``established`` 0/1)."""
    leaf = store.host_leaf()
    for r in store.probe_rounds(window):
        line = _line(
            "pingmesh",
            {"src": r.src, "dst": r.dst, "src_leaf": leaf.get(r.src, ""), "dst_leaf": leaf.get(r.dst, "")},
            {
                "sent": r.sent,
                "lost": r.lost,
                "loss_pct": 100.0 * r.lost / r.sent if r.sent else 0.0,
                "rtt_min_ms": None if r.rtt_min_us is None else r.rtt_min_us / 1000.0,
                "rtt_avg_ms": None if r.rtt_avg_us is None else r.rtt_avg_us / 1000.0,
                "rtt_max_ms": None if r.rtt_max_us is None else r.rtt_max_us / 1000.0,
                "df_sent": r.df_sent,
                "df_lost": r.df_lost,
            },
            r.ts,
        )
        if line:
            yield line
    for ts, device, iface, oper, mtu, *counters in store.interface_samples(window):
        values = dict(zip(_COUNTERS, counters, strict=True))
        line = _line(
            "interface",
            {"device": device, "interface": iface},
            {"up": int(oper == "up"), "mtu": int(mtu), **values},
            ts,
        )
        if line:
            yield line
    for ts, device, key, value in store.netstat_samples(window):
        line = _line("netstat", {"device": device, "counter": key}, {"value": int(value)}, ts)
        if line:
            yield line
    for rec in store.bgp_history(window):
        fields: dict[str, float | int | None] = {
            "established": int(rec.state == "Established"),
            "prefixes": rec.prefixes_received,
        }
        line = _line("bgp_peer", {"device": rec.device, "peer": rec.peer}, fields, rec.ts)
        if line:
            yield line


def export_influx(
    store: EvidenceStore,
    window: Window,
    *,
    url: str,
    bucket: str,
    org: str = "-",
    token: str = "",
    batch: int = 5000,
) -> int:
    """Write the window to an InfluxDB v2 write endpoint; returns the number of lines written."""
    try:
        from influxdb_client.client.influxdb_client import InfluxDBClient
        from influxdb_client.client.write_api import SYNCHRONOUS
    except ImportError as exc:
        raise ImportError("export_influx needs influxdb-client: pip install influxdb-client") from exc
    written = 0
    with InfluxDBClient(url=url, token=token, org=org) as client:
        api = client.write_api(write_options=SYNCHRONOUS)
        chunk: list[str] = []
        for line in to_line_protocol(store, window):
            chunk.append(line)
            if len(chunk) >= batch:
                api.write(bucket=bucket, org=org, record=chunk)
                written, chunk = written + len(chunk), []
        if chunk:
            api.write(bucket=bucket, org=org, record=chunk)
            written += len(chunk)
    return written
