"""The default backend: each device a network namespace, veth pairs between them, FRR on switches."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ...errors import CapabilityError, LabError, LabNameInUse
from ...topology import Device, Topology
from .._frr import DAEMONS, FRR_DIR, config_errors, daemon_argv, render_configs, vtysh_argv
from .._labbase import LabBase
from .._memory import check_memory
from .._proc import kill_pids, pids_in_netns, read_pid, run
from .._protocol import CommandResult, LabInfo
from .._rundir import keep_recent, process_start, remove_dir, reserve_lab_dir, write_info
from .._vty import vty_command
from ._fabric import build_fabric, delete_namespaces
from ._wire import Wire, wire_namespace

__all__ = ["NetnsLab"]

SETUP_HINT = "install with: sudo bash scripts/setup.sh"
_VTY_DAEMONS = ("zebra", "bgpd", "staticd")
FAILED_LOGS_KEPT = 20  # failed-deploy log copies kept in the shared directory (no run directory given)
ALIAS_ROOT = Path(os.environ.get("NETOPSBENCH_FRR_ALIAS_ROOT", "/run/frr-instances"))


def require_host() -> None:
    """Raise CapabilityError (one clear line) if this host cannot run a netns lab."""
    if os.geteuid() != 0:
        raise CapabilityError(
            "the netns runtime needs root (network namespaces, FRR as user frr)", hint="re-run with sudo"
        )
    missing = [str(FRR_DIR / d) for d in DAEMONS if not (FRR_DIR / d).exists()]
    missing += [b for b in ("ip", "vtysh", "fping") if shutil.which(b) is None]
    if missing:
        raise CapabilityError(f"FRR or tools missing: {', '.join(missing)}", hint=SETUP_HINT)


def host_problem() -> str | None:
    """Why this host cannot run a netns lab (one line), or None; for skip reasons."""
    try:
        require_host()
    except CapabilityError as exc:
        return str(exc)
    return None


class NetnsLab(LabBase):
    """A leaf-spine fabric of network namespaces. Create with ``create_lab``; reopen with ``attach_lab``."""

    backend = "netns"

    def __init__(
        self,
        topology: Topology,
        *,
        name: str,
        run_id: str,
        worker: str,
        frr_extra: Mapping[str, Mapping[str, str]] | None = None,
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
        self._frr_extra = {k: dict(v) for k, v in (frr_extra or {}).items()}
        self._converge_timeout = converge_timeout or 30.0 + 0.3 * len(topology.devices)
        for dev in self._frr_extra:
            if not topology.has_device(dev) or not topology.device(dev).is_switch:
                raise LabError(
                    f"frr_extra names {dev!r}, which is not a switch of the {topology.scale} topology"
                )

    # -- naming -----------------------------------------------------------------------------
    def ns(self, device: str) -> str:
        self.topology.device(device)  # KeyError with a clear message for unknown devices
        return f"{self.name}-{device}"

    def device_dir(self, device: str) -> Path:
        return self.run_dir / device

    @property
    def alias_dir(self) -> Path:
        """Neutral path the daemons are given for the run directory (a symlink to it): whatever
        FRR echoes back (``show logging``, ``log file``, the process list) names no harness."""
        digest = hashlib.sha1(str(self.run_dir).encode()).hexdigest()[:10]
        return ALIAS_ROOT / digest

    def logs(self, device: str) -> dict[str, Path]:
        """daemon -> log file of a switch (empty for hosts)."""
        if not self.topology.device(device).is_switch:
            return {}
        return {d: self.device_dir(device) / f"{d}.log" for d in DAEMONS}

    def _namespaces(self) -> list[str]:
        """Every namespace of the lab, the hidden wire's included (found and removed by name)."""
        return [f"{self.name}-{d.name}" for d in self.topology.devices] + [wire_namespace(self.name)]

    @property
    def wire(self) -> Wire:
        """The namespace every link runs through (see ``_wire.py``); faults of the physical layer
        act there. No device and no tool of the agent's sees it."""
        return Wire(self.topology, self.name)

    # -- lifecycle --------------------------------------------------------------------------
    def deploy(self) -> None:
        require_host()
        check_memory(self.topology.scale)
        self._reserve()  # LabNameInUse: nothing is ours, nothing to clean up
        step, device = "reserve", ""
        try:
            self._register()
            step = "namespaces"
            build_fabric(self.topology, self.ns, self.wire)
            step = "frr config"
            self._write_configs()
            for daemon in ("zebra", "staticd"):
                step = f"start {daemon}"
                self._start_daemons(daemon, self.topology.switches)
            # Leaves' bgpd first, spines' once those are listening: the spines' first connects then
            # succeed at once instead of hitting a closed port and waiting out the connect timer.
            step = "start bgpd"
            self._start_daemons("bgpd", self.topology.leaves)
            self._start_daemons("bgpd", self.topology.spines)
            step = "converge"
            report = self.wait_healthy(self._converge_timeout)
            # Daemons read their config after forking, so rejected lines are only certain to be in
            # the logs by now; a config error explains a convergence failure better than the symptom.
            step = "frr config check"
            self._check_daemons()
            step = "converge"
            if not report.healthy:
                device = report.problems[0].split(":", 1)[0] if report.problems else ""
                raise LabError(
                    f"lab {self.name} did not converge within {self._converge_timeout:g}s: "
                    + "; ".join(report.problems[:4]),
                    step=step,
                    device=device,
                    logs=str(self.run_dir),
                )
        except BaseException as exc:
            logs = self._preserve_logs()
            cleanup = ""
            try:
                self.teardown()
            except LabError as td:  # keep the original cause in front; report the leftovers too
                cleanup = f" (cleanup after the failure also failed: {td})"
            if isinstance(exc, LabError):
                raise LabError(
                    exc.message + cleanup, step=exc.step or step, device=exc.device or device, logs=logs
                ) from None
            if isinstance(exc, Exception):
                raise LabError(
                    f"deploy of {self.name} failed: {exc}{cleanup}", step=step, device=device, logs=logs
                ) from exc
            raise
        info = self.info()
        info.state = "up"
        write_info(info)
        self._info = info

    def _reserve(self) -> None:
        clash = [n for n in self._namespaces() if Path(f"/run/netns/{n}").exists()]
        if clash:
            raise LabNameInUse(f"lab name {self.name!r} is already in use: namespace {clash[0]} exists")
        reserve_lab_dir(self.name)
        self._owned = True

    def _register(self) -> None:
        """The FRR alias, ``lab.json`` and the owner watchdog of a freshly reserved lab."""
        ALIAS_ROOT.mkdir(mode=0o755, exist_ok=True)
        alias = self.alias_dir
        if alias.is_symlink() or alias.exists():
            alias.unlink()  # left by a crashed lab at this very run-dir path
        alias.symlink_to(self.run_dir)
        self._write_new_info()

    def _write_configs(self) -> None:
        for dev in self.topology.switches:
            ddir = self.device_dir(dev.name)
            ddir.mkdir(mode=0o755)
            confs = render_configs(
                self.topology, dev, self._frr_extra.get(dev.name), log_dir=self.alias_dir / dev.name
            )
            for daemon, text in confs.items():
                (ddir / f"{daemon}.conf").write_text(text)  # includes vtysh.conf
            # The daemons drop to user frr before creating sockets and pid files here.
            for path in (ddir, *ddir.iterdir()):
                shutil.chown(path, "frr", "frr")

    def _start_daemons(self, daemon: str, devices: Sequence[Device]) -> None:
        procs = {
            dev.name: subprocess.Popen(
                ["ip", "netns", "exec", self.ns(dev.name), *daemon_argv(daemon, self.alias_dir / dev.name)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for dev in devices
        }
        for name, proc in procs.items():
            _, err = proc.communicate(timeout=30)  # -d: returns once the daemon has forked
            if proc.returncode != 0:
                raise LabError(
                    f"{daemon} exited with {proc.returncode}: {err.strip()[:300]}",
                    step=f"start {daemon}",
                    device=name,
                )

    def _check_daemons(self) -> None:
        for dev in self.topology.switches:
            ddir = self.device_dir(dev.name)
            for daemon in DAEMONS:
                pid = read_pid(ddir / f"{daemon}.pid")
                if pid is None or process_start(pid) is None:
                    raise LabError(f"{daemon} is not running", step=f"start {daemon}", device=dev.name)
                errors = config_errors(ddir / f"{daemon}.log")
                if errors:
                    raise LabError(
                        f"{daemon} rejected its config: {errors[0]}", step="frr config check", device=dev.name
                    )

    def _preserve_logs(self) -> str:
        """Copy daemon logs out of the run directory (which teardown removes) and return where:
        into ``failed_logs`` (the pytest run directory gives one, so the copies go with the run),
        else into a shared directory that keeps only the most recent failures."""
        if not self.run_dir.exists():
            return ""
        if self._failed_logs is not None:
            dest = self._failed_logs
        else:
            shared = Path(os.environ.get("NETOPSBENCH_FAILED_LOGS", "/tmp/netopsbench-failed"))
            keep_recent(shared, FAILED_LOGS_KEPT - 1)
            dest = shared / self.name
        shutil.rmtree(dest, ignore_errors=True)
        for log in self.run_dir.glob("*/*.log"):
            target = dest / log.parent.name / log.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, target)
        return str(dest) if dest.exists() else ""

    def teardown(self) -> None:
        """Stop every process in the lab's namespaces, delete the namespaces and the run directory.

        Idempotent, and safe from another process (works from lab.json alone). A no-op on a lab
        object that never reserved its name (a refused ``deploy``): that name belongs to another lab.
        """
        if not self._begin_teardown():
            return
        namespaces = self._namespaces()
        self._stop_spawned(namespaces)
        # FRR gets SIGKILL straight away: its namespace and files are discarded anyway (a graceful
        # bgpd exit costs 1-2 s).
        left = kill_pids(pids_in_netns(namespaces))
        stuck = delete_namespaces(namespaces)
        alias = self.alias_dir
        if alias.is_symlink() and Path(os.readlink(alias)) == self.run_dir:
            alias.unlink()
        remove_dir(self.run_dir)
        if left or stuck:
            raise LabError(
                f"teardown of {self.name} left processes {left} / namespaces {stuck}", step="teardown"
            )

    # -- running things inside devices --------------------------------------------------------
    def _device_argv(self, device: str, argv: Sequence[str]) -> list[str]:
        argv = list(argv)
        if not argv:
            raise LabError("empty command", device=device)
        if argv[0] == "vtysh" and self.topology.device(device).is_switch:
            # Point vtysh at this device's daemons instead of the system-wide /var/run/frr.
            argv = [*vtysh_argv(self.device_dir(device)), *argv[1:]]
        return ["ip", "netns", "exec", self.ns(device), *argv]

    def _spawn_argv(self, device: str, argv: Sequence[str]) -> list[str]:
        return self._device_argv(device, argv)

    def _run_in(
        self, device: str, argv: Sequence[str], *, timeout: float, input: str | None
    ) -> CommandResult:
        return run(self._device_argv(device, argv), timeout=timeout, input=input)

    def vtysh(self, device: str, commands: Sequence[str], *, timeout: float = 10.0) -> str:
        if not self.topology.device(device).is_switch:
            raise LabError(f"{device} is a host; vtysh runs on switches only", step="vtysh", device=device)
        argv = vtysh_argv(self.device_dir(device))
        for cmd in commands:
            argv += ["-c", cmd]
        res = run(argv, timeout=timeout)
        if not res.ok:
            raise LabError(
                f"vtysh {list(commands)} exited {res.returncode}: {(res.stdout + res.stderr).strip()[:300]}",
                step="vtysh",
                device=device,
            )
        return res.stdout

    def vty_show(self, device: str, command: str, *, daemon: str = "zebra", timeout: float = 5.0) -> str:
        if daemon not in _VTY_DAEMONS:
            raise LabError(f"unknown daemon {daemon!r}; use one of {_VTY_DAEMONS}", device=device)
        if not self.topology.device(device).is_switch:
            raise LabError(f"{device} is a host and runs no FRR daemons", step="vty", device=device)
        return vty_command(self.device_dir(device) / f"{daemon}.vty", command, timeout=timeout, device=device)

    # -- daemon control (used by the device_down fault) ---------------------------------------
    def stop_daemons(self, device: str) -> list[str]:
        """Stop a switch's FRR daemons, bgpd first (as a crashed or powered-off router); returns the
        daemons that were running."""
        if not self.topology.device(device).is_switch:
            raise LabError(f"{device} is a host and runs no FRR daemons", step="stop daemons", device=device)
        stopped = []
        for daemon in reversed(DAEMONS):
            pid = read_pid(self.device_dir(device) / f"{daemon}.pid")
            if pid is not None and process_start(pid) is not None:
                kill_pids([pid], grace=3.0)
                stopped.append(daemon)
        return stopped

    def start_daemons(self, device: str) -> list[str]:
        """Start whichever of a switch's FRR daemons is not running, from its startup config."""
        if not self.topology.device(device).is_switch:
            raise LabError(f"{device} is a host and runs no FRR daemons", step="start daemons", device=device)
        ddir, started = self.device_dir(device), []
        for daemon in DAEMONS:
            pid = read_pid(ddir / f"{daemon}.pid")
            if pid is not None and process_start(pid) is not None:
                continue
            argv = daemon_argv(daemon, self.alias_dir / device)
            res = run(["ip", "netns", "exec", self.ns(device), *argv], timeout=30)
            if not res.ok:
                raise LabError(
                    f"{daemon} exited with {res.returncode}: {res.stderr.strip()[:300]}",
                    step=f"start {daemon}",
                    device=device,
                )
            started.append(daemon)
        return started
