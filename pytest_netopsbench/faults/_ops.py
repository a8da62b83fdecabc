"""Small typed wrappers over the commands faults run inside lab devices (ip, nft, vtysh, ping).

Every failure raises FaultError naming the device and the command, because a fault that did not
apply must never be charged to the agent.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..errors import FaultError, LabError
from ..runtime import CommandResult, Lab

__all__ = [
    "PingResult",
    "bgp_peer_states",
    "daemon_log_lines",
    "frr_config_lines",
    "kernel_routes",
    "link_info",
    "netns_of",
    "nft_apply",
    "nft_delete_table",
    "ping",
    "run",
    "signal_matching",
    "snmp_counters",
    "stop_processes",
    "vtysh_config",
    "vtysh_json",
    "wait_for",
]


def netns_of(lab: Lab, device: str) -> str:
    """The network namespace of ``device`` (backends without ``ns()`` follow the ``<lab>-<device>`` rule)."""
    ns = getattr(lab, "ns", None)
    return str(ns(device)) if callable(ns) else f"{lab.name}-{device}"


def run(
    lab: Lab,
    device: str,
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 10.0,
    input: str | None = None,
) -> CommandResult:
    try:
        res = lab.exec(device, list(argv), timeout=timeout, input=input)
    except LabError as exc:
        raise FaultError(f"{device}: `{' '.join(argv)}` could not run: {exc}") from exc
    if check and not res.ok:
        raise FaultError(
            f"{device}: `{' '.join(argv)}` exited {res.returncode}: "
            f"{(res.stderr or res.stdout).strip()[:300]}"
        )
    return res


def stop_processes(procs: Iterable[subprocess.Popen[Any]], *, grace: float = 3.0) -> None:
    """Stop helpers a fault started: SIGTERM every one still running, give each ``grace`` seconds,
    then SIGKILL it (a wedged iperf3 or shaper must not outlive its fault)."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace)


def signal_matching(match: Callable[[list[bytes]], bool], pids: Iterable[int] | None = None) -> int:
    """SIGTERM each process (of ``pids``, default every one) whose argv ``match`` accepts: helpers
    another process started, found by their exact arguments and signalled by pid, never by name."""
    candidates = pids if pids is not None else (int(p) for p in os.listdir("/proc") if p.isdigit())
    count = 0
    for pid in candidates:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if match(argv):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                count += 1
    return count


def vtysh_config(lab: Lab, device: str, lines: Sequence[str]) -> None:
    """Apply configuration lines (``configure terminal`` is added); any ``%`` error line fails."""
    try:
        out = lab.vtysh(device, ["configure terminal", *lines])
    except LabError as exc:
        raise FaultError(f"{device}: FRR refused {list(lines)}: {exc}") from exc
    errors = [ln for ln in out.splitlines() if ln.strip().startswith("%")]
    if errors:
        raise FaultError(f"{device}: FRR refused {list(lines)}: {errors[0].strip()}")


def vtysh_json(lab: Lab, device: str, command: str) -> Any:
    try:
        out = lab.vtysh(device, [command])
    except LabError as exc:
        raise FaultError(f"{device}: `{command}` failed: {exc}") from exc
    try:
        return json.loads(out or "{}")
    except json.JSONDecodeError:
        raise FaultError(f"{device}: `{command}` did not return JSON: {out[:200]!r}") from None


def frr_config_lines(lab: Lab, device: str) -> list[str]:
    try:
        return lab.vtysh(device, ["show running-config"]).splitlines()
    except LabError as exc:
        raise FaultError(f"{device}: cannot read running-config: {exc}") from exc


def bgp_peer_states(lab: Lab, device: str) -> dict[str, str]:
    """peer address -> BGP state ('Established', 'Active', 'Idle (Admin)', ...); {} when bgpd is down."""
    try:
        data = json.loads(lab.vtysh(device, ["show bgp ipv4 unicast summary json"]) or "{}")
    except (LabError, json.JSONDecodeError):
        return {}
    peers = data.get("peers", {}) if isinstance(data, dict) else {}
    out: dict[str, str] = {}
    for addr, info in peers.items():
        state = str(info.get("state", "?"))
        if info.get("peerState") in ("Admin", "PfxCt", "Policy") and info["peerState"] not in state:
            state = f"{state} ({info['peerState']})"
        out[addr] = state
    return out


def _log_time(line: str) -> float | None:
    try:
        return datetime.strptime(line[:19], "%Y/%m/%d %H:%M:%S").timestamp()
    except ValueError:
        return None


