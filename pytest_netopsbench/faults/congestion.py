"""Congestion: offered load above a link's capacity. Every link has a capacity on the lab's hidden
wire from deploy (``runtime/netns/_wire.py``); the fault starts iperf3 traffic between hosts across
the link at a multiple of it (one TCP flow whose 5-tuple the leaf hashes onto this very link, so
its ECMP siblings stay uncongested), so the wire's queue fills and every flow sharing the link sees
latency and loss. Nothing appears on a device: no qdisc, no rule, only the load (rates near the
capacity on the port) and its consequences (a TX/RX gap between the ends, slow and lossy paths)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import signal
import subprocess
import time
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..errors import FaultError
from ..runtime import Lab
from ..topology import Role
from ._base import Verification
from ._common import LinkFault
from ._evidence import Findings, hosts_behind, hosts_near, mesh_symptoms, pairs_crossing
from ._ops import netns_of, run
from ._wire import port_counters, wire_of
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["Congestion"]

_PORT = 5211  # away from iperf3's default 5201, which background traffic may use


class CongestionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offered_factor: float = Field(
        default=2.0, ge=1.2, le=20.0, description="offered load as a multiple of the link's capacity"
    )


@register
class Congestion(LinkFault):
    name = "congestion"
    category = "congestion"
    aliases = ("link_congestion",)
    Params = CongestionParams
    requires: ClassVar[tuple[str, ...]] = ("tbf", "iperf3")
    description = (
        "iperf3 traffic between hosts offers more than the link's capacity: its queue fills, "
        "latency and drops on every flow through that link."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._procs: list[subprocess.Popen[bytes]] = []

    def _pair(self) -> tuple[str, str]:
        """Client and server: the client sits on the link's host side (the leaf's hosts for a
        fabric link, the host itself for an access link), so this link is the first one the load
        crosses whose capacity it exceeds (a load crossing an earlier bottleneck arrives thinned)."""
        topo = self.topology
        ends = [(self.device, self.interface), (self.port.peer_device, self.port.peer_interface)]
        host_side = next(((d, i) for d, i in ends if topo.device(d).role is Role.HOST), None)
        if host_side is None:
            host_side = next((d, i) for d, i in ends if topo.device(d).role is Role.LEAF)
        near = hosts_near(topo, *host_side) if topo.device(host_side[0]).is_switch else [host_side[0]]
        far = hosts_behind(topo, *host_side)
        far = [h for h in far if topo.device(h).leaf != topo.device(near[0]).leaf] if near else []
        if not near or not far:
            raise FaultError(f"no host pair sends traffic across {self.device}:{self.interface}")
        return near[0], far[0]

    def _leaf_side(self) -> tuple[str, str] | None:
        """The leaf end of a fabric link (where ECMP picks the uplink), None on an access link."""
        for dev, itf in ((self.device, self.interface), (self.port.peer_device, self.port.peer_interface)):
            if (
                self.topology.device(dev).role is Role.LEAF
                and self.topology.device(dev).interface(itf).kind == "uplink"
            ):
                return dev, itf
        return None

    def _source_port(self, lab: Lab, client: str, server: str) -> int | None:
        """A TCP source port whose flow the client's leaf hashes onto this link, so the load congests
        this link and not its ECMP siblings (the leaf's own answer, ``ip route get`` with the
        5-tuple). None when the link is an access link (one path)."""
        side = self._leaf_side()
        if side is None:
            return None
        leaf, uplink = side
        cdev, sdev = self.topology.device(client), self.topology.device(server)
        iif = next(i.name for i in self.topology.device(leaf).interfaces if i.peer_device == client)
        first = random.SystemRandom().randrange(20000, 30000)
        query = ["ip", "-j", "route", "get", str(sdev.host_ip), "from", str(cdev.host_ip), "iif", iif]
        for sport in range(first, first + 200):
            argv = [*query, "ipproto", "tcp", "sport", str(sport), "dport", str(_PORT)]
            res = run(lab, leaf, argv, check=False)
            rows = json.loads(res.stdout or "[]") if res.ok else []
            if rows and rows[0].get("dev") == uplink:
                return sport
        raise FaultError(f"no TCP source port hashes onto {leaf}:{uplink} in 200 tries")

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, CongestionParams)
        wire = wire_of(lab)
        capacity = wire.capacity(self.device, self.interface)
        if self._procs:
            return
        client, server = self._pair()
        sport = self._source_port(lab, client, server)
        self._procs.append(lab.spawn(server, ["iperf3", "-s", "-p", str(_PORT)]))
        dst = self.topology.device(server).host_ip
        rate = f"{math.ceil(capacity * p.offered_factor)}M"
        argv = ["iperf3", "-c", dst, "-p", str(_PORT), "-t", "86400", "-b", rate]
        argv += ["--cport", str(sport)] if sport is not None else []
        for _ in range(20):  # the server needs a moment to listen
            time.sleep(0.15)
            proc = lab.spawn(client, argv)
            time.sleep(0.35)
            if proc.poll() is None:
                self._procs.append(proc)
                return
        self.clear(lab)
        raise FaultError(f"iperf3 from {client} to {server}:{_PORT} did not start")

    def clear(self, lab: Lab) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=3)
        self._procs.clear()
        self._kill_strays(lab)

    def _kill_strays(self, lab: Lab) -> None:
        """iperf3 on our port inside the lab's hosts that this instance did not start (a fresh
        instance clearing another process's injection): found by namespace and pid, never by name."""
        for host in self.topology.hosts:
            try:
                ino = os.stat(f"/run/netns/{netns_of(lab, host.name)}").st_ino
            except OSError:
                continue
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if os.stat(f"/proc/{pid}/ns/net").st_ino != ino:
                        continue
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        argv = fh.read().split(b"\0")
                except OSError:
                    continue
                if argv[0].endswith(b"iperf3") and str(_PORT).encode() in argv:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGTERM)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        capacity = wire_of(lab).capacity(self.device, self.interface)
        ends = [(self.device, self.interface), (self.port.peer_device, self.port.peer_interface)]
        t0, c0 = time.monotonic(), [port_counters(lab, d, i)["tx"] for d, i in ends]
        time.sleep(1.0)
        t1, c1 = time.monotonic(), [port_counters(lab, d, i)["tx"] for d, i in ends]
        rates = [
            8 * (int(b.get("bytes", 0)) - int(a.get("bytes", 0))) / (t1 - t0) / 1e6
            for a, b in zip(c0, c1, strict=True)
        ]
        (dev, itf), mbit = max(zip(ends, rates, strict=True), key=lambda x: x[1])
        f.add(
            f"{dev}:{itf} sends {mbit:.0f} Mbit/s on a {capacity} Mbit/s link", state=mbit >= 0.8 * capacity
        )
        mesh = mesh_symptoms(
            store, window, pairs_crossing(self.topology, self.device, self.interface), slow_ms=5.0
        )
        if not f.mesh(mesh, loss=True, slow=True):
            probe = self.probe_link(lab, count=10, interval=0.05, wait=1.0)
            f.add(probe.describe(), data_plane=(probe.rtt_avg_ms or 0) >= 5.0 or probe.loss_pct > 0)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
