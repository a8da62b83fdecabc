"""Routing-daemon faults: a starved bgpd that stops answering longer than the hold time, a bgpd that
crashes while zebra keeps running, and a zebra restarted on its own under a bgpd that never sends it
its routes again. All act on the real process with a signal from outside the lab (nothing
runs inside the device, so no process or argv shows up there)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CapabilityError, FaultError, LabError
from ..runtime import Lab
from ._base import Verification
from ._common import SwitchFault
from ._evidence import Findings, mesh_symptoms, pairs_through_device
from ._ops import bgp_peer_states, daemon_log_lines, netns_of, run, vtysh_json, wait_for
from ._visibility import REACH, ROUTING, channels
from ._visibility import Channel as C
from .registry import register
from .routing import bgp_neighbors
from .system import _daemon_control

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["BgpHoldTimerExpiry", "BgpdCrash", "ZebraRestart", "daemon_pid"]


def daemon_pid(lab: Lab, device: str, daemon: str) -> int | None:
    """The live pid of one FRR daemon of ``device`` (None when it is not running). Checked against
    the device's network namespace, so a stale pid file never gets another process signalled."""
    device_dir = getattr(lab, "device_dir", None)
    if not callable(device_dir):
        raise CapabilityError(
            f"the {type(lab).__name__} runtime does not expose FRR pid files (no `device_dir(device)`)",
            hint="use the netns runtime",
        )
    try:
        pid = int(Path(device_dir(device), f"{daemon}.pid").read_text().strip())
        ours = os.stat(f"/run/netns/{netns_of(lab, device)}").st_ino
        if os.stat(f"/proc/{pid}/ns/net").st_ino != ours:
            return None
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    return None if state in ("Z", "X") else pid


def _crash(lab: Lab, device: str, daemon: str) -> None:
    """SIGSEGV the daemon and wait for it to be gone: FRR's own handler logs the backtrace."""
    pid = daemon_pid(lab, device, daemon)
    if pid is None:
        raise FaultError(f"{device}: {daemon} is not running")
    # No core file on the host: the crash shows in the daemon's log, as FRR's own handler writes it.
    with contextlib.suppress(OSError):
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, resource.prlimit(pid, resource.RLIMIT_CORE)[1]))
    os.kill(pid, signal.SIGSEGV)
    if not wait_for(lambda: daemon_pid(lab, device, daemon) is None, 10.0):
        raise FaultError(f"{device}: {daemon} (pid {pid}) did not exit after SIGSEGV")


def _restart(lab: Lab, device: str, daemon: str) -> None:
    """Start the device's missing daemons from their startup config (only ``daemon`` is missing)."""
    start = _daemon_control(lab, "start")
    try:
        start(device)
    except LabError as exc:
        raise FaultError(f"{device}: could not restart {daemon}: {exc}") from exc


