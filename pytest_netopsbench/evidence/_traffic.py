"""Background traffic: paced iperf3 TCP flows between hosts on different leaves, so counters move and
congestion has something to congest. Rates stay modest: the whole lab shares two cores."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from typing import Literal

from ..runtime import Lab
from ..topology import Device

__all__ = ["PROFILES", "BackgroundTraffic", "TrafficProfile"]

TrafficProfile = Literal["none", "light", "standard", "stress"]


@dataclass(frozen=True)
class _Profile:
    flows_per_host: float  # flows as a fraction of the host count (at least one flow)
    max_flows: int  # every iperf3 process wakes up on its pacing timer: keep their number small
    total_mbps: int  # shared by all flows: forwarding costs CPU per packet, and a lab has two cores
    max_flow_mbps: int
    streams: int

    def flow_rate(self, flows: int) -> str:
        return f"{max(1, min(self.max_flow_mbps, self.total_mbps // max(1, flows)))}M"


PROFILES: dict[str, _Profile] = {
    "none": _Profile(0.0, 0, 0, 0, 0),
    "light": _Profile(0.25, 4, 40, 5, 1),
    "standard": _Profile(0.5, 8, 160, 20, 1),
    "stress": _Profile(1.0, 16, 400, 50, 2),
}

_PORT = 5201
_DURATION_S = "86400"


class BackgroundTraffic:
    def __init__(self, lab: Lab, profile: str = "standard") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown traffic profile {profile!r}; expected one of: {', '.join(PROFILES)}")
        self.lab, self.profile = lab, PROFILES[profile]
        self.name = profile
        self.flows = self._plan(lab.topology.hosts)
        self.rate = self.profile.flow_rate(len(self.flows))
        self._servers: dict[str, subprocess.Popen[bytes]] = {}
        self._clients: dict[tuple[str, str], subprocess.Popen[bytes]] = {}
        self.restarts = 0

    def _plan(self, hosts: list[Device]) -> list[tuple[Device, Device]]:
        if self.profile.streams == 0 or len(hosts) < 2:
            return []
        count = min(self.profile.max_flows, max(1, int(len(hosts) * self.profile.flows_per_host)))
        leaves = sorted({h.leaf for h in hosts if h.leaf})
        per_leaf = max(1, len(hosts) // max(1, len(leaves)))
        # spread senders over the leaves; each sends to the host one leaf over, crossing the spines
        step = max(1, len(hosts) // count)
        senders = [(k * step) % len(hosts) for k in range(count)]
        return [(hosts[k], hosts[(k + per_leaf) % len(hosts)]) for k in senders]

    def start(self) -> None:
        for _, dst in self.flows:
            if dst.name not in self._servers:
                self._servers[dst.name] = self.lab.spawn(
                    dst.name, ["iperf3", "-s", "-B", dst.host_ip, "-p", str(_PORT)]
                )
        # A client that connects before its server listens is refused and exits; it would only come
        # back at the next maintain() tick, leaving the first seconds of a baseline without traffic.
        self._wait_listening(timeout=3.0)
        self.maintain()

    def _wait_listening(self, timeout: float) -> None:
        pending = {dst.name for _, dst in self.flows}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                out = self.lab.exec(name, ["ss", "-Hltn", f"sport = :{_PORT}"], timeout=2.0).stdout
                if out.strip():
                    pending.discard(name)
            if pending:
                time.sleep(0.05)

    def maintain(self) -> None:
        """(Re)start client flows; a flow that died (its path broke long enough) comes back when it can."""
        for src, dst in self.flows:
            proc = self._clients.get((src.name, dst.name))
            if proc is not None and proc.poll() is None:
                continue
            if proc is not None:
                self.restarts += 1
            self._clients[(src.name, dst.name)] = self.lab.spawn(
                src.name,
                [
                    "iperf3",
                    "-c",
                    dst.host_ip,
                    "-B",
                    src.host_ip,
                    "-p",
                    str(_PORT),
                    "-b",
                    self.rate,
                    "-P",
                    str(self.profile.streams),
                    "-t",
                    _DURATION_S,
                    "-i",
                    "0",
                    "--connect-timeout",
                    "1000",
                    "--pacing-timer",
                    "10000",  # 10 ms pacing ticks: a tenth of the default wakeups
                ],
            )

    def running(self) -> int:
        return sum(1 for p in self._clients.values() if p.poll() is None)

    def stop(self) -> None:
        procs = [*self._clients.values(), *self._servers.values()]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=3)
        self._clients.clear()
        self._servers.clear()
