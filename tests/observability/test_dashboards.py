"""The two dashboards are generated from one description, are up to date, and every query in them
names only measurements, fields and tags the live mirror writes."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pytest_netopsbench.evidence._influx import MEASUREMENTS, MIRROR_TAGS

OBS = Path(__file__).resolve().parents[2] / "observability"
SERIES = {f"{m}_{f}" for m, (_, fields) in MEASUREMENTS.items() for f in fields}
TAGS = set(MIRROR_TAGS) | {t for tags, _ in MEASUREMENTS.values() for t in tags}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("netopsbench_dashboards", OBS / "dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _load(name: str) -> dict[str, Any]:
    return dict(json.loads((OBS / f"dashboard-{name}.json").read_text()))


def test_checked_in_dashboards_are_what_the_generator_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(OBS / "dashboards.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_both_dashboards_show_the_same_panels_and_variables() -> None:
    prom, flux = _load("prometheus"), _load("influxdb")
    assert [p["title"] for p in prom["panels"]] == [p["title"] for p in flux["panels"]]
    assert len(prom["panels"]) == len(_generator().PANELS)
    names = {v["name"] for v in prom["templating"]["list"]}
    assert {"run", "worker", "case"} <= names and names <= {v["name"] for v in flux["templating"]["list"]}
    for dash in (prom, flux):
        (annotation,) = dash["annotations"]["list"]
        assert "case_phase" in json.dumps(annotation) and "phase" in json.dumps(annotation)


def test_every_promql_query_names_a_series_the_mirror_writes() -> None:
    dash = _load("prometheus")
    panels = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    exprs = panels + [a["expr"] for a in dash["annotations"]["list"]]
    exprs += [v["query"] for v in dash["templating"]["list"] if v["type"] == "query"]
    for expr in exprs:
        names = set(re.findall(r"([a-z][a-z_]*)\{", expr)) | set(re.findall(r"label_values\(([a-z_]+)", expr))
        assert names and names <= SERIES, (expr, names - SERIES)
        labels = set(re.findall(r"([a-z_]+)[=!]~?\"", expr)) | {
            t.strip() for group in re.findall(r"by \(([^)]*)\)", expr) for t in group.split(",")
        }
        labels |= set(re.findall(r", ([a-z_]+)\)$", expr))  # label_values(series, label)
        assert labels <= TAGS, (expr, labels - TAGS)
    for expr in panels:
        assert all(f'{t}=~"${t}"' in expr for t in ("run", "worker", "case")), expr


def test_every_flux_query_names_a_measurement_and_field_the_mirror_writes() -> None:
    dash = _load("influxdb")
    queries = [t["query"] for p in dash["panels"] for t in p["targets"]]
    queries += [a["target"]["query"] for a in dash["annotations"]["list"]]
    for query in queries:
        measurements = re.findall(r'r\._measurement == "([a-z_]+)"', query)
        fields = re.findall(r'r\._field == "([a-z_]+)"', query)
        assert len(measurements) == 1 and fields, query
        declared = MEASUREMENTS[measurements[0]][1]
        assert set(fields) <= set(declared), (query, set(fields) - set(declared))
        tags = set(re.findall(r"r\.([a-z_]+) =~", query))
        assert tags <= TAGS and {"run", "worker", "case"} <= tags, query
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            (measurement,) = re.findall(r'r\._measurement == "([a-z_]+)"', var["query"])
            assert measurement in MEASUREMENTS and f'tag: "{var["name"]}"' in var["query"]


def test_the_description_only_uses_declared_fields() -> None:
    for panel in _generator().PANELS:
        q = panel.query
        assert set(q.fields) <= set(MEASUREMENTS[q.measurement][1]), panel.title
        assert set(q.by) | set(q.match) <= TAGS, panel.title


def test_readme_describes_every_panel() -> None:
    readme = (OBS / "README.md").read_text()
    for panel in _generator().PANELS:
        assert f"| {panel.title} | {panel.what} |" in readme, panel.title
