"""Second backend: the same fabric as containers, deployed with the ``containerlab`` CLI.

containerlab links each container's network namespace as ``/var/run/netns/clab-<lab>-<node>``, so
health checks, ``exec`` and ``spawn`` reuse the namespace tooling; FRR is reached with ``vtysh``
through the Docker SDK (FRR 10 runs inside the image, not as host processes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import CapabilityError, LabError
from ...topology import Topology
from .._proc import kill_pids, pids_in_netns, prune_spawned, run
from .._protocol import CommandResult, HealthReport, LabInfo
from .._rundir import lab_dir, labs_root, process_start, read_info, remove_dir, write_info
from ..netns._health import collect_health, wait_for_health
from ._topofile import DEFAULT_FRR_IMAGE, DEFAULT_HOST_IMAGE, write_lab_files

__all__ = ["ContainerlabLab", "require_containerlab"]

_HINT = (
    "install containerlab (https://containerlab.dev/install/) and a running Docker engine, "
    "or use the default backend: --backend netns"
)


def _docker_client() -> Any:
    try:
        import docker
    except ImportError:
        raise CapabilityError(
            "the containerlab backend needs the Python docker SDK",
            hint="pip install docker (a dependency of pytest-netopsbench)",
        ) from None
    try:
        return docker.from_env()
    except Exception as exc:  # the SDK raises DockerException subclasses for every failure mode
        raise CapabilityError(f"no Docker engine reachable ({exc})", hint=_HINT) from None


def require_containerlab() -> Any:
    """Return a Docker client, or raise CapabilityError saying exactly what is missing."""
    if os.geteuid() != 0:
        raise CapabilityError("the containerlab backend needs root", hint="re-run with sudo")
    if shutil.which("containerlab") is None:
        raise CapabilityError("the containerlab CLI is not installed", hint=_HINT)
    return _docker_client()


class ContainerlabLab:
    backend = "containerlab"

    def __init__(
        self,
        topology: Topology,
        *,
        name: str,
        run_id: str,
        worker: str,
        frr_image: str = DEFAULT_FRR_IMAGE,
        host_image: str = DEFAULT_HOST_IMAGE,
        converge_timeout: float | None = None,
        manual: bool = False,
        info: LabInfo | None = None,
    ) -> None:
        self.topology = topology
        self.name = name
        self.run_dir = lab_dir(name)
        self.run_id, self.worker = run_id, worker
        self._frr_image, self._host_image = frr_image, host_image
        self._converge_timeout = converge_timeout or 120.0 + len(topology.devices)
        self._manual = manual
        self._info = info
        self._docker: Any = None

    @property
    def topology_file(self) -> Path:
        return self.run_dir / f"{self.name}.clab.yml"

    def container(self, device: str) -> str:
        self.topology.device(device)
        return f"clab-{self.name}-{device}"

    def ns(self, device: str) -> str:
        return self.container(device)  # containerlab names the netns link after the container

    def generate(self) -> Path:
        """Write the topology file and FRR configs without deploying (works without Docker)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        return write_lab_files(
            self.topology,
            name=self.name,
            run_dir=self.run_dir,
            frr_image=self._frr_image,
            host_image=self._host_image,
        )

    def deploy(self) -> None:
        self._docker = require_containerlab()
        labs_root().mkdir(parents=True, exist_ok=True)
        if self.run_dir.exists():
            raise LabError(f"lab name {self.name!r} is already in use ({self.run_dir} exists)")
        self.generate()
        pid = 0 if self._manual else os.getpid()
        self._info = LabInfo(
            name=self.name,
            backend=self.backend,
            scale=self.topology.scale,
            run_id=self.run_id,
            worker=self.worker,
            owner_pid=pid,
            owner_start=(process_start(pid) or 0) if pid else 0,
            created=time.time(),
            devices=[d.name for d in self.topology.devices],
            run_dir=str(self.run_dir),
            state="deploying",
        )
        write_info(self._info)
        try:
            res = run(["containerlab", "deploy", "-t", str(self.topology_file), "--reconfigure"], timeout=600)
            if not res.ok:
                raise LabError(
                    f"containerlab deploy failed: {res.stderr.strip()[-400:]}",
                    step="deploy",
                    logs=str(self.run_dir),
                )
            report = wait_for_health(self, self._converge_timeout)
            if not report.healthy:
                raise LabError(f"did not converge: {'; '.join(report.problems[:4])}", step="converge")
        except BaseException:
            self.teardown()
            raise
        self._info.state = "up"
        write_info(self._info)

    def teardown(self) -> None:
        kill_pids(
            self._spawned_pids() & set(pids_in_netns([self.ns(d.name) for d in self.topology.devices])),
            grace=1.0,
        )
        if self.topology_file.exists() and shutil.which("containerlab"):
            run(["containerlab", "destroy", "-t", str(self.topology_file), "--cleanup"], timeout=300)
        remove_dir(self.run_dir)

    def _client(self) -> Any:
        if self._docker is None:
            self._docker = _docker_client()
        return self._docker

    def prune_spawned(self) -> None:
        """Drop the records and logs of spawned processes that have exited (faults call it on clear)."""
        prune_spawned(self.run_dir / "spawned")

    def _spawned_pids(self) -> set[int]:
        sdir = self.run_dir / "spawned"
        return {int(p.stem) for p in sdir.glob("*.json") if p.stem.isdigit()} if sdir.exists() else set()

    def exec(
        self,
        device: str,
        argv: Sequence[str],
        *,
        timeout: float = 10.0,
        check: bool = False,
        input: str | None = None,
    ) -> CommandResult:
        # Inside the container's filesystem, so vtysh and the image's own tools apply.
        if input is not None:  # the SDK's exec_run cannot feed stdin
            res = run(["docker", "exec", "-i", self.container(device), *argv], timeout=timeout, input=input)
        else:
            t0 = time.monotonic()
            code, (out, err) = (
                self._client().containers.get(self.container(device)).exec_run(list(argv), demux=True)
            )
            res = CommandResult(
                argv=list(argv),
                returncode=code,
                stdout=(out or b"").decode(errors="replace"),
                stderr=(err or b"").decode(errors="replace"),
                seconds=time.monotonic() - t0,
            )
        res.argv = list(argv)
        if check and not res.ok:
            raise LabError(
                f"`{' '.join(argv)}` exited {res.returncode}: {res.stderr.strip()[:300]}",
                step="exec",
                device=device,
            )
        return res

    def spawn(self, device: str, argv: Sequence[str], *, log: Path | None = None) -> subprocess.Popen[bytes]:
        sdir = self.run_dir / "spawned"
        sdir.mkdir(parents=True, exist_ok=True)
        self.prune_spawned()
        log = log or sdir / f"{time.monotonic_ns()}.log"  # no device or command in the name
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns(device), *argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (sdir / f"{proc.pid}.json").write_text(
            json.dumps({"device": device, "argv": list(argv), "log": str(log)})
        )
        return proc

    def vtysh(self, device: str, commands: Sequence[str], *, timeout: float = 10.0) -> str:
        argv = ["vtysh"]
        for cmd in commands:
            argv += ["-c", cmd]
        return self.exec(device, argv, timeout=timeout, check=True).stdout

    def vty_show(self, device: str, command: str, *, daemon: str = "zebra", timeout: float = 5.0) -> str:
        return self.exec(device, ["vtysh", "-d", daemon, "-c", command], timeout=timeout, check=True).stdout

    def logs(self, device: str) -> dict[str, Path]:
        return {}  # FRR logs go to the container's stdout (`docker logs`)

    def health(self) -> HealthReport:
        return collect_health(self)

    def wait_healthy(self, timeout: float = 60.0) -> HealthReport:
        return wait_for_health(self, timeout)

    def info(self) -> LabInfo:
        if self._info is None:
            self._info = read_info(self.name)
        return self._info.model_copy()
