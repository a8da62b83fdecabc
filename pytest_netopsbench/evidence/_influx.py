"""InfluxDB line protocol for evidence rows (v2 write API), for dashboards.

The store stays the evidence of record; the line protocol is a one-way copy: ``export_influx``
writes a stored window after the fact, the live mirror (``_mirror``) streams rows as they are
collected. Both build their lines here, from ``MEASUREMENTS`` (the dashboards' generator and its
test check every query against it). Anything speaking the v2 write API works: InfluxDB 2.x,
InfluxDB 1.8+, VictoriaMetrics (which names a series ``<measurement>_<field>``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._models import Window
from ._store import EvidenceStore

__all__ = ["MEASUREMENTS", "export_influx", "row_lines", "tag_text", "to_line_protocol"]

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

#: measurement -> (its own tags, its fields). The mirror adds the tags lab, worker, run, case and
#: phase to every point; ``case_phase`` is the mirror's own (which case and phase a lab is in).
MEASUREMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pingmesh": (
        ("src", "dst", "src_leaf", "dst_leaf"),
        ("sent", "lost", "loss_pct", "rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "df_sent", "df_lost"),
    ),
    "mesh_round": ((), ("seconds", "pairs", "probes")),
    "interface": (("device", "interface"), ("up", "mtu", *_COUNTERS)),
    "netstat": (("device", "counter"), ("value",)),
    "bgp_peer": (("device", "peer"), ("established", "prefixes")),
    "case_phase": ((), ("active",)),
}
MIRROR_TAGS = ("lab", "worker", "run", "case", "phase")


def _tag(value: str) -> str:
    return value.replace("\\", "\\\\").replace(" ", "\\ ").replace(",", "\\,").replace("=", "\\=") or "-"


def tag_text(tags: Mapping[str, str]) -> str:
    return ",".join(f"{k}={_tag(v)}" for k, v in sorted(tags.items()))


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
    return f"{measurement},{tag_text(tags)} {body} {int(ts * 1e9)}"


def _ms(us: int | None) -> float | None:
    return None if us is None else us / 1000.0


def row_lines(
    table: str, row: Sequence[Any], extra: Mapping[str, str], leaf: Mapping[str, str]
) -> str | None:
    """The line of one raw store row (``SELECT *`` order of ``table``), or None (nothing to say).
    ``extra``: tags added to the row's own; ``leaf``: host -> leaf, for the ping mesh."""
    if table == "probe":
        ts, src, dst, sent, lost, rmin, ravg, rmax, df_sent, df_lost = row[:10]
        tags = {"src": src, "dst": dst, "src_leaf": leaf.get(src, ""), "dst_leaf": leaf.get(dst, "")}
        values: dict[str, float | int | None] = {
            "sent": sent,
            "lost": lost,
            "loss_pct": 100.0 * lost / sent if sent else 0.0,
            "rtt_min_ms": _ms(rmin),
            "rtt_avg_ms": _ms(ravg),
            "rtt_max_ms": _ms(rmax),
            "df_sent": df_sent,
            "df_lost": df_lost,
        }
        return _line("pingmesh", {**extra, **tags}, values, ts)
    if table == "mesh_round":
        ts, seconds, pairs, probes = row[:4]
        return _line(
            "mesh_round", dict(extra), {"seconds": float(seconds), "pairs": pairs, "probes": probes}, ts
        )
    if table == "iface":
        ts, device, iface, oper, mtu, *counters = row
        values = {"up": int(oper == "up"), "mtu": int(mtu), **dict(zip(_COUNTERS, counters, strict=True))}
        return _line("interface", {**extra, "device": device, "interface": iface}, values, ts)
    if table == "netstat":
        ts, device, key, value = row[:4]
        return _line("netstat", {**extra, "device": device, "counter": key}, {"value": int(value)}, ts)
    if table == "bgp":
        ts, device, peer, state, _remote_as, pfx = row[:6]
        values = {"established": int(state == "Established"), "prefixes": pfx}
        return _line("bgp_peer", {**extra, "device": device, "peer": peer}, values, ts)
    raise ValueError(f"no line protocol for evidence table {table!r}")


def to_line_protocol(store: EvidenceStore, window: Window) -> Iterator[str]:
    """Measurements: ``pingmesh`` (per pair and round), ``interface`` (cumulative counters),
    ``netstat`` (protocol and qdisc counters), ``bgp_peer`` (state as ``established`` 0/1)."""
    leaf = store.host_leaf()
    rows: list[tuple[str, Sequence[Any]]] = [
        (
            "probe",
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
            ),
        )
        for r in store.probe_rounds(window)
    ]
    rows += [("iface", r) for r in store.interface_samples(window)]
    rows += [("netstat", r) for r in store.netstat_samples(window)]
    rows += [
        ("bgp", (r.ts, r.device, r.peer, r.state, r.remote_as, r.prefixes_received))
        for r in store.bgp_history(window)
    ]
    for table, row in rows:
        line = row_lines(table, row, {}, leaf)
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
