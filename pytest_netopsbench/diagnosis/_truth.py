"""What a correct answer names: ``GroundTruth`` (with its equivalent ``Location``s).

It sits beside ``DiagnosisResult`` because scoring compares exactly these two; faults produce it
(``Fault.ground_truth()``) and records carry it, so it belongs to neither."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["GroundTruth", "Location"]


class Location(BaseModel):
    model_config = ConfigDict(frozen=True)
    device: str
    interface: str | None = None


class GroundTruth(BaseModel):
    """What a correct diagnosis names. ``equivalent`` lists other places that are the same fault
    (for a link fault, the other end of the link)."""

    model_config = ConfigDict(frozen=True)
    fault_type: str
    device: str
    interface: str | None = None
    equivalent: tuple[Location, ...] = ()
