"""Capacity degradation: a fabric link renegotiated to a fraction of its speed.

Realised on the lab's hidden wire: the capacity of both directions (the tbf rate of both wire ports,
``Wire.set_capacity``) drops to ``speed_pct`` of what deploy gave the link. A link carries little
in a lab's background traffic, so the fault also gives the link its ordinary load: TCP flows at
``load_pct`` of the deploy capacity, well within what the healthy link carries, hashed onto this
link by the leaf's own ECMP answer (the congestion fault's flows, at a normal rate). At the degraded
speed that load queues and drops on the link: slow, lossy paths through it, a TX/RX gap between
the ends, and a port that runs at a fraction of the rate its siblings could.

A real port would also show its new speed (``ethtool``: 10G -> 1G). The toolkit shows no port speed
(and a veth's speed is fixed), so the agent cannot read it: the fault is found from its effects,
and the visibility contract declares only those.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..runtime import Lab
from ..topology import Topology
from ._base import FaultTarget, TargetError, Verification
from ._evidence import Findings, mesh_symptoms, pairs_crossing
from ._visibility import REACH, channels
from ._visibility import Channel as C
from ._wire import port_counters, wire_of
from .congestion import Congestion
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["CapacityDegradation"]

_QUEUED_MS = 25.0


class CapacityParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speed_pct: float = Field(
        default=10.0, ge=1.0, le=50.0, description="the renegotiated speed, percent of the deploy capacity"
    )
    load_pct: float = Field(
        default=40.0,
        ge=10.0,
        le=80.0,
        description="the link's ordinary load, percent of the deploy capacity (the healthy link carries it)",
    )


@register
class CapacityDegradation(Congestion):
    name = "capacity_degradation"
    category = "link"
    aliases: ClassVar[tuple[str, ...]] = ("speed_downgrade", "link_degraded", "capacity_loss")
    visible = channels(REACH)  # the load is driven from the harness: no process in the lab
    localizing = channels(C.INTERFACE_COUNTERS, C.PINGMESH_LATENCY)
    Params: ClassVar[type[BaseModel]] = CapacityParams
    requires: ClassVar[tuple[str, ...]] = ("tbf",)
    description = (
        "The link renegotiated to a fraction of its speed (both directions): its ordinary load, "
        "well within the healthy capacity, now queues and drops there."
    )

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        super().check_target(topology, target)
        assert target.interface is not None
        if topology.link_of(target.device, target.interface).kind != "fabric":
            raise TargetError(
                f"{target.device}:{target.interface} is an access port; capacity_degradation targets "
                "a leaf-spine link",
                field="fault.target.interface",
            )

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        assert isinstance(params, CapacityParams)
        if params.load_pct <= 1.5 * params.speed_pct:
            raise TargetError(
                f"load_pct {params.load_pct:g} does not exceed the degraded speed ({params.speed_pct:g} %) "
                "enough to queue: nothing would show",
                field="fault.params.load_pct",
            )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._degraded = False

    def _deploy_mbit(self, lab: Lab) -> tuple[float, float]:
        wire = wire_of(lab)
        peer = (self.port.peer_device, self.port.peer_interface)
        return wire.capacity(self.device, self.interface), wire.capacity(*peer)

    def inject(self, lab: Lab) -> None:
        p = self.params
        assert isinstance(p, CapacityParams)
        if any(load.running for load in self._loads):
            return
        wire = wire_of(lab)
        mine, theirs = self._deploy_mbit(lab)
        wire.set_capacity(self.device, self.interface, mine * p.speed_pct / 100)
        wire.set_capacity(self.port.peer_device, self.port.peer_interface, theirs * p.speed_pct / 100)
        self._degraded = True
        self._start_loads(lab, self._flows(lab, wire.capacity_mbit, p.load_pct / 100))

    def clear(self, lab: Lab) -> None:
        super().clear(lab)  # stops the load (it lives in the injecting process)
        wire = wire_of(lab)
        # the deploy capacity back on both directions; a fresh instance (another process) does the same
        wire.set_capacity(self.device, self.interface, None)
        wire.set_capacity(self.port.peer_device, self.port.peer_interface, None)
        self._degraded = False

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        p = self.params
        assert isinstance(p, CapacityParams)
        f = Findings()
        wire = wire_of(lab)
        ends = [(self.device, self.interface), (self.port.peer_device, self.port.peer_interface)]
        t0, c0 = time.monotonic(), [port_counters(lab, d, i)["tx"] for d, i in ends]
        time.sleep(1.5)
        t1, c1 = time.monotonic(), [port_counters(lab, d, i)["tx"] for d, i in ends]
        mbps = [
            8 * (int(b.get("bytes", 0)) - int(a.get("bytes", 0))) / (t1 - t0) / 1e6
            for a, b in zip(c0, c1, strict=True)
        ]
        (dev, itf), rate = max(zip(ends, mbps, strict=True), key=lambda x: x[1])
        full = wire.capacity(dev, itf)
        # the link carries traffic, yet at a fraction of what the healthy link would give it
        f.add(
            f"{dev}:{itf} sends {rate:.1f} Mbit/s ({100 * rate / full:.0f} % of the link's "
            f"{full} Mbit/s deploy capacity) under a load of {p.load_pct:g} %",
            state=0.3 * full * p.speed_pct / 100 <= rate <= 0.5 * full * p.load_pct / 100,
        )
        # a full queue at a few Mbit/s holds tens of ms (a busy healthy lab: a few ms of noise)
        mesh = mesh_symptoms(
            store, window, pairs_crossing(self.topology, self.device, self.interface), slow_ms=_QUEUED_MS
        )
        if not f.mesh(mesh, slow=True):
            probe = self.probe_link(lab, count=10, interval=0.05, wait=1.0)
            f.add(probe.describe(), data_plane=(probe.rtt_avg_ms or 0) >= _QUEUED_MS or probe.loss_pct >= 20)
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)
