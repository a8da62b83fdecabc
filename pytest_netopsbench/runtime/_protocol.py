"""The ``Lab`` protocol every runtime backend implements, and the typed values it returns."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from ..topology import Topology

__all__ = ["CommandResult", "HealthReport", "Lab", "LabInfo"]


class CommandResult(BaseModel):
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class HealthReport(BaseModel):
    """Converged = every expected BGP session Established, every leaf's kernel FIB holds every remote
    host subnet with one next hop per spine, and every host reaches every other host."""

    healthy: bool
    bgp_expected: int = 0
    bgp_established: int = 0
    fib_complete: bool = False
    reachability_ok: bool = False
    problems: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class LabInfo(BaseModel):
    """Lab metadata kept in the lab's run directory (``lab.json``)."""

    name: str
    backend: str
    scale: str
    run_id: str
    worker: str
    owner_pid: int
    created: float
    devices: list[str]
    run_dir: str
    state: str = "up"  # up | stale | deploying
    # Start time of the owner (clock ticks since boot, /proc/PID/stat field 22): a reused pid is not
    # mistaken for a live owner. 0 with owner_pid 0 marks a manual lab (`runtime up`), never stale.
    owner_start: int = 0

    @property
    def manual(self) -> bool:
        return self.owner_pid == 0


@runtime_checkable
class Lab(Protocol):
    """One running (or to-be-deployed) leaf-spine fabric."""

    name: str
    topology: Topology
    run_dir: Path

    def deploy(self) -> None: ...

    def teardown(self) -> None: ...

    def exec(
        self,
        device: str,
        argv: Sequence[str],
        *,
        timeout: float = 10.0,
        check: bool = False,
        input: str | None = None,
    ) -> CommandResult:
        """Run a command inside a device (argv, never a shell string)."""
        ...

    def spawn(self, device: str, argv: Sequence[str], *, log: Path | None = None) -> subprocess.Popen[bytes]:
        """Start a long-running process inside a device; the lab tracks it by pid and kills it at teardown."""
        ...

    def vtysh(self, device: str, commands: Sequence[str], *, timeout: float = 10.0) -> str:
        """Run FRR CLI commands on a switch (show or configure); returns the text output."""
        ...

    def vty_show(self, device: str, command: str, *, daemon: str = "zebra", timeout: float = 5.0) -> str:
        """Fast read path: one show command straight over a daemon's unix vty socket (no vtysh fork)."""
        ...

    def ns(self, device: str) -> str:
        """The network namespace name of a device (``<lab>-<device>``)."""
        ...

    def logs(self, device: str) -> dict[str, Path]:
        """daemon -> log file on this host for a switch's FRR daemons (empty when not file-backed)."""
        ...

    def health(self) -> HealthReport: ...

    def wait_healthy(self, timeout: float = 60.0) -> HealthReport: ...

    def info(self) -> LabInfo: ...