def _stopped(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "T"
    except OSError:
        return False


def _answers(lab: Lab, device: str, daemon: str) -> str | None:
    """None when the daemon answers a show command within 2 s, else what the operator gets."""
    try:
        lab.vty_show(device, "show version", daemon=daemon, timeout=2.0)
    except LabError as exc:
        return "no answer within 2 s" if "no reply" in str(exc) else "not running (connection refused)"
    return None


def _sessions_to(lab: Lab, fault: SwitchFault) -> tuple[list[str], list[str]]:
    """(sessions the device's peers hold to it that are down, their last reset reasons)."""
    dev = fault.target.device
    down, reasons = [], []
    for peer in bgp_neighbors(fault.topology, dev).values():
        my_ip = next(i.ip for i in fault.topology.device(dev).interfaces if i.peer_device == peer.name)
        state = bgp_peer_states(lab, peer.name).get(my_ip, "absent")
        if state == "Established":
            continue
        down.append(f"{peer.name} -> {my_ip}: {state}")
        with contextlib.suppress(FaultError):
            info = vtysh_json(lab, peer.name, f"show bgp neighbors {my_ip} json").get(my_ip, {})
            why = [str(info.get(k)) for k in ("lastResetDueTo", "lastNotificationReason") if info.get(k)]
            reasons.append(" / ".join(why))
    return down, reasons


@register
class BgpHoldTimerExpiry(SwitchFault):
    name = "bgp_hold_timer_expiry"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG, C.DEVICE_CONFIG)
    localizing = channels(C.BGP_SESSIONS, C.LOGS)
    category = "system"
    aliases = ("bgp_hold_timer_expired", "hold_timer_expiry", "bgpd_starved", "bgpd_hung")
    description = (
        "bgpd is starved (stopped) for longer than the hold time: it sends no keepalives, every peer "
        "tears the session down with Hold Timer Expired and withdraws its routes; zebra keeps the "
        "device's own FIB as it was."
    )

    def inject(self, lab: Lab) -> None:
        pid = daemon_pid(lab, self.target.device, "bgpd")
        if pid is None:
            raise FaultError(f"{self.target.device}: bgpd is not running")
        os.kill(pid, signal.SIGSTOP)

    def clear(self, lab: Lab) -> None:
        pid = daemon_pid(lab, self.target.device, "bgpd")
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
            # bgpd wakes up with its own hold timers long expired and resets every session itself.
            wait_for(lambda: not _stopped(pid), 2.0)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev = self.target.device
        silent = _answers(lab, dev, "bgpd")
        f.add(f"{dev} bgpd: {silent or 'answers'}", state=silent is not None)
        down, reasons = _sessions_to(lab, self)
        total = len(bgp_neighbors(self.topology, dev))
        expired = [r for r in reasons if "Hold Timer" in r]
        f.add(f"sessions to {dev} down: {'; '.join(down) or 'none'} ({len(down)}/{total})")
        f.add(f"last reset reasons: {sorted(set(reasons)) or 'none'}")
        f.mesh(mesh_symptoms(store, window, pairs_through_device(self.topology, dev)), loss=True)
        confirmed = f.state and len(down) == total and len(expired) == total
        return Verification(confirmed=confirmed, evidence=f.lines)


@register
class BgpdCrash(SwitchFault):
    name = "bgpd_crash"
    visible = channels(REACH, ROUTING, C.BGP_CONFIG, C.DEVICE_CONFIG, C.PROCESSES)
    localizing = channels(C.BGP_SESSIONS, C.PROCESSES, C.LOGS)
    category = "system"
    aliases = ("bgp_daemon_crash", "bgpd_down", "bgpd_dead")
    description = (
        "bgpd crashes (SIGSEGV, backtrace in its log) while zebra stays up: the device's BGP "
        "routes are removed from its FIB and every peer drops its session."
    )

    def inject(self, lab: Lab) -> None:
        _crash(lab, self.target.device, "bgpd")

    def clear(self, lab: Lab) -> None:
        if daemon_pid(lab, self.target.device, "bgpd") is None:
            _restart(lab, self.target.device, "bgpd")
            time.sleep(0.2)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev = self.target.device
        bgpd = _answers(lab, dev, "bgpd")
        zebra = _answers(lab, dev, "zebra")
        f.add(f"{dev} bgpd: {bgpd or 'answers'}; zebra: {zebra or 'answers'}", state=bool(bgpd) and not zebra)
        down, _ = _sessions_to(lab, self)
        total = len(bgp_neighbors(self.topology, dev))
        f.add(f"sessions to {dev} down: {'; '.join(down) or 'none'} ({len(down)}/{total})")
        f.mesh(mesh_symptoms(store, window, pairs_through_device(self.topology, dev)), loss=True)
        return Verification(confirmed=f.state and len(down) == total, evidence=f.lines)


def _zebra_bgp_routes(lab: Lab, device: str) -> int | None:
    """How many BGP routes zebra holds (None: zebra does not answer)."""
    try:
        return len(vtysh_json(lab, device, "show ip route bgp json"))
    except FaultError:
        return None


