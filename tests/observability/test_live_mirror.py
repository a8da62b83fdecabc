"""The live mirror without a lab: an evidence store followed by ``StoreTail`` into a real
VictoriaMetrics, phases tagged by timestamp, and a sink that is down, silent or killed never
blocking the writer. The token stays out of logs, settings dumps and report argv."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from vm_helpers import Victoria, free_port, victoria

from pytest_netopsbench.evidence import (
    BgpPeerRecord,
    EvidenceStore,
    InfluxSink,
    MirrorTarget,
    ProbeRound,
    StoreTail,
    public_url,
)
from pytest_netopsbench.evidence._influx import MEASUREMENTS
from pytest_netopsbench.plugin._mirror import redact_argv
from pytest_netopsbench.settings import Settings
from pytest_netopsbench.topology import build_topology

__all__ = ["victoria"]

TOKEN = "s3cr3t-t0ken-value"
TAGS = {"lab": "nob-test-xs", "worker": "gw7", "run": "run-mirror-test"}


def _probe(ts: float, src: str = "h1", dst: str = "h2", lost: int = 0) -> ProbeRound:
    return ProbeRound(ts=ts, src=src, dst=dst, sent=4, lost=lost, rtt_avg_us=50, df_sent=1, df_lost=0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EvidenceStore]:
    s = EvidenceStore(tmp_path / "run dir #1?" / "evidence.sqlite")  # the tail opens it by URI
    s.set_topology(build_topology("xs"))
    try:
        yield s
    finally:
        s.close()


def test_tail_streams_rows_tagged_by_case_and_phase(store: EvidenceStore, victoria: Victoria) -> None:
    sink = InfluxSink(MirrorTarget(url=victoria.url, bucket="b", token=SecretStr(TOKEN)))
    tail = StoreTail(sink, store.path, tags=TAGS, host_leaf=store.host_leaf).start()
    t0 = time.time()
    tail.mark("case-0123456789ab", "baseline", at=t0)
    tail.mark("case-0123456789ab", "window", at=t0 + 1)
    tail.mark("case-0123456789ab", "recovery", at=t0 + 2)
    tail.mark("", "idle", at=t0 + 3)
    store.add_probe_rounds([_probe(t0 + 0.5), _probe(t0 + 1.5, lost=4), _probe(t0 + 2.5), _probe(t0 + 3.5)])
    store.add_interface_samples(t0 + 1.2, "leaf1", [("eth1", "up", 1500, 1, 2, 3, 4, 0, 0, 5, 0)])
    store.add_netstat(t0 + 1.3, "h2", {"Udp.InCsumErrors": 7})
    store.add_bgp([BgpPeerRecord(ts=t0 + 2.2, device="leaf1", peer="198.18.8.0", state="Established")])
    assert tail.tick() >= 4 + 1 + 1 + 1
    tail.stop()
    stats = sink.close()
    assert stats.errors == 0 and stats.dropped == 0 and stats.sent >= 7, stats
    lost = victoria.wait_series('pingmesh_lost{run="run-mirror-test"}', count=4)
    by_phase = {s["metric"]["phase"]: s for s in lost}
    assert set(by_phase) == {"baseline", "window", "recovery", "idle"}
    assert by_phase["window"]["values"] == [4] and by_phase["baseline"]["values"] == [0]
    window = by_phase["window"]["metric"]
    assert window["case"] == "case-0123456789ab" and window["worker"] == "gw7"
    assert window["lab"] == "nob-test-xs" and window["src_leaf"] == "leaf1"
    assert by_phase["idle"]["metric"]["case"] == "-"
    for name in ("interface_rx_dropped", "netstat_value", "bgp_peer_established", "case_phase_active"):
        assert victoria.wait_series(f'{name}{{run="run-mirror-test"}}'), name
    bgp = victoria.export("bgp_peer_established")[0]
    assert bgp["metric"]["phase"] == "recovery" and bgp["values"] == [1]


def test_every_line_is_in_the_schema(store: EvidenceStore, victoria: Victoria) -> None:
    """What the tail writes is exactly what ``MEASUREMENTS`` (the dashboards' source) declares."""
    sink = InfluxSink(MirrorTarget(url=victoria.url))
    tail = StoreTail(sink, store.path, tags=TAGS, host_leaf=store.host_leaf).start()
    now = time.time()
    store.add_probe_rounds([_probe(now)])
    store.add_interface_samples(now, "leaf1", [("eth1", "up", 1500, 1, 2, 3, 4, 0, 0, 5, 0)])
    store.add_netstat(now, "h2", {"Tcp.RetransSegs": 1})
    store.add_bgp([BgpPeerRecord(ts=now, device="leaf1", peer="p", state="Active", prefixes_received=3)])
    from pytest_netopsbench.evidence._models import RoundTiming

    store.add_round_timing(RoundTiming(ts=now, seconds=0.2, pairs=12, probes=48))
    tail.tick()
    tail.stop()
    sink.close()
    series = victoria.wait_series('{run="run-mirror-test"}', count=len(MEASUREMENTS) + 12)
    names = {s["metric"]["__name__"] for s in series}
    declared = {f"{m}_{f}" for m, (_, fields) in MEASUREMENTS.items() for f in fields}
    assert names <= declared, names - declared
    assert {n.split("_")[0] for n in names} >= {"pingmesh", "interface", "netstat", "bgp", "mesh", "case"}


def test_sink_down_from_the_start_never_blocks(caplog: pytest.LogCaptureFixture) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    sink = InfluxSink(MirrorTarget(url=dead, token=SecretStr(TOKEN)), max_queue=1000, flush_s=0.1)
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        for _ in range(50):
            sink.offer(f"pingmesh,src=h1 lost={k}i" for k in range(100))
        offered = time.monotonic() - started
        time.sleep(0.5)
        stats = sink.close(timeout=2)
    assert offered < 0.5, f"offering 5000 lines to a dead sink took {offered:.2f} s"
    assert stats.sent == 0 and stats.dropped == 5000 and stats.errors >= 1, stats
    assert "Connection refused" in stats.last_error
    assert TOKEN not in caplog.text and TOKEN not in stats.model_dump_json()
    # one warning, not one per failed batch
    assert sum("telemetry mirror" in r.getMessage() for r in caplog.records) == 1


def test_silent_sink_costs_the_writer_nothing() -> None:
    """A server that accepts and never answers: requests time out in the sender thread only."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        sink = InfluxSink(MirrorTarget(url=url), max_queue=2000, flush_s=0.1, timeout_s=0.5)
        started = time.monotonic()
        for _ in range(20):
            sink.offer(f"pingmesh,src=h1 lost={k}i" for k in range(200))
            time.sleep(0.05)
        offered = time.monotonic() - started
        stats = sink.close(timeout=1.5)
        closed = time.monotonic() - started
    assert offered < 1.6, offered
    assert closed < offered + 2.5, closed
    assert stats.sent == 0 and stats.dropped == 4000 and stats.errors >= 1, stats


def test_sink_killed_mid_way_counts_what_it_lost(victoria: Victoria) -> None:
    sink = InfluxSink(MirrorTarget(url=victoria.url), flush_s=0.1)
    sink.offer(f"mesh_round,run=kill seconds=0.1,pairs={k}i" for k in range(100))
    deadline = time.monotonic() + 10
    while sink.stats.sent < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    victoria.kill()
    stop = threading.Event()

    def feed() -> None:
        while not stop.is_set():
            sink.offer(["mesh_round,run=kill seconds=0.1,pairs=1i"])
            time.sleep(0.01)

    feeder = threading.Thread(target=feed)
    feeder.start()
    time.sleep(1.0)
    stop.set()
    feeder.join()
    stats = sink.close(timeout=2)
    assert stats.sent == 100 and stats.errors >= 1 and stats.dropped > 0, stats


def test_token_is_never_shown() -> None:
    settings = Settings(influx_url="http://u:pw@127.0.0.1:8428", influx_token=SecretStr(TOKEN))
    assert settings.influx_token is not None and settings.influx_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings) and TOKEN not in settings.model_dump_json()
    argv = ["pytest", f"--netopsbench-influx-token={TOKEN}", "--netopsbench-influx-token", TOKEN]
    argv += ["--netopsbench-influx-url=http://u:pw@127.0.0.1:8428/x"]
    shown = " ".join(redact_argv(argv))
    assert TOKEN not in shown and "pw" not in shown, shown
    assert "--netopsbench-influx-url=http://127.0.0.1:8428/x" in shown
    assert public_url("https://a:b@h.example:8086/p?q=1") == "https://h.example:8086/p"
    from pytest_netopsbench.settings import build_pytest_args

    assert not any(TOKEN in a for a in build_pytest_args([], settings))


def test_settings_come_from_options_ini_and_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_netopsbench.plugin._runner import SETTINGS
    from pytest_netopsbench.sdk import RunOptions
    from pytest_netopsbench.settings import SettingsError

    monkeypatch.setenv("NETOPSBENCH_INFLUX_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("NETOPSBENCH_INFLUX_TOKEN", TOKEN)
    monkeypatch.setenv("NETOPSBENCH_INFLUX_BUCKET", "from-env")
    pytester.makeini("[pytest]\nnetopsbench_influx_org = from-ini\n")
    settings = pytester.parseconfigure("--netopsbench-influx-url=http://127.0.0.1:8428").stash[SETTINGS]
    assert settings.influx_url == "http://127.0.0.1:8428"  # the option beats the environment
    assert (settings.influx_org, settings.influx_bucket) == ("from-ini", "from-env")
    assert settings.influx_token is not None and settings.influx_token.get_secret_value() == TOKEN
    with pytest.raises(SettingsError, match=r"influx_token=\*\*\*: .*NETOPSBENCH_INFLUX_TOKEN") as info:
        RunOptions(influx_token=SecretStr(TOKEN))
    assert TOKEN not in str(info.value)
    with pytest.raises(SettingsError, match=r"influx_url=ftp://x: must be http\(s\)://host"):
        RunOptions(influx_url="ftp://x")
