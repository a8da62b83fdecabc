"""The live mirror end to end on real xs labs (root + FRR): two cases on two xdist workers streamed
into a throwaway VictoriaMetrics and queried back per worker and phase; a sink that is down from
the start and one killed mid-run cost the cases nothing and are counted in report.json."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from vm_helpers import Victoria, free_port, victoria

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugin"))
from plugin_helpers import FAST_TIMING, LINK_DOWN, run_dir, scenario

pytestmark = pytest.mark.lab
OBSERVABILITY = Path(__file__).resolve().parents[2] / "observability"
__all__ = ["victoria"]

TOKEN = "tok-5ecret-never-shown"
RUN_ARGS = ("-p", "no:cacheprovider", "--netopsbench-agent=reference", "--netopsbench-isolation=none")


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    return dict(json.loads((run_dir(pytester) / "report.json").read_text()))


def _no_token_anywhere(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    assert TOKEN not in result.stdout.str() and TOKEN not in result.stderr.str()
    for path in pytester.path.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".xml", ".log", ".txt"):
            assert TOKEN not in path.read_text(errors="replace"), path


def test_two_workers_stream_per_worker_and_phase(pytester: pytest.Pytester, victoria: Victoria) -> None:
    scenario(pytester, "scenarios/a_healthy.yaml", "mirror-healthy", timing=FAST_TIMING)
    scenario(pytester, "scenarios/b_link.yaml", "mirror-link", fault=LINK_DOWN, timing=FAST_TIMING)
    result = pytester.runpytest_subprocess(
        *RUN_ARGS,
        "-n",
        "2",
        "--junitxml=junit.xml",
        f"--netopsbench-influx-url={victoria.url}",
        f"--netopsbench-influx-token={TOKEN}",
        "--netopsbench-influx-bucket=campaign",
        timeout=600,
    )
    report = _report(pytester)
    cases = {c["scenario_id"]: c for c in report["cases"]}
    assert {c["outcome"] for c in cases.values()} <= {"correct", "wrong"}, result.stdout.str()
    assert {c["worker"] for c in cases.values()} == {"gw0", "gw1"}
    run_id = report["run"]["run_id"]

    telemetry = report["run"]["telemetry"]
    assert telemetry["url"] == victoria.url and telemetry["bucket"] == "campaign"
    assert set(telemetry["workers"]) == {"gw0", "gw1"}
    assert telemetry["sent"] > 100 and telemetry["dropped"] == 0 and telemetry["errors"] == 0, telemetry
    assert all(w["sent"] > 0 for w in telemetry["workers"].values())

    def seen(name: str, count: int) -> set[tuple[str, str, str]]:
        series = victoria.wait_series(f'{name}{{run="{run_id}"}}', count=count)
        return {(s["metric"]["worker"], s["metric"]["phase"], s["metric"]["case"]) for s in series}

    # every phase is marked (however short), the mesh streams through the longer ones
    phases, mesh = seen("case_phase_active", 8), seen("pingmesh_sent", 4)
    for rec in cases.values():
        for phase in ("baseline", "window", "recovery"):
            assert (rec["worker"], phase, rec["case_id"]) in phases, (rec["worker"], phase, sorted(phases))
        for phase in ("baseline", "window"):
            assert (rec["worker"], phase, rec["case_id"]) in mesh, (rec["worker"], phase, sorted(mesh))
    assert {(w, "idle", "-") for w in ("gw0", "gw1")} <= phases
    # the fault shows in its window: the link is down there and up in the baseline
    link = cases["mirror-link"]
    up = victoria.query(
        f'min by (phase) (min_over_time(interface_up{{run="{run_id}",case="{link["case_id"]}",'
        f'device="leaf1",interface="eth1"}}[10m]))'
    )
    by_phase = {r["metric"]["phase"]: float(r["value"][1]) for r in up}
    assert by_phase.get("window") == 0 and by_phase.get("baseline") == 1, by_phase
    # every label is opaque: no scenario id, fault or scenario file name
    every = victoria.export(f'{{run="{run_id}"}}')
    assert {s["metric"]["case"] for s in every} <= {c["case_id"] for c in cases.values()} | {"-"}
    text = json.dumps([s["metric"] for s in every])
    for word in ("mirror-", "link_down", ".yaml", TOKEN):
        assert word not in text, word
    assert {s["metric"]["__name__"] for s in every} >= {"interface_rx_packets", "bgp_peer_established"}
    _no_token_anywhere(pytester, result)
    assert any("--netopsbench-influx-token=***" in a for a in report["run"]["argv"])
    # panels are read just before a case ended, when the mirror was streaming: the run's own end comes
    # after reports and teardown, which can take longer than the panels' 30 s rate window on a busy host
    _dashboard_queries_answer(victoria, run_id, min(c["ended"] for c in cases.values()) + 3)


def _dashboard_queries_answer(victoria: Victoria, run_id: str, at: float) -> None:
    """Every PromQL query of the generated dashboard runs on the mirrored data (variables set as
    Grafana would), and the panels that must have data during any run do."""
    dash = json.loads((OBSERVABILITY / "dashboard-prometheus.json").read_text())

    def resolve(expr: str) -> str:
        expr = expr.replace("$__rate_interval", "30s").replace('"$run"', f'"{run_id}"')
        return re.sub(r'"\$(worker|case|device)"', '".*"', expr)

    answered = {}
    for panel in dash["panels"]:
        (target,) = panel["targets"]
        answered[panel["title"]] = victoria.query(resolve(target["expr"]), at=at - 5)
    for title in (
        "Ping-mesh loss per leaf pair (%)",
        "RTT per leaf pair (ms)",
        "Interface throughput (Mbit/s)",
    ):
        assert answered[title], title
    (annotation,) = dash["annotations"]["list"]
    phases = victoria.query(f"max_over_time(({resolve(annotation['expr'])})[10m:1s])", at=at)
    assert {r["metric"]["phase"] for r in phases} == {"baseline", "window", "recovery"}


def test_sink_down_from_the_start(pytester: pytest.Pytester) -> None:
    scenario(pytester, "scenarios/healthy.yaml", "mirror-down", timing=FAST_TIMING)
    result = pytester.runpytest_subprocess(
        *RUN_ARGS, "-p", "no:xdist", f"--netopsbench-influx-url=http://127.0.0.1:{free_port()}", timeout=600
    )
    result.assert_outcomes(passed=1)
    telemetry = _report(pytester)["run"]["telemetry"]
    assert telemetry["sent"] == 0 and telemetry["dropped"] > 0 and telemetry["errors"] >= 1, telemetry
    assert set(telemetry["workers"]) == {"master"}


def test_sink_killed_mid_run(pytester: pytest.Pytester, victoria: Victoria) -> None:
    scenario(pytester, "scenarios/healthy.yaml", "mirror-killed", timing={**FAST_TIMING, "observe_s": 6})
    killed = threading.Event()

    def kill_once_the_window_streams() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if victoria.query('case_phase_active{phase="window"}'):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        victoria.kill()
        killed.set()

    watcher = threading.Thread(target=kill_once_the_window_streams, daemon=True)
    watcher.start()
    result = pytester.runpytest_subprocess(
        *RUN_ARGS, "-p", "no:xdist", f"--netopsbench-influx-url={victoria.url}", timeout=600
    )
    watcher.join(timeout=5)
    assert killed.is_set()
    result.assert_outcomes(passed=1)
    telemetry = _report(pytester)["run"]["telemetry"]
    assert telemetry["sent"] > 0 and telemetry["errors"] >= 1 and telemetry["dropped"] > 0, telemetry
