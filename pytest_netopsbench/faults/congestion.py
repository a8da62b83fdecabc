"""Congestion: a tbf rate limit on a port plus TCP traffic between hosts that saturates it, so
the queue fills and every flow sharing the link sees latency and loss.

The traffic is driven from the harness process (``_tcpload.py``: sockets in the hosts' namespaces,
no process), so no argv in ``/proc`` carries its addresses, rate or stream count."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..errors import FaultError
from ..runtime import Lab
from ._base import Verification
from ._common import LinkFault
from ._evidence import Findings, hosts_behind, hosts_near, mesh_symptoms, pairs_crossing
from ._ops import netns_of, run, signal_matching
from ._tcpload import TcpLoad
from ._visibility import REACH, channels
from ._visibility import Channel as C
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["Congestion"]

_PORT = 5211  # away from iperf3's default 5201, which background traffic uses
_OVERLIMITS = re.compile(r"dropped (\d+), overlimits (\d+)")


class CongestionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_mbit: float = Field(default=10.0, ge=1.0, le=10000.0, description="tbf rate on the port")
    streams: int = Field(default=8, ge=1, le=64, description="TCP streams (ECMP spreads them)")
    offered_factor: float = Field(
        default=1.0, gt=0.0, le=20.0, description="per-stream bitrate as a multiple of rate_mbit"
    )


@register
class Congestion(LinkFault):
    name = "congestion"
    visible = channels(REACH, C.PROCESSES)
    localizing = channels(C.INTERFACE_COUNTERS, C.PINGMESH_LATENCY)
    category = "congestion"
    aliases = ("link_congestion",)
    Params = CongestionParams
    requires: ClassVar[tuple[str, ...]] = ("tbf",)
    description = (
        "The port is rate-limited (tbf) and TCP traffic between hosts across it fills the "
        "queue: latency and drops on every flow through that link."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load: TcpLoad | None = None

    def _pair(self) -> tuple[str, str]:
        near = hosts_near(self.topology, self.device, self.interface)
        far = hosts_behind(self.topology, self.device, self.interface)
        if not near or not far:
            raise FaultError(f"no host pair sends traffic out of {self.device}:{self.interface}")
        return near[0], far[0]

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, CongestionParams)
        run(
            lab,
            self.device,
            [
                "tc",
                "qdisc",
                "replace",
                "dev",
                self.interface,
                "root",
                "tbf",
                "rate",
                f"{p.rate_mbit:g}mbit",
                "burst",
                "32kbit",
                "latency",
                "50ms",
            ],
        )
        if self._load is not None and self._load.running:
            return
        client, server = self._pair()
        dst = self.topology.device(server).host_ip or ""
        # every stream offers rate x factor (as iperf3's per-stream -b did): TCP fills the queue
        offered = p.streams * p.rate_mbit * p.offered_factor * 1e6 / 8
        self._load = TcpLoad(netns_of(lab, client), netns_of(lab, server), dst, _PORT, p.streams, offered)
        self._load.start()

    def clear(self, lab: Lab) -> None:
        load, self._load = self._load, None
        if load is not None:
            load.stop()
        self._kill_strays(lab)
        prune = getattr(lab, "prune_spawned", None)
        if callable(prune):  # spawn records (an older injection's iperf3) name hosts and commands
            prune()
        res = run(lab, self.device, ["tc", "qdisc", "show", "dev", self.interface], check=False)
        if " tbf " in f" {res.stdout} ":
            run(lab, self.device, ["tc", "qdisc", "del", "dev", self.interface, "root"])

    def _kill_strays(self, lab: Lab) -> None:
        """iperf3 on our port inside the lab's hosts that this instance did not start (a fresh
        instance clearing another process's injection): found by namespace and pid, never by name."""
        from ..runtime import pids_in_netns

        pids = pids_in_netns(netns_of(lab, host.name) for host in self.topology.hosts)
        port = str(_PORT).encode()
        signal_matching(lambda argv: argv[0].endswith(b"iperf3") and port in argv, pids)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        res = run(lab, self.device, ["tc", "-s", "qdisc", "show", "dev", self.interface], check=False)
        m = _OVERLIMITS.search(res.stdout) if " tbf " in f" {res.stdout} " else None
        dropped, over = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        f.add(f"{self.device}:{self.interface} tbf: dropped {dropped}, overlimits {over}", state=over > 0)
        mesh = mesh_symptoms(
            store, window, pairs_crossing(self.topology, self.device, self.interface), slow_ms=5.0
        )
        if not f.mesh(mesh, loss=True, slow=True):
            probe = self.probe_link(lab, count=10, interval=0.05, wait=1.0)
            f.add(probe.describe(), data_plane=(probe.rtt_avg_ms or 0) >= 5.0 or probe.loss_pct > 0)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
