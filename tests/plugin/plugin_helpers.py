"""Helpers for the plugin tests: scenario files and scripted agents written into a pytester dir."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_netopsbench.runtime import list_labs

FAST_TIMING = {"baseline_s": 2, "observe_s": 2, "settle_s": 0.5, "handoff_s": 0.5}


def scenario(
    pytester: pytest.Pytester,
    path: str,
    scenario_id: str,
    *,
    fault: dict[str, Any] | None = None,
    timing: dict[str, float] | None = None,
    **fields: Any,
) -> Path:
    data: dict[str, Any] = {
        "scenario_id": scenario_id,
        "name": scenario_id.replace("-", " "),
        "topology": {"scale": "xs"},
        **fields,
    }
    if fault is not None:
        data["fault"] = fault
    if timing is not None:
        data["timing"] = timing
    target = pytester.path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


LINK_DOWN = {"type": "link_down", "target": {"device": "leaf1", "interface": "eth1"}}


def junit_cases(path: Path) -> dict[str, dict[str, Any]]:
    """testcase name -> {"props": {...}, "failure": message or None, "error": message or None}."""
    import xml.etree.ElementTree as ET

    out: dict[str, dict[str, Any]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        failure, error = case.find("failure"), case.find("error")
        out[case.get("name", "")] = {
            "props": {p.get("name"): p.get("value") for p in case.iter("property")},
            "failure": failure.get("message") if failure is not None else None,
            "error": error.get("message") if error is not None else None,
        }
    return out


def html_rows(path: Path) -> list[dict[str, Any]]:
    """The result rows pytest-html renders client-side, from its data-jsonblob attribute."""
    import html

    text = path.read_text()
    blob = re.search(r'data-jsonblob="([^"]*)"', text)
    assert blob is not None, "pytest-html report has no data-jsonblob"
    data = json.loads(html.unescape(blob.group(1)))
    rows: list[dict[str, Any]] = []
    for results in data["tests"].values():
        rows.extend(results)
    return rows


def run_dir(pytester: pytest.Pytester) -> Path:
    runs = sorted((pytester.path / ".netopsbench" / "runs").iterdir())
    assert len(runs) == 1, runs
    return runs[0]


def labs_of_run(run_id: str) -> list[str]:
    """Labs of one run still registered on this host (by the run id in their lab.json)."""
    return [info.name for info in list_labs() if info.run_id == run_id]


def junit_suite_properties(path: Path) -> dict[str, str | None]:
    """The testsuite-level <properties> of a JUnit XML file."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    props = suite.find("properties")
    return {} if props is None else {p.get("name", ""): p.get("value") for p in props.iter("property")}


def in_file_order(n: int) -> str:
    """The ``--netopsbench-seed`` option under which ``n`` scenarios of one scale run in file order
    (the plugin shuffles each scale with ``random.Random(seed)``; tests that stop or kill a run at
    a given case need to know which case that is)."""
    import random

    for seed in range(100_000):
        order = list(range(n))
        random.Random(seed).shuffle(order)
        if order == sorted(order):
            return f"--netopsbench-seed={seed}"
    raise AssertionError(f"no seed keeps {n} cases in file order")
