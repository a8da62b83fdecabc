"""Generate the two Grafana dashboards of the live mirror from one description.

``PANELS`` says what each panel shows in terms of the mirror's measurements and fields
(``pytest_netopsbench.evidence._influx.MEASUREMENTS``); ``prometheus()`` renders it as PromQL for
VictoriaMetrics / Prometheus-compatible sources (series ``<measurement>_<field>``), ``influxdb()``
as Flux for InfluxDB 2. Both files are checked in; ``--check`` fails when they differ from what
this script would write, so the two cannot drift apart (tests/observability runs it).

    python observability/dashboards.py          # write dashboard-prometheus.json, dashboard-influxdb.json
    python observability/dashboards.py --check  # exit 1 if either is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

HERE = Path(__file__).resolve().parent
OUT = {"prometheus": HERE / "dashboard-prometheus.json", "influxdb": HERE / "dashboard-influxdb.json"}
#: the tags every panel is filtered by (dashboard variables of the same names)
SCOPE = ("run", "worker", "case")

Kind = Literal["ratio", "mean", "rate", "count_zero"]


@dataclass(frozen=True)
class Query:
    """``ratio``: 100 * sum(fields[0]) / sum(fields[1]); ``mean``: average of fields[0];
    ``rate``: per-second increase of the counters ``fields`` added up (times ``scale``);
    ``count_zero``: how many series of fields[0] are 0."""

    measurement: str
    fields: tuple[str, ...]
    kind: Kind
    by: tuple[str, ...]
    legend: str
    match: dict[str, str] = field(default_factory=dict)  # tag -> regex
    scale: float = 1.0
    device_filter: bool = False
    top: int = 0  # PromQL only: the worst N series


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    what: str  # one line for observability/README.md
    query: Query


PANELS = [
    Panel(
        "Ping-mesh loss per leaf pair (%)",
        "percent",
        "probes lost between hosts behind each pair of leaves, per worker's lab",
        Query(
            "pingmesh",
            ("lost", "sent"),
            "ratio",
            ("worker", "src_leaf", "dst_leaf"),
            "{{worker}} {{src_leaf}} -> {{dst_leaf}}",
        ),
    ),
    Panel(
        "Worst host pairs by loss (%)",
        "percent",
        "the host pairs losing most probes (top 10 in PromQL)",
        Query(
            "pingmesh",
            ("lost", "sent"),
            "ratio",
            ("worker", "src", "dst"),
            "{{worker}} {{src}} -> {{dst}}",
            top=10,
        ),
    ),
    Panel(
        "RTT per leaf pair (ms)",
        "ms",
        "average round-trip time of the probes per leaf pair",
        Query(
            "pingmesh",
            ("rtt_avg_ms",),
            "mean",
            ("worker", "src_leaf", "dst_leaf"),
            "{{worker}} {{src_leaf}} -> {{dst_leaf}}",
        ),
    ),
    Panel(
        "Don't-fragment probe loss per leaf pair (%)",
        "percent",
        "loss of the full-size DF probes (an MTU problem loses these and not the small ones)",
        Query(
            "pingmesh",
            ("df_lost", "df_sent"),
            "ratio",
            ("worker", "src_leaf", "dst_leaf"),
            "{{worker}} {{src_leaf}} -> {{dst_leaf}}",
        ),
    ),
    Panel(
        "BGP sessions not established",
        "short",
        "BGP peers per device whose session is not Established",
        Query(
            "bgp_peer",
            ("established",),
            "count_zero",
            ("worker", "device"),
            "{{worker}} {{device}}",
            device_filter=True,
        ),
    ),
    Panel(
        "Interfaces down",
        "short",
        "interfaces per device whose operational state is not up",
        Query(
            "interface",
            ("up",),
            "count_zero",
            ("worker", "device"),
            "{{worker}} {{device}}",
            device_filter=True,
        ),
    ),
    Panel(
        "Interface drops (per s)",
        "pps",
        "receive + transmit drops per interface",
        Query(
            "interface",
            ("rx_dropped", "tx_dropped"),
            "rate",
            ("worker", "device", "interface"),
            "{{worker}} {{device}} {{interface}}",
            device_filter=True,
        ),
    ),
    Panel(
        "Interface errors (per s)",
        "pps",
        "receive + transmit errors per interface",
        Query(
            "interface",
            ("rx_errors", "tx_errors"),
            "rate",
            ("worker", "device", "interface"),
            "{{worker}} {{device}} {{interface}}",
            device_filter=True,
        ),
    ),
    Panel(
        "Interface throughput (Mbit/s)",
        "Mbits",
        "transmitted traffic per interface (background traffic and probes)",
        Query(
            "interface",
            ("tx_bytes",),
            "rate",
            ("worker", "device", "interface"),
            "{{worker}} {{device}} {{interface}}",
            scale=8e-6,
            device_filter=True,
        ),
    ),
    Panel(
        "Receive checksum errors (per s)",
        "pps",
        "IP/TCP/UDP/ICMP InCsumErrors per device (corruption on a link)",
        Query(
            "netstat",
            ("value",),
            "rate",
            ("worker", "device", "counter"),
            "{{worker}} {{device}} {{counter}}",
            match={"counter": ".*InCsumErrors"},
            device_filter=True,
        ),
    ),
    Panel(
        "Queue drops and TCP retransmits (per s)",
        "pps",
        "qdisc drops (congestion, shaping) and TCP retransmissions per device",
        Query(
            "netstat",
            ("value",),
            "rate",
            ("worker", "device", "counter"),
            "{{worker}} {{device}} {{counter}}",
            match={"counter": "qdisc.*dropped|Tcp.RetransSegs"},
            device_filter=True,
        ),
    ),
    Panel(
        "Ping-mesh round time (s)",
        "s",
        "how long a full mesh round takes per worker (the collector's own health)",
        Query("mesh_round", ("seconds",), "mean", ("worker",), "{{worker}}"),
    ),
]


# -- PromQL ---------------------------------------------------------------------------------------
def _selector(q: Query) -> str:
    parts = [f'{t}=~"${t}"' for t in SCOPE]
    if q.device_filter:
        parts.append('device=~"$device"')
    parts += [f'{t}=~"{rx}"' for t, rx in q.match.items()]
    return "{" + ", ".join(parts) + "}"


def promql(q: Query) -> str:
    sel, by = _selector(q), ", ".join(q.by)
    names = [f"{q.measurement}_{f}" for f in q.fields]
    if q.kind == "ratio":
        num, den = (f"sum by ({by}) (sum_over_time({n}{sel}[$__rate_interval]))" for n in names)
        expr = f"100 * {num} / {den}"
    elif q.kind == "mean":
        expr = f"avg by ({by}) ({names[0]}{sel})"
    elif q.kind == "rate":
        rates = " + ".join(f"rate({n}{sel}[$__rate_interval])" for n in names)
        expr = f"sum by ({by}) ({rates})"
        if q.scale != 1.0:
            expr = f"{q.scale:g} * {expr}"
    else:
        expr = f"count by ({by}) ({names[0]}{sel} == 0)"
    return f"topk({q.top}, {expr})" if q.top else expr


def _query_var(name: str, source: str, query: str) -> dict[str, Any]:
    """A multi-value template variable filled by ``query`` on the ``source`` kind of data source."""
    return {
        "name": name,
        "type": "query",
        "datasource": {"type": source, "uid": "${DS}"},
        "query": query,
        "definition": query,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "current": {"text": "All", "value": "$__all"},
        "refresh": 2,
        "sort": 1,
    }


def _prom_var(name: str, query: str) -> dict[str, Any]:
    return _query_var(name, "prometheus", query)


def prometheus() -> dict[str, Any]:
    ds = {"type": "prometheus", "uid": "${DS}"}
    variables = [
        {"name": "DS", "type": "datasource", "query": "prometheus", "label": "data source"},
        _prom_var("run", "label_values(case_phase_active, run)"),
        _prom_var("worker", 'label_values(case_phase_active{run=~"$run"}, worker)'),
        _prom_var("case", 'label_values(case_phase_active{run=~"$run", worker=~"$worker"}, case)'),
        _prom_var("device", 'label_values(interface_up{run=~"$run", worker=~"$worker"}, device)'),
    ]
    annotation = {
        "name": "case phases",
        "datasource": ds,
        "enable": True,
        "iconColor": "rgba(255, 96, 96, 1)",
        "expr": 'max by (worker, case, phase) (case_phase_active{run=~"$run", worker=~"$worker", '
        'case=~"$case", phase!="idle"})',
        "step": "1s",
        "titleFormat": "{{phase}}",
        "textFormat": "{{worker}} {{case}}",
        "tagKeys": "worker,case,phase",
        "useValueForTime": False,
    }
    panels = [
        _panel(i, p, ds, [{"refId": "A", "expr": promql(p.query), "legendFormat": p.query.legend}])
        for i, p in enumerate(PANELS)
    ]
    return _dashboard(
        "netopsbench-live-prometheus", "(Prometheus / VictoriaMetrics)", variables, annotation, panels
    )


# -- Flux -----------------------------------------------------------------------------------------
def _flux_filters(q: Query) -> str:
    fields = " or ".join(f'r._field == "{f}"' for f in q.fields)
    scope = [f"r.{t} =~ /^${{{t}:regex}}$/" for t in SCOPE]
    if q.device_filter:
        scope.append("r.device =~ /^${device:regex}$/")
    scope += [f"r.{t} =~ /^({rx})$/" for t, rx in q.match.items()]
    return (
        'from(bucket: "${bucket}")\n'
        "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n"
        f'  |> filter(fn: (r) => r._measurement == "{q.measurement}" and ({fields}))\n'
        f"  |> filter(fn: (r) => {' and '.join(scope)})\n"
    )


def flux(q: Query) -> str:
    by = json.dumps(list(q.by))
    src = _flux_filters(q)
    if q.kind == "ratio":
        num, den = q.fields
        return (
            src + f"  |> group(columns: {json.dumps([*q.by, '_field'])})\n"
            "  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)\n"
            '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
            f"  |> map(fn: (r) => ({{r with _value: if r.{den} > 0 then 100.0 * float(v: r.{num}) / "
            f"float(v: r.{den}) else 0.0}}))\n"
            f"  |> keep(columns: {json.dumps(['_time', '_value', *q.by])})"
        )
    if q.kind == "mean":
        return (
            src
            + f"  |> group(columns: {by})\n"
            + "  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)"
        )
    if q.kind == "rate":
        scaled = (
            f"\n  |> map(fn: (r) => ({{r with _value: r._value * {q.scale!r}}}))" if q.scale != 1.0 else ""
        )
        return (
            src + "  |> derivative(unit: 1s, nonNegative: true)\n"
            "  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)\n"
            f"  |> group(columns: {by})\n"
            "  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)" + scaled
        )
    return (
        src + "  |> aggregateWindow(every: v.windowPeriod, fn: last, createEmpty: false)\n"
        "  |> filter(fn: (r) => r._value == 0)\n"
        f"  |> group(columns: {by})\n"
        "  |> aggregateWindow(every: v.windowPeriod, fn: count, createEmpty: false)"
    )


def _flux_var(name: str, predicate: str) -> dict[str, Any]:
    query = (
        'import "influxdata/influxdb/schema"\n'
        f'schema.tagValues(bucket: "${{bucket}}", tag: "{name}", '
        f"predicate: (r) => {predicate}, start: -30d)"
    )
    return _query_var(name, "influxdb", query)


def influxdb() -> dict[str, Any]:
    ds = {"type": "influxdb", "uid": "${DS}"}
    variables = [
        {"name": "DS", "type": "datasource", "query": "influxdb", "label": "data source"},
        {
            "name": "bucket",
            "type": "textbox",
            "query": "netopsbench",
            "label": "bucket",
            "current": {"text": "netopsbench", "value": "netopsbench"},
        },
        _flux_var("run", 'r._measurement == "case_phase"'),
        _flux_var("worker", 'r._measurement == "case_phase" and r.run =~ /^${run:regex}$/'),
        _flux_var(
            "case",
            'r._measurement == "case_phase" and r.run =~ /^${run:regex}$/ and '
            "r.worker =~ /^${worker:regex}$/",
        ),
        _flux_var("device", 'r._measurement == "interface" and r.run =~ /^${run:regex}$/'),
    ]
    phases = Query("case_phase", ("active",), "mean", (), "")
    annotation_query = (
        _flux_filters(phases) + '  |> filter(fn: (r) => r.phase != "idle")\n'
        '  |> group(columns: ["worker", "case", "phase"])\n'
        "  |> reduce(identity: {start: time(v: 0), stop: time(v: 0), n: 0}, fn: (r, accumulator) => "
        "({start: if accumulator.n == 0 then r._time else accumulator.start, stop: r._time, "
        "n: accumulator.n + 1}))\n"
        '  |> map(fn: (r) => ({_time: r.start, timeEnd: r.stop, text: r.worker + " " + r.case, '
        "tags: r.phase, phase: r.phase}))"
    )
    annotation = {
        "name": "case phases",
        "datasource": ds,
        "enable": True,
        "iconColor": "rgba(255, 96, 96, 1)",
        "target": {"query": annotation_query, "refId": "Anno"},
        "mappings": {
            "time": {"source": "field", "value": "_time"},
            "timeEnd": {"source": "field", "value": "timeEnd"},
            "text": {"source": "field", "value": "text"},
            "tags": {"source": "field", "value": "tags"},
            "title": {"source": "field", "value": "phase"},
        },
    }
    panels = [_panel(i, p, ds, [{"refId": "A", "query": flux(p.query)}]) for i, p in enumerate(PANELS)]
    return _dashboard("netopsbench-live-influxdb", "(InfluxDB 2, Flux)", variables, annotation, panels)


# -- shared ---------------------------------------------------------------------------------------
def _panel(i: int, p: Panel, ds: dict[str, str], targets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": i + 1,
        "type": "timeseries",
        "title": p.title,
        "description": p.what,
        "datasource": ds,
        "gridPos": {"x": 12 * (i % 2), "y": 8 * (i // 2), "w": 12, "h": 8},
        "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "right"}, "tooltip": {"mode": "multi"}},
        "targets": targets,
    }


def _dashboard(
    uid: str, flavour: str, variables: list[dict[str, Any]], annotation: dict[str, Any], panels: list[Any]
) -> dict[str, Any]:
    return {
        "title": f"netopsbench live: ping mesh, interfaces, BGP {flavour}",
        "uid": uid,
        "description": "Generated by observability/dashboards.py from one description; do not edit by hand.",
        "schemaVersion": 38,
        "version": 1,
        "editable": True,
        "refresh": "5s",
        "time": {"from": "now-30m", "to": "now"},
        "tags": ["netopsbench", "leaf-spine", "evidence"],
        "templating": {"list": variables},
        "annotations": {"list": [annotation]},
        "panels": panels,
    }


def render() -> dict[Path, str]:
    return {
        OUT[name]: json.dumps(build(), indent=2) + "\n"
        for name, build in (("prometheus", prometheus), ("influxdb", influxdb))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if a checked-in dashboard is stale")
    args = parser.parse_args(argv)
    stale = [p for p, text in render().items() if not p.exists() or p.read_text() != text]
    if args.check:
        for p in stale:
            print(f"{p.name} is stale: run python observability/dashboards.py", file=sys.stderr)
        return 1 if stale else 0
    for p, text in render().items():
        p.write_text(text)
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
