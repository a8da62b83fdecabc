"""What every backend's lab does the same way: the ``lab.json`` that marks it as ours, ``exec``'s
result checking, processes spawned into its devices (recorded on disk, so another process can tear
the lab down), the first step of teardown, and health checks."""

from __future__ import annotations

import json
import os
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from ..errors import LabError
from ..topology import Topology
from ._health import collect_health, wait_for_health
from ._ownerwatch import start_watchdog, stop_watchdog
from ._proc import kill_pids, pids_in_netns, prune_spawned
from ._protocol import CommandResult, HealthReport, LabInfo
from ._rundir import lab_dir, process_start, read_info, write_info

__all__ = ["LabBase"]


class LabBase(ABC):
    backend: ClassVar[str]

    def __init__(
        self,
        topology: Topology,
        *,
        name: str,
        run_id: str,
        worker: str,
        manual: bool,
        watchdog: bool,
        failed_logs: Path | None,
        info: LabInfo | None,
    ) -> None:
        self.topology = topology
        self.name = name
        self.run_dir = lab_dir(name)
        self.run_id = run_id
        self.worker = worker
        self._manual = manual
        # manual labs (`runtime up`) and kept labs outlive their creator: no watchdog for them
        self._watchdog = watchdog and not manual
        self._failed_logs = failed_logs
        self._info = info
        # Only a lab this object reserved (or attached from lab.json) is ever torn down by it: a
        # refused reservation must not delete the lab that holds the name.
        self._owned = info is not None
        self._spawned: dict[int, subprocess.Popen[bytes]] = {}

    @abstractmethod
    def ns(self, device: str) -> str:
        """The network namespace of ``device`` (what ``ip netns exec`` takes)."""

    @abstractmethod
    def vty_show(self, device: str, command: str, *, daemon: str = "zebra", timeout: float = 5.0) -> str:
        """One ``show`` command on a switch's FRR daemon."""

    @abstractmethod
    def _run_in(
        self, device: str, argv: Sequence[str], *, timeout: float, input: str | None
    ) -> CommandResult:
        """Run ``argv`` to completion inside ``device`` the backend's way."""

    def exec(
        self,
        device: str,
        argv: Sequence[str],
        *,
        timeout: float = 10.0,
        check: bool = False,
        input: str | None = None,
    ) -> CommandResult:
        res = self._run_in(device, argv, timeout=timeout, input=input)
        res.argv = list(argv)
        if check and not res.ok:
            detail = (res.stderr or res.stdout).strip()[:300]
            raise LabError(
                f"`{' '.join(argv)}` exited {res.returncode}: {detail}", step="exec", device=device
            )
        return res

    def _spawn_argv(self, device: str, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns(device), *argv]

    # -- lab.json -------------------------------------------------------------------------------
    def _write_new_info(self) -> LabInfo:
        """Record the lab as ``deploying``, owned by this process (or by no one when manual)."""
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
        if self._watchdog:
            start_watchdog(self.run_dir, pid)
        return self._info

    def info(self) -> LabInfo:
        if self._info is None:
            self._info = read_info(self.name)
        return self._info.model_copy()

    # -- spawned processes ----------------------------------------------------------------------
    def spawn(self, device: str, argv: Sequence[str], *, log: Path | None = None) -> subprocess.Popen[bytes]:
        sdir = self.run_dir / "spawned"
        sdir.mkdir(parents=True, exist_ok=True)
        self.prune_spawned()
        if log is None:
            log = sdir / f"{time.monotonic_ns()}.log"  # no device or command in the name
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                self._spawn_argv(device, argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        record = {"device": device, "argv": list(argv), "log": str(log)}
        (sdir / f"{proc.pid}.json").write_text(json.dumps(record))
        self._spawned[proc.pid] = proc
        return proc

    def prune_spawned(self) -> None:
        """Forget processes that have exited: their records and logs would outlive the fault that
        started them (and tell an onlooker what it was)."""
        for pid, proc in list(self._spawned.items()):
            if proc.poll() is not None:
                del self._spawned[pid]
        prune_spawned(self.run_dir / "spawned")

    def _spawned_pids(self) -> set[int]:
        sdir = self.run_dir / "spawned"
        return {int(p.stem) for p in sdir.glob("*.json") if p.stem.isdigit()} if sdir.exists() else set()

    def _begin_teardown(self) -> bool:
        """Whether this object may tear the lab down (it reserved or attached it); stops the owner
        watchdog first so it does not race the teardown."""
        if not self._owned:
            return False
        stop_watchdog(self.run_dir)
        return True

    def _stop_spawned(self, namespaces: Iterable[str]) -> None:
        """First step of every teardown: spawned tools get a moment to flush their logs. Only pids
        still inside the lab's namespaces are signalled (a recorded pid may have been reused)."""
        in_lab = pids_in_netns(namespaces)
        kill_pids([p for p in set(self._spawned) | self._spawned_pids() if p in in_lab], grace=1.0)
        for proc in self._spawned.values():
            proc.poll()
        self._spawned.clear()

    # -- health ---------------------------------------------------------------------------------
    def health(self) -> HealthReport:
        return collect_health(self)

    def wait_healthy(self, timeout: float = 60.0) -> HealthReport:
        return wait_for_health(self, timeout)
