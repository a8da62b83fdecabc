"""A throwaway VictoriaMetrics on 127.0.0.1 (Debian ``victoria-metrics``): a temporary data
directory, a free port, stopped by its pid. Queries go through its Prometheus and export APIs."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Victoria:
    def __init__(self, proc: subprocess.Popen[bytes], url: str) -> None:
        self.proc, self.url = proc, url

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def get(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=10) as resp:
            return resp.read().decode()

    def flush(self) -> None:
        self.get("/internal/force_flush")

    def export(self, match: str) -> list[dict[str, Any]]:
        """Every series matching ``match`` with its samples (``/api/v1/export``, JSON lines)."""
        self.flush()
        body = self.get("/api/v1/export", **{"match[]": match})
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """An instant PromQL query's result vector (``/api/v1/query``)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = json.loads(self.get("/api/v1/query", **params))
        assert data["status"] == "success", data
        return list(data["data"]["result"])

    def wait_series(self, match: str, count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The series matching ``match`` once there are at least ``count`` (new series take a
        moment to become searchable, even after a flush)."""
        deadline = time.monotonic() + timeout
        while True:
            series = self.export(match)
            if len(series) >= count or time.monotonic() > deadline:
                return series
            time.sleep(0.25)


@contextmanager
def victoria_metrics(data_dir: Path) -> Iterator[Victoria]:
    binary = shutil.which("victoria-metrics")
    if binary is None:
        pytest.skip("victoria-metrics is not installed (apt-get install victoria-metrics)")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"-storageDataPath={data_dir}",
            f"-httpListenAddr=127.0.0.1:{port}",
            "-search.latencyOffset=0s",
            "-retentionPeriod=1d",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    vm = Victoria(proc, f"http://127.0.0.1:{port}")
    try:
        for _ in range(200):
            try:
                vm.get("/health")
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"victoria-metrics exited with {proc.returncode}") from None
                time.sleep(0.05)
        yield vm
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[Victoria]:
    """A throwaway VictoriaMetrics for one test (import this fixture into the test module)."""
    with victoria_metrics(tmp_path / "vm") as vm:
        yield vm
