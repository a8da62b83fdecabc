"""Line-protocol export of a store window: the text itself, and a real write into a local
VictoriaMetrics (v2 write API) read back through its export API when the binary is installed."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import (
    BgpPeerRecord,
    EvidenceStore,
    ProbeRound,
    Window,
    export_influx,
    to_line_protocol,
)
from pytest_netopsbench.topology import build_topology


def _filled(path: Path) -> EvidenceStore:
    store = EvidenceStore(path)
    store.set_topology(build_topology("xs"))
    store.add_probe_rounds(
        [
            ProbeRound(
                ts=100.0 + k,
                src="h1",
                dst="h2",
                sent=4,
                lost=1,
                rtt_min_us=20,
                rtt_avg_us=30,
                rtt_max_us=40,
                df_sent=1,
                df_lost=0,
            )
            for k in range(3)
        ]
    )
    store.add_interface_samples(101.0, "leaf 1", [("eth1", "up", 1500, 1, 2, 3, 4, 0, 0, 5, 0)])
    store.add_netstat(101.0, "h2", {"Udp.InCsumErrors": 7})
    store.add_bgp([BgpPeerRecord(ts=101.5, device="leaf1", peer="198.18.8.0", state="Active")])
    return store


def test_line_protocol_text(tmp_path: Path) -> None:
    store = _filled(tmp_path / "e.db")
    lines = list(to_line_protocol(store, Window(start=100.0, end=102.0)))
    store.close()
    assert len(lines) == 3 + 1 + 1 + 1
    assert lines[0] == (
        "pingmesh,dst=h2,dst_leaf=leaf2,src=h1,src_leaf=leaf1 sent=4i,lost=1i,loss_pct=25.0,"
        "rtt_min_ms=0.02,rtt_avg_ms=0.03,rtt_max_ms=0.04,df_sent=1i,df_lost=0i 100000000000"
    )
    iface = next(ln for ln in lines if ln.startswith("interface,"))
    assert iface.startswith("interface,device=leaf\\ 1,interface=eth1 up=1i,mtu=1500i,rx_packets=1i")
    assert any(ln.startswith("netstat,counter=Udp.InCsumErrors,device=h2 value=7i") for ln in lines)
    assert any(ln.startswith("bgp_peer,device=leaf1,peer=198.18.8.0 established=0i ") for ln in lines)


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("victoria-metrics")
    if binary is None:
        pytest.skip("victoria-metrics is not installed (apt-get install victoria-metrics)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [
        binary,
        f"-storageDataPath={tmp_path / 'vm'}",
        f"-httpListenAddr=127.0.0.1:{port}",
        "-search.latencyOffset=0s",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_export_into_victoria_metrics(tmp_path: Path, victoria: str) -> None:
    store = _filled(tmp_path / "e.db")
    now = time.time()
    store.add_probe_rounds([ProbeRound(ts=now, src="h2", dst="h1", sent=4, lost=4)])
    written = export_influx(store, Window(start=now - 1, end=now + 1), url=victoria, bucket="lab")
    store.close()
    assert written == 1
    urllib.request.urlopen(f"{victoria}/internal/force_flush", timeout=5).read()
    body = ""
    for _ in range(60):
        query = urllib.parse.quote('{__name__="pingmesh_lost"}')
        body = urllib.request.urlopen(f"{victoria}/api/v1/export?match[]={query}", timeout=5).read().decode()
        if body.strip():
            break
        time.sleep(0.25)
    series = json.loads(body.splitlines()[0])
    assert series["metric"]["src"] == "h2" and series["values"] == [4]
