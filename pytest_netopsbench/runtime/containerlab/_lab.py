"""Second backend: the same fabric as containers, deployed with the ``containerlab`` CLI.

containerlab links each container's network namespace as ``/var/run/netns/clab-<lab>-<node>``, so
health checks, ``exec`` and ``spawn`` reuse the namespace tooling; FRR is reached with ``vtysh``
through the Docker SDK (FRR 10 runs inside the image, not as host processes).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import CapabilityError, LabError
from ...topology import Topology
from .._labbase import LabBase
from .._proc import run
from .._protocol import CommandResult, LabInfo
from .._rundir import remove_dir, reserve_lab_dir, write_info
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


class ContainerlabLab(LabBase):
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
        watchdog: bool = True,
        failed_logs: Path | None = None,
        info: LabInfo | None = None,
    ) -> None:
        super().__init__(
            topology,
            name=name,
            run_id=run_id,
            worker=worker,
            manual=manual,
            watchdog=watchdog,
            failed_logs=failed_logs,
            info=info,
        )
        self._frr_image, self._host_image = frr_image, host_image
        self._converge_timeout = converge_timeout or 120.0 + len(topology.devices)
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
        reserve_lab_dir(self.name)  # LabNameInUse before anything is ours
        self._owned = True
        self.generate()
        info = self._write_new_info()
        try:
            res = run(["containerlab", "deploy", "-t", str(self.topology_file), "--reconfigure"], timeout=600)
            if not res.ok:
                raise LabError(
                    f"containerlab deploy failed: {res.stderr.strip()[-400:]}",
                    step="deploy",
                    logs=str(self.run_dir),
                )
            report = self.wait_healthy(self._converge_timeout)
            if not report.healthy:
                raise LabError(f"did not converge: {'; '.join(report.problems[:4])}", step="converge")
        except BaseException:
            if self._failed_logs is not None:  # the topology file and configs explain most failures
                shutil.copytree(self.run_dir, self._failed_logs, dirs_exist_ok=True, symlinks=True)
            self.teardown()
            raise
        info.state = "up"
        write_info(info)

    def teardown(self) -> None:
        if not self._begin_teardown():
            return
        self._stop_spawned([self.ns(d.name) for d in self.topology.devices])
        if self.topology_file.exists() and shutil.which("containerlab"):
            run(["containerlab", "destroy", "-t", str(self.topology_file), "--cleanup"], timeout=300)
        remove_dir(self.run_dir)

    def _client(self) -> Any:
        if self._docker is None:
            self._docker = _docker_client()
        return self._docker

    def _run_in(
        self, device: str, argv: Sequence[str], *, timeout: float, input: str | None
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
        return res

    def vtysh(self, device: str, commands: Sequence[str], *, timeout: float = 10.0) -> str:
        argv = ["vtysh"]
        for cmd in commands:
            argv += ["-c", cmd]
        return self.exec(device, argv, timeout=timeout, check=True).stdout

    def vty_show(self, device: str, command: str, *, daemon: str = "zebra", timeout: float = 5.0) -> str:
        return self.exec(device, ["vtysh", "-d", daemon, "-c", command], timeout=timeout, check=True).stdout

    def logs(self, device: str) -> dict[str, Path]:
        return {}  # FRR logs go to the container's stdout (`docker logs`)
