"""Shared bases: faults on one link end (ground truth includes the other end) and faults on a switch."""

from __future__ import annotations

from typing import ClassVar

from ..runtime import Lab
from ..topology import Interface, Topology
from ._base import Fault, FaultTarget, GroundTruth, Location, TargetError, TargetKind
from ._ops import PingResult, ping

__all__ = ["LinkFault", "SwitchFault"]


def _require_switch(topology: Topology, target: FaultTarget) -> None:
    if not topology.device(target.device).is_switch:
        raise TargetError(
            f"{target.device} is a host; this fault targets switches (spines, leaves)",
            field="fault.target.device",
        )


class SwitchFault(Fault):
    """A fault located on a whole switch (or a prefix on it)."""

    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.DEVICE,)

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        _require_switch(topology, target)

    def ground_truth(self) -> GroundTruth:
        return GroundTruth(fault_type=self.name, device=self.target.device)


class LinkFault(Fault):
    """A fault on ``{device, interface}``; either end of that link counts as the right place."""

    targets: ClassVar[tuple[TargetKind, ...]] = (TargetKind.LINK,)

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        _require_switch(topology, target)
        if target.interface is None:
            raise TargetError("this fault needs `interface`", field="fault.target.interface")

    @property
    def device(self) -> str:
        return self.target.device

    @property
    def interface(self) -> str:
        assert self.target.interface is not None  # check_target guarantees it
        return self.target.interface

    @property
    def port(self) -> Interface:
        return self.topology.device(self.device).interface(self.interface)

    @property
    def peer(self) -> Interface:
        """The peer's end of the link (device ``self.port.peer_device``)."""
        return self.topology.device(self.port.peer_device).interface(self.port.peer_interface)

    def ground_truth(self) -> GroundTruth:
        peer = self.topology.peer_of(self.device, self.interface)
        return GroundTruth(
            fault_type=self.name,
            device=self.device,
            interface=self.interface,
            equivalent=(Location(device=peer.device, interface=peer.interface),),
        )

    def probe_link(
        self,
        lab: Lab,
        *,
        count: int = 50,
        interval: float = 0.01,
        size: int = 56,
        df: bool = False,
        from_peer: bool = False,
        wait: float = 1.0,
    ) -> PingResult:
        """Ping across this one link from its target end (or from the peer end), pinned to the port."""
        if from_peer:
            return ping(
                lab,
                self.port.peer_device,
                self.port.ip,
                count=count,
                interval=interval,
                size=size,
                df=df,
                interface=self.port.peer_interface,
                wait=wait,
            )
        return ping(
            lab,
            self.device,
            self.peer.ip,
            count=count,
            interval=interval,
            size=size,
            df=df,
            interface=self.interface,
            wait=wait,
        )
