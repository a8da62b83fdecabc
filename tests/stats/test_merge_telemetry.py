"""`report merge` keeps the shards' live-mirror counts: summed, each worker under its shard's name."""

from __future__ import annotations

from pytest_netopsbench.records import MirrorCounts, Telemetry
from pytest_netopsbench.report import BenchmarkReport, RunMeta, build_report, merge_reports

from ._cases import fault_case, healthy_case


def _shard(run_id: str, telemetry: Telemetry | None, scenario: str) -> BenchmarkReport:
    meta = RunMeta(run_id=run_id, agent="scripted", campaign_version="2026.12-3", telemetry=telemetry)
    return build_report(
        meta, [fault_case(scenario, device=True, interface=None), healthy_case(f"h-{scenario}")]
    )


def test_merge_sums_telemetry_and_keeps_each_worker() -> None:
    one = Telemetry(
        url="http://127.0.0.1:8428/api/v2/write",
        bucket="nob",
        sent=100,
        dropped=2,
        errors=1,
        last_error="HTTP 503",
        workers={
            "gw0": MirrorCounts(sent=60, dropped=2, errors=1, last_error="HTTP 503"),
            "gw1": MirrorCounts(sent=40),
        },
    )
    two = Telemetry(
        url="http://127.0.0.1:8428/api/v2/write",
        bucket="nob",
        sent=70,
        workers={"gw0": MirrorCounts(sent=70)},
    )
    merged = merge_reports([_shard("a", one, "s1"), _shard("b", two, "s2")], names=["host-a", "host-b"])
    t = merged.run.telemetry
    assert t is not None
    assert (t.url, t.bucket, t.sent, t.dropped, t.errors, t.last_error) == (
        "http://127.0.0.1:8428/api/v2/write",
        "nob",
        170,
        2,
        1,
        "HTTP 503",
    )
    assert {w: c.sent for w, c in t.workers.items()} == {"host-a/gw0": 60, "host-a/gw1": 40, "host-b/gw0": 70}


def test_merge_without_telemetry_has_none_and_a_single_mirror_survives() -> None:
    plain = merge_reports([_shard("a", None, "s1"), _shard("b", None, "s2")])
    assert plain.run.telemetry is None
    only = Telemetry(url="http://a:1/api/v2/write", sent=5, workers={"gw0": MirrorCounts(sent=5)})
    merged = merge_reports([_shard("a", None, "s1"), _shard("b", only, "s2")])
    assert merged.run.telemetry is not None and merged.run.telemetry.sent == 5
    assert list(merged.run.telemetry.workers) == ["b/gw0"]
