"""Impairments on a link's egress: packet loss, packet corruption, high latency (with jitter).

On a lab with a hidden wire (the netns backend) they live there (``_wire.py``): the devices' rules,
qdiscs and processes stay those of a healthy lab. Without one the mechanism is picked per host on
the device port (see ``_impair.py``): netem if the kernel has it, else nftables or the NFQUEUE
shaper; ``backend`` forces one there.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..runtime import Lab
from ._base import Verification
from ._common import LinkFault
from ._evidence import Findings, mesh_symptoms, pairs_crossing
from ._impair import Backend, Impairment, ImpairSpec
from ._ops import run, snmp_counters
from ._visibility import REACH, channels
from ._visibility import Channel as C
from ._wire import WireImpairment, has_wire, port_counters, wire_drops, wire_of
from .registry import register

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window

__all__ = ["HighLatency", "PacketCorruption", "PacketLoss"]


class _ImpairmentFault(LinkFault):
    category = "impairment"
    # a wire rule (or the shaper, started in well under a second) added and removed
    intermittent_ok = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._impairment: Impairment | None = None

    def spec(self) -> ImpairSpec:
        raise NotImplementedError

    def inject(self, lab: Lab) -> None:
        if self._impairment is not None:
            return
        imp: Impairment
        backend: Backend = getattr(self.params, "backend", "auto")
        if has_wire(lab):
            imp = WireImpairment(wire_of(lab), self.device, self.interface, self.spec(), backend)
        else:
            imp = Impairment(self.device, self.interface, self.spec(), backend)
        imp.install(lab)
        self._impairment = imp

    def clear(self, lab: Lab) -> None:
        imp = self._impairment
        if imp is None and has_wire(lab):  # a fresh instance (another process)
            for b in ("nft", "nfqueue"):
                WireImpairment(wire_of(lab), self.device, self.interface, self.spec(), b).remove(lab)
            return
        if imp is None:  # a fresh instance (another process) clears whatever any backend left
            leftovers: tuple[Backend, ...] = ("nft", "nfqueue")
            for b in leftovers:
                try:
                    Impairment(self.device, self.interface, self.spec(), b).remove(lab)
                except Exception:
                    continue
            return
        imp.remove(lab)
        self._impairment = None

    def link_counters(self, lab: Lab, before: tuple[int, int]) -> tuple[str, int]:
        """TX of the target end against RX of the peer end since ``before`` (what the two ports
        count), and the gap between them."""
        tx = int(port_counters(lab, self.device, self.interface)["tx"].get("packets", 0)) - before[0]
        rx = int(port_counters(lab, self.port.peer_device, self.port.peer_interface)["rx"].get("packets", 0))
        rx -= before[1]
        line = (
            f"{self.device}:{self.interface} sent {tx} packets, "
            f"{self.port.peer_device}:{self.port.peer_interface} received {rx}"
        )
        return line, tx - rx

    def counters_now(self, lab: Lab) -> tuple[int, int]:
        tx = int(port_counters(lab, self.device, self.interface)["tx"].get("packets", 0))
        rx = int(port_counters(lab, self.port.peer_device, self.port.peer_interface)["rx"].get("packets", 0))
        return tx, rx

    def rule_counters(self, lab: Lab) -> str:
        """Where the impairment acts: the wire's drop counter, else the device's qdisc stats, nft or
        iptables rule counters."""
        if has_wire(lab) and self._impairment is not None and self._impairment.backend != "nft":
            return f"{self._impairment.describe()}: the NFQUEUE shaper holds the link's frames"
        if has_wire(lab):
            drops = wire_drops(wire_of(lab), self.device, self.interface, "loss")
            return f"wire of {self.device}:{self.interface}: {drops} packets dropped by the loss rule"
        res = run(lab, self.device, ["tc", "-s", "qdisc", "show", "dev", self.interface], check=False)
        if "netem" in res.stdout:
            return " ".join(res.stdout.split())[:200]
        res = run(lab, self.device, ["nft", "-j", "list", "ruleset"], check=False)
        for item in json.loads(res.stdout or "{}").get("nftables") or []:
            rule = item.get("rule")
            if rule and rule.get("chain") == f"egress_{self.interface}":
                for e in rule.get("expr", []):
                    if "counter" in e:
                        return (
                            f"nft {rule['family']} {rule['table']} {rule['chain']}: "
                            f"{e['counter']['packets']} packets"
                        )
        res = run(
            lab, self.device, ["iptables", "-t", "mangle", "-L", "POSTROUTING", "-v", "-n", "-x"], check=False
        )
        for line in res.stdout.splitlines():
            if "NFQUEUE" in line and self.interface in line:
                return "iptables mangle POSTROUTING: " + " ".join(line.split())
        return "no impairment rule or qdisc found on the port"


class LossParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    loss_pct: float = Field(
        default=30.0,
        ge=10.0,
        le=100.0,
        description="percent of packets dropped (>= 10: less is lost in probe noise)",
    )
    backend: Backend = Field(default="auto", description="auto | netem | nft | nfqueue")


@register
class PacketLoss(_ImpairmentFault):
    name = "packet_loss"
    visible = channels(REACH)
    localizing = channels(C.INTERFACE_COUNTERS, C.PINGMESH_LOSS)
    requires = ("loss",)  # netem, nftables or nfqueue
    Params = LossParams
    description = (
        "Random loss of a share of the packets crossing the link, both ways on the wire (the port's "
        "egress without one)."
    )

    def spec(self) -> ImpairSpec:
        assert isinstance(self.params, LossParams)
        return ImpairSpec(loss_pct=self.params.loss_pct)

    def _reverse(self, lab: Lab, backend: Backend) -> WireImpairment:
        peer = self.port
        return WireImpairment(wire_of(lab), peer.peer_device, peer.peer_interface, self.spec(), backend)

    def inject(self, lab: Lab) -> None:
        # On the wire a lossy link loses both ways (a damaged cable or connector); one direction
        # alone is ``unidirectional_loss``. The device-port fallback keeps the target's egress.
        fresh = self._impairment is None
        super().inject(lab)
        if fresh and has_wire(lab):
            self._reverse(lab, getattr(self.params, "backend", "auto")).install(lab)

    def clear(self, lab: Lab) -> None:
        super().clear(lab)
        if has_wire(lab):
            for b in ("nft", "nfqueue"):
                self._reverse(lab, b).remove(lab)

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        pairs = pairs_crossing(self.topology, self.device, self.interface)
        # The mesh is supporting evidence only: on a starved 2-core host a short window can lose a
        # few probes on a healthy path. The deciding sighting is 100 probes pinned to this link.
        f.mesh(mesh_symptoms(store, window, pairs), loss=True)
        before = self.counters_now(lab)
        probe = self.probe_link(lab, count=100, interval=0.005, wait=0.3)
        link_loss = probe.sent - probe.received >= 3
        f.add(probe.describe(), state=link_loss)
        f.add(self.link_counters(lab, before)[0])
        f.add(self.rule_counters(lab))
        return Verification(confirmed=link_loss, evidence=f.lines)


class CorruptionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    corruption_pct: float = Field(
        default=25.0, gt=0.0, le=100.0, description="percent of packets with a bit flipped"
    )
    backend: Backend = Field(default="auto", description="auto | netem | nft | nfqueue")


_CSUM = re.compile(r"\.InCsumErrors$")


@register
class PacketCorruption(_ImpairmentFault):
    name = "packet_corruption"
    visible = channels(REACH, C.INTERFACE_ERRORS)
    localizing = channels(C.INTERFACE_ERRORS, C.PINGMESH_LOSS)
    requires = ("corruption",)  # netem or nfqueue
    Params = CorruptionParams
    description = (
        "A share of the packets leaving the port get a flipped bit; receivers drop them on "
        "checksum, which shows in their InCsumErrors counters, not in interface errors."
    )

    def spec(self) -> ImpairSpec:
        assert isinstance(self.params, CorruptionParams)
        return ImpairSpec(corrupt_pct=self.params.corruption_pct)

    def _csum_errors(self, lab: Lab) -> int:
        counters = snmp_counters(lab, self.port.peer_device)
        return sum(v for k, v in counters.items() if _CSUM.search(k))

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        f = Findings()
        before = self._csum_errors(lab)
        probe = self.probe_link(lab, count=100, interval=0.005, wait=0.3)
        delta = self._csum_errors(lab) - before
        f.add(f"{self.port.peer_device} checksum errors +{delta} during 100 probes", state=delta > 0)
        f.add(probe.describe(), data_plane=probe.sent - probe.received >= 3)
        f.mesh(
            mesh_symptoms(store, window, pairs_crossing(self.topology, self.device, self.interface)),
            loss=True,
        )
        f.add(self.rule_counters(lab))
        return Verification(confirmed=f.state and f.data_plane, evidence=f.lines)


class LatencyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    latency_ms: float = Field(default=120.0, gt=0.0, le=5000.0, description="added one-way delay")
    jitter_ms: float = Field(default=0.0, ge=0.0, le=1000.0, description="uniform +/- around latency_ms")
    backend: Backend = Field(default="auto", description="auto | netem | nft | nfqueue")


@register
class HighLatency(_ImpairmentFault):
    name = "high_latency"
    visible = channels(REACH)
    localizing = channels(C.PINGMESH_LATENCY)
    requires = ("impairments",)  # netem or nfqueue
    aliases = ("high_delay",)
    Params = LatencyParams
    description = (
        "Round trips across the link take latency_ms (+/- jitter_ms) longer: half of it each way on "
        "the wire, all of it on the port's egress without one."
    )

    def spec(self) -> ImpairSpec:
        assert isinstance(self.params, LatencyParams)
        return ImpairSpec(delay_ms=self.params.latency_ms, jitter_ms=self.params.jitter_ms)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._back: WireImpairment | None = None

    def _halves(self, lab: Lab) -> tuple[WireImpairment, WireImpairment]:
        """Half the delay on each direction of the wire: the same round trip as the whole delay on
        one, yet slow both ways (one direction alone is ``asymmetric_latency``)."""
        p = self.params
        assert isinstance(p, LatencyParams)
        half = ImpairSpec(delay_ms=p.latency_ms / 2, jitter_ms=p.jitter_ms / 2)
        wire, peer = wire_of(lab), self.port
        return (
            WireImpairment(wire, self.device, self.interface, half, p.backend),
            WireImpairment(wire, peer.peer_device, peer.peer_interface, half, p.backend),
        )

    def inject(self, lab: Lab) -> None:
        if not has_wire(lab):  # the device port's egress carries the whole delay
            super().inject(lab)
            return
        if self._impairment is not None:
            return
        there, back = self._halves(lab)
        there.install(lab)
        self._impairment = there
        try:
            back.install(lab)
        except Exception:
            self.clear(lab)
            raise
        self._back = back

    def clear(self, lab: Lab) -> None:
        back = self._back
        super().clear(lab)
        if has_wire(lab):
            # a fresh instance (another process) finds the far end's shaper by its mark
            (back or self._halves(lab)[1]).remove(lab)
            self._back = None

    @classmethod
    def check_params(cls, topology: Any, target: Any, params: BaseModel) -> None:
        from ._base import TargetError

        assert isinstance(params, LatencyParams)
        if params.jitter_ms > params.latency_ms:
            raise TargetError(
                f"jitter_ms {params.jitter_ms:g} exceeds latency_ms {params.latency_ms:g}",
                field="fault.params.jitter_ms",
            )

    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        assert isinstance(self.params, LatencyParams)
        f = Findings()
        threshold = 0.6 * self.params.latency_ms
        mesh = mesh_symptoms(
            store, window, pairs_crossing(self.topology, self.device, self.interface), slow_ms=threshold
        )
        if not f.mesh(mesh, slow=True):
            probe = self.probe_link(
                lab, count=5, interval=0.05, wait=2 + (self.params.latency_ms + self.params.jitter_ms) / 1000
            )
            f.add(probe.describe(), data_plane=(probe.rtt_avg_ms or 0) >= threshold)
        f.add(self.rule_counters(lab))
        return Verification(confirmed=f.data_plane, evidence=f.lines)