def daemon_log_lines(
    lab: Lab, device: str, daemon: str, needle: str, since: float | None = None
) -> list[str]:
    """Lines of a daemon's log containing ``needle`` (logged at or after ``since``), as an operator
    would grep them."""
    path = lab.logs(device).get(daemon)
    if path is None:
        return []
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    lines = [ln for ln in text.splitlines() if needle in ln]
    if since is None:
        return lines
    # log timestamps have whole seconds here; a second of slack keeps the line that opened the window
    return [ln for ln in lines if (_log_time(ln) or 0.0) >= since - 1.0]


def link_info(lab: Lab, device: str, interface: str) -> dict[str, Any]:
    res = run(lab, device, ["ip", "-j", "-s", "link", "show", "dev", interface])
    data = json.loads(res.stdout or "[]")
    if not data:
        raise FaultError(f"{device}: no interface {interface}")
    return dict(data[0])


def kernel_routes(lab: Lab, device: str, prefix: str) -> list[dict[str, Any]]:
    res = run(lab, device, ["ip", "-j", "route", "show", "exact", prefix], check=False)
    try:
        return list(json.loads(res.stdout or "[]"))
    except json.JSONDecodeError:
        return []


def nft_apply(lab: Lab, device: str, ruleset: str) -> None:
    run(lab, device, ["nft", "-f", "-"], input=ruleset)


def nft_delete_table(lab: Lab, device: str, family: str, table: str) -> None:
    """Remove a table if present (idempotent)."""
    res = run(lab, device, ["nft", "list", "table", family, table], check=False)
    if res.ok:
        run(lab, device, ["nft", "delete", "table", family, table])


def snmp_counters(lab: Lab, device: str) -> dict[str, int]:
    """``/proc/net/snmp`` of the device's namespace as {'Icmp.InCsumErrors': n, ...}."""
    res = run(lab, device, ["cat", "/proc/net/snmp"], check=False)
    out: dict[str, int] = {}
    lines = res.stdout.splitlines()
    for head, vals in zip(lines[::2], lines[1::2], strict=False):
        proto, names = head.split(":", 1)
        for name, val in zip(names.split(), vals.split(":", 1)[1].split(), strict=False):
            if val.lstrip("-").isdigit():
                out[f"{proto}.{name}"] = int(val)
    return out


class PingResult(BaseModel):
    source: str
    target: str
    sent: int
    received: int
    loss_pct: float
    rtt_avg_ms: float | None = None
    rtt_max_ms: float | None = None

    def describe(self) -> str:
        rtt = f", rtt avg {self.rtt_avg_ms:.1f} ms max {self.rtt_max_ms:.1f} ms" if self.rtt_avg_ms else ""
        return (
            f"ping {self.source} -> {self.target}: {self.received}/{self.sent} replies "
            f"({self.loss_pct:.0f}% loss{rtt})"
        )


_SUMMARY = re.compile(r"xmt/rcv/%loss = (\d+)/(\d+)/")
_RTT = re.compile(r"min/avg/max = [\d.]+/([\d.]+)/([\d.]+)")


def ping(
    lab: Lab,
    device: str,
    target: str,
    *,
    count: int = 20,
    interval: float = 0.02,
    size: int = 56,
    df: bool = False,
    interface: str | None = None,
    source: str | None = None,
    wait: float = 1.0,
) -> PingResult:
    """fping from inside ``device``. ``interface`` pins the egress port (only sound toward a directly
    connected address: with ECMP the kernel may pick a next hop on another port); ``source`` picks
    the source address (a loopback, so replies from far hosts find their way back)."""
    ipaddress.ip_address(target)
    argv = [
        "fping",
        "-q",
        "-c",
        str(count),
        "-p",
        str(max(1, round(interval * 1000))),
        "-t",
        str(max(50, round(wait * 1000))),
        "-b",
        str(size),
    ]
    if df:
        argv.append("-M")
    if interface:
        argv += ["-I", interface]
    if source:
        argv += ["-S", source]
    res = run(lab, device, [*argv, target], check=False, timeout=count * interval + wait + 10)
    text = res.stdout + res.stderr
    m = _SUMMARY.search(text)
    sent, recv = (int(m.group(1)), int(m.group(2))) if m else (count, 0)
    rtt = _RTT.search(text)
    where = device + (f" via {interface}" if interface else "") + (f" from {source}" if source else "")
    return PingResult(
        source=where,
        target=target,
        sent=sent,
        received=recv,
        loss_pct=100.0 * (sent - recv) / sent if sent else 100.0,
        rtt_avg_ms=float(rtt.group(1)) if rtt else None,
        rtt_max_ms=float(rtt.group(2)) if rtt else None,
    )


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)
