"""The campaign file (``scenarios/campaign.yaml``): which faults, where, how many per scale.

A campaign is a list of fault entries, each with one or more *variants* (a target selector,
parameters and a difficulty). At a scale with ``n`` cases per fault the generator takes ``n``
variants in turn, starting at an offset that differs per scale, so every scale exercises a
different mix of leaves and spines, uplinks and downlinks and misconfiguration kinds.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..scenario import Timing

__all__ = ["Campaign", "FaultEntry", "ScaleCounts", "TargetSelector", "Variant"]

_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,40}")
_HINT = re.compile(r"[a-z0-9][a-z0-9-]{0,30}")

#: interface selectors: ``uplink`` leaf->spine; ``downlink`` spine->leaf or leaf->host;
#: ``fabric`` any leaf-spine interface; ``host`` a leaf's host-facing port; ``any`` every interface
InterfaceSelector = Literal["uplink", "downlink", "fabric", "host", "any"]
#: prefix selectors: a host subnet behind the target leaf, or behind another leaf; or one remote
#: host's address as a /32
PrefixSelector = Literal["own_host_subnet", "remote_host_subnet", "remote_host_address"]


class TargetSelector(BaseModel):
    """Where a variant may point its fault; the generator picks concrete targets from the topology."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["leaf", "spine", "switch"]
    interface: InterfaceSelector | None = None
    prefix: PrefixSelector | None = None


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: TargetSelector
    #: fault parameters; a string value starting with ``$`` is resolved against the chosen target
    #: (see ``campaign._targets.RESOLVERS``)
    params: dict[str, Any] = Field(default_factory=dict)
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    #: a short slug put into the scenario id after the fault type (e.g. ``remote-as``)
    hint: str = ""
    name: str = ""

    @field_validator("hint")
    @classmethod
    def _hint(cls, v: str) -> str:
        if v and not _HINT.fullmatch(v):
            raise ValueError(f"hint {v!r} must be a short lowercase slug")
        return v


class FaultEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    tags: list[str] = Field(default_factory=list)
    variants: list[Variant] = Field(min_length=1)
    #: per-scale override of ``ScaleCounts.per_fault`` for this fault
    counts: dict[str, int] = Field(default_factory=dict)


class ScaleCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_fault: int = Field(ge=1)
    healthy: int = Field(ge=0)


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    seed: int
    description: str = ""
    min_healthy_share: float = Field(default=0.15, ge=0.0, lt=1.0)
    traffic: Literal["light", "standard", "stress"] = "standard"
    #: one timing for every case, healthy or not, so the schedule gives nothing away
    timing: Timing | None = None
    healthy_difficulty: Literal["easy", "medium", "hard"] = "easy"
    scales: dict[str, ScaleCounts]
    faults: list[FaultEntry] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        if not _VERSION.fullmatch(v):
            raise ValueError(f"version {v!r} must be short: letters, digits, '.' and '-' (e.g. 2026.11-1)")
        return v

    @field_validator("scales")
    @classmethod
    def _scales(cls, v: dict[str, ScaleCounts]) -> dict[str, ScaleCounts]:
        from ..topology import normalize_scale

        return {normalize_scale(k): counts for k, counts in v.items()}

    @model_validator(mode="after")
    def _unique_faults(self) -> Campaign:
        seen: set[str] = set()
        for entry in self.faults:
            if entry.type in seen:
                raise ValueError(f"fault {entry.type!r} is listed twice; give it more variants instead")
            seen.add(entry.type)
        return self

    def count(self, entry: FaultEntry, scale: str) -> int:
        return entry.counts.get(scale, self.scales[scale].per_fault)