def _prefixes_received(lab: Lab, device: str) -> int:
    with contextlib.suppress(FaultError):
        peers = vtysh_json(lab, device, "show bgp ipv4 unicast summary json").get("peers", {})
        return sum(int(p.get("pfxRcd") or 0) for p in peers.values() if p.get("state") == "Established")
    return 0


def _bgp_client_connected(lab: Lab, device: str) -> bool:
    """Whether bgpd has reconnected to zebra (``show zebra client summary`` lists it)."""
    try:
        out = lab.vtysh(device, ["show zebra client summary"])
    except LabError:
        return False
    return any(ln.split()[:1] == ["bgp"] for ln in out.splitlines())


@register
class ZebraRestart(SwitchFault):
    name = "zebra_restart"
    visible = channels(REACH, ROUTING, C.PROCESSES)
    localizing = channels(C.ROUTES_RIB, C.LOGS)
    category = "system"
    aliases = ("zebra_restarted", "zebra_restart_alone", "rib_manager_restart", "zebra_bounce")
    description = (
        "zebra alone is restarted under a running bgpd: stopping, it removes every route it installed; "
        "the new zebra starts empty, and bgpd, with every session still Established, reconnects without "
        "sending a single route again, so the switch forwards on connected routes only."
    )

    def inject(self, lab: Lab) -> None:
        dev = self.target.device
        pid = daemon_pid(lab, dev, "zebra")
        if pid is None:
            raise FaultError(f"{dev}: zebra is not running")
        # SIGTERM is what `systemctl restart` of a per-daemon unit (or a supervisor) sends: zebra's own
        # shutdown withdraws its routes from the kernel (no -r/--retain); the unit starts it again.
        os.kill(pid, signal.SIGTERM)
        if not wait_for(lambda: daemon_pid(lab, dev, "zebra") is None, 10.0):
            raise FaultError(f"{dev}: zebra (pid {pid}) did not exit after SIGTERM")
        _restart(lab, dev, "zebra")
        if not wait_for(lambda: _zebra_bgp_routes(lab, dev) == 0, 10.0):
            raise FaultError(f"{dev}: the restarted zebra holds BGP routes")

    def clear(self, lab: Lab) -> None:
        dev = self.target.device
        if daemon_pid(lab, dev, "zebra") is None:
            _restart(lab, dev, "zebra")
        if _zebra_bgp_routes(lab, dev) != 0 or _prefixes_received(lab, dev) == 0:
            return
        # bgpd tries zebra again 10 s, then 60 s after losing it; a hard reset of its sessions once it
        # is back makes it install every route anew (what an operator does, short of restarting bgpd).
        if not wait_for(lambda: _bgp_client_connected(lab, dev), 75.0, interval=0.5):
            raise FaultError(f"{dev}: bgpd did not reconnect to the restarted zebra")
        lab.vtysh(dev, ["clear ip bgp *"])
        wait_for(lambda: bool(_zebra_bgp_routes(lab, dev)), 20.0, interval=0.3)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        dev = self.target.device
        zebra = _answers(lab, dev, "zebra")
        installed = _zebra_bgp_routes(lab, dev)
        received = _prefixes_received(lab, dev)
        kernel = run(lab, dev, ["ip", "-j", "route", "show", "proto", "bgp"], check=False).stdout
        in_kernel = len(json.loads(kernel or "[]")) if kernel.strip().startswith("[") else 0
        f.add(
            f"{dev}: zebra {zebra or 'answers'}; BGP received {received} prefixes on Established "
            f"sessions; zebra holds {installed} BGP routes, the kernel {in_kernel}",
            state=zebra is None and received > 0 and installed == 0 and in_kernel == 0,
        )
        removed = daemon_log_lines(lab, dev, "zebra", "bgp routes removed from the rib")
        f.add(removed[-1].strip() if removed else f"{dev} zebra log: no route removal on shutdown")
        f.mesh(mesh_symptoms(store, window, pairs_through_device(self.topology, dev)), loss=True)
        return Verification(confirmed=f.state and bool(removed), evidence=f.lines)
