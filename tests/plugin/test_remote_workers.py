"""A run with a remote xdist worker, for real: an sshd of our own on 127.0.0.1 (throwaway host and
client keys, a free port) is the second "host", ``--tx ssh=...//chdir=<other dir>`` starts a worker
through it, and ``--tx popen`` a local one; the agent (the reference agent) runs sandboxed, so its
output file travels too. Each deploys its own xs lab. The remote worker must ship
its case's artifacts back (it is told it is remote from its gateway spec, so it writes a private
staging directory even though it shares this file system); the local one writes the run directory
directly and ships nothing.

Needs root, FRR and ``openssh-server`` (scripts/test.sh installs it). The system sshd is never
touched: ours has its own config, keys, port and pid file, and is stopped by its pid.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from plugin_helpers import FAST_TIMING, LINK_DOWN

pytestmark = pytest.mark.lab

SSHD = Path("/usr/sbin/sshd")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """(ssh_config, port) of a private sshd accepting root with a throwaway key."""
    if not SSHD.exists() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-server and openssh-client are needed (scripts/test.sh installs them)")
    d = tmp_path / "ssh"
    d.mkdir()
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    (d / "authorized_keys").write_text((d / "client_key.pub").read_text())
    port = _free_port()
    (d / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1:{port}\nHostKey {d / 'host_key'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPermitRootLogin yes\nStrictModes no\nUsePAM no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
    )
    (d / "ssh_config").write_text(
        f"Host *\n  IdentityFile {d / 'client_key'}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n  BatchMode yes\n  LogLevel ERROR\n"
    )
    # sshd refuses to start without its privilege separation directory (empty, root-owned)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    log = open(d / "sshd.log", "wb")  # noqa: SIM115 - closed after the process, in the finally
    proc = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")], stdout=subprocess.DEVNULL, stderr=log
    )
    try:
        deadline = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"sshd did not start: {(d / 'sshd.log').read_text()}")
                time.sleep(0.1)
        yield d / "ssh_config", port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _project(root: Path) -> None:
    """A project a worker collects: an ini naming the scenarios (no path arguments travel, so the
    remote worker collects its own copy), and two xs scenarios."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = scenarios\n")
    common = {"topology": {"scale": "xs"}, "timing": FAST_TIMING}
    for sid, extra in (
        ("remote-link", {"fault": LINK_DOWN}),
        ("remote-healthy", {}),
    ):
        target = root / "scenarios" / f"{sid}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(yaml.safe_dump({"scenario_id": sid, "name": sid, **common, **extra}))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_netopsbench.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_remote_worker_ships_artifacts(sshd: tuple[Path, int], tmp_path: Path) -> None:
    ssh_config, port = sshd
    controller, remote = tmp_path / "controller", tmp_path / "remote-host"
    _project(controller)
    _project(remote)
    runs, run_id = tmp_path / "runs", "remote-run"
    py = sys.executable
    proc = subprocess.run(
        [
            py,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--tx",
            f"ssh=-F {ssh_config} -p {port} root@127.0.0.1//python={py}//chdir={remote}",
            "--tx",
            f"popen//python={py}",
            "--dist",
            "loadfile",  # one scenario file per worker, so each deploys its own lab
            "--netopsbench-agent=reference",
            "--netopsbench-isolation=sandbox",  # the default; its agent output file travels too
            f"--netopsbench-artifacts={runs}",
            f"--netopsbench-run-id={run_id}",
            "--junitxml=junit.xml",
            "-rA",
        ],
        cwd=controller,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    run = runs / run_id
    report = json.loads((run / "report.json").read_text())
    cases = {c["scenario_id"]: c for c in report["cases"]}
    assert set(cases) == {"remote-link", "remote-healthy"}, out
    assert {c["worker"] for c in cases.values()} == {"gw0", "gw1"}  # gw0 is the ssh worker
    shipped = next(c for c in cases.values() if c["worker"] == "gw0")
    local = next(c for c in cases.values() if c["worker"] == "gw1")

    # the remote case's files are in the controller's run directory, at the paths its record names
    evidence = Path(shipped["evidence_path"])
    assert evidence.parent == run / "cases" / shipped["case_id"], shipped["evidence_path"]
    with sqlite3.connect(evidence) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables
    output = Path(shipped["agent_output"])  # the sandboxed agent's stdout+stderr
    assert output.parent == evidence.parent and output.exists()
    trajectory = json.loads((run / shipped["trace_path"]).read_text())
    assert trajectory["steps"]
    manifest = json.loads((run / "cases" / shipped["case_id"] / "shipped.json").read_text())
    assert manifest["files"], manifest
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((run / rel).read_bytes()).hexdigest() == digest, rel
    assert not manifest["omitted"]
    assert str(run) not in manifest["staging_root"]
    # the staging directory on the "remote host" is gone once its cases are shipped
    assert not Path(manifest["staging_root"]).exists()
    # a local worker wrote directly and shipped nothing
    assert Path(local["evidence_path"]).exists()
    assert not (run / "cases" / local["case_id"] / "shipped.json").exists()

    # the shared files hold both cases, as for a local run
    for name in ("cases.jsonl", "traces/index.jsonl", "traces/results.jsonl"):
        rows = [json.loads(x) for x in (run / name).read_text().splitlines() if x.strip()]
        assert sorted(r["case_id"] for r in rows) == sorted(c["case_id"] for c in cases.values()), name
    junit = (controller / "junit.xml").read_text()
    assert str(run / shipped["trace_path"]) in junit
    size = re.search(r"artifacts shipped from remote workers: 1 cases, (\d+) bytes compressed", out)
    assert size is not None, out
    sizes = {rel: (run / rel).stat().st_size for rel in manifest["files"]}
    print(f"shipped {size.group(1)} bytes for one xs case ({manifest['raw_bytes']} unpacked): {sizes}")

    # the report commands work on the run as on a local one
    regraded = _cli("report", "regrade", str(run), "--json")
    assert regraded.returncode == 0, regraded.stderr
    assert len(json.loads(regraded.stdout)["cases"]) == 2
    export = _cli("trace", "export", str(run), "-o", str(tmp_path / "export"))
    assert export.returncode == 0, export.stderr
    assert "exported 2 trial(s) (2 with a trajectory" in export.stdout
