"""What a correct answer names: ``GroundTruth`` (with its equivalent ``Location``s).

It sits beside ``DiagnosisResult`` because scoring compares exactly these two; faults produce it
(``Fault.ground_truth()``) and records carry it, so it belongs to neither."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

__all__ = ["GroundTruth", "Location"]


class Location(BaseModel):
    model_config = ConfigDict(frozen=True)
    device: str
    interface: str | None = None


class GroundTruth(BaseModel):
    """What a correct diagnosis names. ``equivalent`` lists other places that are the same fault
    (for a link fault, the other end of the link).

    A compound case (several simultaneous faults) is one ``GroundTruth`` whose own fields are the
    first fault and whose ``also`` holds the others; ``faults()`` lists them all. A single fault
    leaves ``also`` empty and serialises exactly as before (the key is left out)."""

    model_config = ConfigDict(frozen=True)
    fault_type: str
    device: str
    interface: str | None = None
    equivalent: tuple[Location, ...] = ()
    also: tuple[GroundTruth, ...] = ()

    @classmethod
    def compound(cls, truths: Sequence[GroundTruth]) -> GroundTruth:
        """One ground truth for several simultaneous faults (the first leads)."""
        if not truths:
            raise ValueError("a compound ground truth needs at least one fault")
        flat = [f for t in truths for f in t.faults()]
        return flat[0].model_copy(update={"also": tuple(flat[1:])})

    def faults(self) -> tuple[GroundTruth, ...]:
        """Every fault of the case, each without ``also``."""
        return (self.model_copy(update={"also": ()}), *(f for a in self.also for f in a.faults()))

    @property
    def is_compound(self) -> bool:
        return bool(self.also)

    @model_serializer(mode="wrap")
    def _drop_empty_also(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("also"):
            data.pop("also", None)
        return data
