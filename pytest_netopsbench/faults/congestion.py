"""Congestion: offered load above a link's capacity. Every link has a capacity on the lab's hidden
wire from deploy (``runtime/netns/_wire.py``); the fault starts TCP traffic between hosts across
the link at a multiple of it (TCP flows whose 5-tuples the leaf hashes onto this very link, so
its ECMP siblings stay uncongested), so the wire's queue fills and every flow sharing the link sees
latency and loss. Nothing appears on a device: no qdisc, no rule, only the load (rates near the
capacity on the port) and its consequences (a TX/RX gap between the ends, slow and lossy paths).

The traffic is driven from the harness process (``_tcpload.py``: sockets in the hosts' namespaces,
no process), so no argv in ``/proc`` carries its addresses, ports or rates."""

from __future__ import annotations

import json
import random
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
from ._tcpload import TcpLoad
from ._visibility import REACH, channels
from ._visibility import Channel as C
from ._wire import port_counters, wire_of
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["Congestion"]

_PORT = 5211  # away from iperf3's default 5201, which background traffic uses


class CongestionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offered_factor: float = Field(
        default=2.0, ge=1.2, le=20.0, description="offered load as a multiple of the link's capacity"
    )


@register
class Congestion(LinkFault):
    name = "congestion"
    visible = channels(REACH)  # the load is driven from the harness: no process in the lab
    localizing = channels(C.INTERFACE_COUNTERS, C.PINGMESH_LATENCY)
    category = "congestion"
    aliases: ClassVar[tuple[str, ...]] = ("link_congestion",)
    Params: ClassVar[type[BaseModel]] = CongestionParams
    requires: ClassVar[tuple[str, ...]] = ("tbf",)
    description = (
        "TCP traffic between hosts offers more than the link's capacity: its queue fills, "
        "latency and drops on every flow through that link."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loads: list[TcpLoad] = []

    def _flows(
        self, lab: Lab, capacity: float, factor: float, base_port: int = _PORT
    ) -> list[tuple[str, str, int, int, float]]:
        """The load as (client, server, server port, client source port, Mbit/s) flows, to server
        ports from ``base_port`` on (the ports are part of the hash).

        A fabric link: flows from a host behind the link's leaf end, each source port chosen so the
        leaf's ECMP hash puts it on this link (its siblings stay clear), together ``factor`` x the
        capacity. An access link (leaf -> host): one flow per spine from a far host, each hashed onto
        a different uplink of the far leaf at 95 % of an uplink's capacity, so no fabric link queues
        and they meet, above the access link's downstream capacity, on this link."""
        topo = self.topology
        ends = [(self.device, self.interface), (self.port.peer_device, self.port.peer_interface)]
        leaf_end = next(
            (
                (d, i)
                for d, i in ends
                if topo.device(d).role is Role.LEAF and topo.device(d).interface(i).kind == "uplink"
            ),
            None,
        )
        wire = wire_of(lab)
        if leaf_end is not None:
            leaf, uplink = leaf_end
            clients = hosts_near(topo, leaf, uplink)
            servers = hosts_behind(topo, leaf, uplink)
            if not clients or not servers:
                raise FaultError(f"no host pair sends traffic across {self.device}:{self.interface}")
            n = 4
            sports = self._sports(lab, leaf, clients[0], servers[0], {uplink}, n, base_port)
            return [
                (clients[0], servers[0], base_port + k, sports[k], capacity * factor / n) for k in range(n)
            ]
        host = next(d for d, _ in ends if topo.device(d).role is Role.HOST)
        far = [h for h in hosts_behind(topo, host, "eth1") if topo.device(h).leaf != topo.device(host).leaf]
        if not far:
            raise FaultError(f"no host on another leaf sends traffic to {host}")
        far_leaf = topo.device(topo.device(far[0]).leaf or "")
        uplinks = [i.name for i in far_leaf.interfaces if i.kind == "uplink"]
        sports = self._sports(lab, far_leaf.name, far[0], host, set(uplinks), len(uplinks), base_port)
        per_flow = 0.95 * wire.capacity(far_leaf.name, uplinks[0])
        return [(far[0], host, base_port + k, sports[k], per_flow) for k in range(len(uplinks))]

    def _sports(
        self, lab: Lab, leaf: str, client: str, server: str, want: set[str], n: int, base_port: int
    ) -> list[int]:
        """``n`` TCP source ports whose flows (client -> server port base_port + k) the leaf hashes onto
        the uplinks in ``want``: one per uplink when several, else all onto the one (the leaf's own
        answer, ``ip route get`` with the 5-tuple)."""
        topo = self.topology
        src, dst = str(topo.device(client).host_ip), str(topo.device(server).host_ip)
        iif = next(i.name for i in topo.device(leaf).interfaces if i.peer_device == client)
        query = ["ip", "-j", "route", "get", dst, "from", src, "iif", iif, "ipproto", "tcp"]
        out: list[int] = []
        used: set[str] = set()
        sport = random.SystemRandom().randrange(20000, 30000)
        for _ in range(400):
            if len(out) == n:
                return out
            sport += 1
            argv = [*query, "sport", str(sport), "dport", str(base_port + len(out))]
            res = run(lab, leaf, argv, check=False)
            rows = json.loads(res.stdout or "[]") if res.ok else []
            dev = str(rows[0].get("dev")) if rows else ""
            if dev in want and (len(want) == 1 or dev not in used):
                out.append(sport)
                used.add(dev)
        raise FaultError(f"no TCP source ports hash onto {leaf}:{','.join(sorted(want))}")

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, CongestionParams)
        if any(load.running for load in self._loads):
            return
        capacity = wire_of(lab).capacity(self.device, self.interface)
        self._start_loads(lab, self._flows(lab, capacity, p.offered_factor))

    def _start_loads(self, lab: Lab, flows: list[tuple[str, str, int, int, float]]) -> None:
        """One TCP stream per (client, server, port, source port, Mbit/s), from this process."""
        topo = self.topology
        for client, server, port, sport, mbit in flows:
            load = TcpLoad(
                netns_of(lab, client),
                netns_of(lab, server),
                str(topo.device(server).host_ip),
                port,
                1,
                mbit * 1e6 / 8,
                src=(str(topo.device(client).host_ip), sport),
            )
            try:
                load.start()
            except Exception:
                self.clear(lab)
                raise
            self._loads.append(load)

    def clear(self, lab: Lab) -> None:
        # the load lives in the injecting process: clearing there stops it, and it ends with that
        # process whatever happens (no process, no rule, nothing left in the lab)
        for load in self._loads:
            load.stop()
        self._loads.clear()

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        wire = wire_of(lab)
        ends = [(self.device, self.interface), (self.port.peer_device, self.port.peer_interface)]
        t0, c0 = time.monotonic(), [port_counters(lab, d, i)["tx"] for d, i in ends]
        time.sleep(1.0)
        t1, c1 = time.monotonic(), [port_counters(lab, d, i)["tx"] for d, i in ends]
        load = [
            8 * (int(b.get("bytes", 0)) - int(a.get("bytes", 0))) / (t1 - t0) / 1e6 / wire.capacity(*end)
            for a, b, end in zip(c0, c1, ends, strict=True)
        ]
        (dev, itf), share = max(zip(ends, load, strict=True), key=lambda x: x[1])
        f.add(
            f"{dev}:{itf} sends at {100 * share:.0f} % of its {wire.capacity(dev, itf)} Mbit/s capacity",
            state=share >= 0.8,
        )
        mesh = mesh_symptoms(
            store, window, pairs_crossing(self.topology, self.device, self.interface), slow_ms=5.0
        )
        if not f.mesh(mesh, loss=True, slow=True):
            probe = self.probe_link(lab, count=10, interval=0.05, wait=1.0)
            f.add(probe.describe(), data_plane=(probe.rtt_avg_ms or 0) >= 5.0 or probe.loss_pct > 0)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
