"""What a fault is: a registered class that injects a real failure, proves it from evidence,
clears it, and states its ground truth."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..diagnosis import GroundTruth, Location
from ._visibility import Channel

if TYPE_CHECKING:
    from ..evidence import EvidenceStore, Window
    from ..runtime import Lab
    from ..topology import Topology

__all__ = [
    "Fault",
    "FaultTarget",
    "GroundTruth",
    "Location",
    "NoParams",
    "TargetError",
    "TargetKind",
    "Verification",
]


class TargetKind(StrEnum):
    DEVICE = "device"  # {device}
    INTERFACE = "interface"  # {device, interface}
    LINK = "link"  # {device, interface}: either end of a link; both ends are ground truth
    PREFIX = "prefix"  # {device, prefix}


class FaultTarget(BaseModel):
    """Where a scenario points a fault (the ``fault.target`` mapping of a scenario file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    device: str
    interface: str | None = None
    prefix: str | None = None


class TargetError(ValueError):
    """A target or parameter that does not fit the topology; ``field`` is the scenario field to fix
    (e.g. ``fault.target.interface``)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_interface(topology: Topology, device: str, interface: str, field: str) -> None:
    """TargetError at ``field`` unless ``device`` has ``interface`` (the message lists its ports)."""
    names = [i.name for i in topology.device(device).interfaces]
    if interface not in names:
        raise TargetError(f"{device} has no interface {interface!r} (it has {', '.join(names)})", field=field)


class Verification(BaseModel):
    """Whether the symptom is really there, and the evidence that says so."""

    confirmed: bool
    evidence: list[str] = Field(default_factory=list)


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Fault(ABC):
    """Base class for faults. Subclasses set the class attributes and implement the four steps.

    A fault instance is bound to one topology, target and parameter set; ``inject`` and ``clear``
    act on a lab of that topology. ``verify`` must decide from collected evidence (the ping mesh,
    kernel and FRR state), never from the fault's own bookkeeping.
    """

    name: ClassVar[str]
    category: ClassVar[str]
    targets: ClassVar[tuple[TargetKind, ...]]
    aliases: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type[BaseModel]] = NoParams
    #: host capabilities (see ``faults.capabilities``) that at least one implementation path needs
    requires: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    #: the visibility contract (``_visibility.py``): channels this fault may change, and those whose
    #: change on the fault's device (or the far end of its link) names the culprit
    visible: ClassVar[frozenset[Channel]] = frozenset()
    localizing: ClassVar[frozenset[Channel]] = frozenset()
    #: inject and clear are quick, idempotent and repeatable, so a scenario's ``schedule`` may toggle
    #: the fault on and off (an intermittent fault); the episode refuses a schedule otherwise
    intermittent_ok: ClassVar[bool] = False

    def __init__(self, topology: Topology, target: FaultTarget, params: BaseModel | None = None) -> None:
        self.topology = topology
        self.target = target
        self.params = params if params is not None else self.Params()

    @classmethod
    def check_target(cls, topology: Topology, target: FaultTarget) -> None:
        """Raise ValueError naming the target field when this fault cannot apply there."""
        return None

    @classmethod
    def check_params(cls, topology: Topology, target: FaultTarget, params: BaseModel) -> None:
        """Raise TargetError when parameters do not fit this target (e.g. a peer the device lacks)."""
        return None

    @classmethod
    def unsupported_reason(cls) -> str | None:
        """Why this host cannot run the fault (missing ``requires`` capabilities), or None.
        Scenario runners skip with this reason."""
        from ._caps import missing

        lacking = missing(cls.requires)
        return f"{cls.name} needs {', '.join(lacking)}, which this host lacks" if lacking else None

    @abstractmethod
    def inject(self, lab: Lab) -> None: ...

    @abstractmethod
    def verify(self, lab: Lab, store: EvidenceStore | None, window: Window | None) -> Verification:
        """Whether the fault shows in the network. ``store``/``window`` are None where no collector
        runs (the fault CLI, benchmarks, unit tests): decide from device state and own probes."""

    @abstractmethod
    def clear(self, lab: Lab) -> None: ...

    @abstractmethod
    def ground_truth(self) -> GroundTruth: ...
