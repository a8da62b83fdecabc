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

from ..scenario import Schedule, Timing

__all__ = [
    "STANDARD_TIER",
    "Campaign",
    "CompoundEntry",
    "CompoundPart",
    "FaultEntry",
    "HerringSelector",
    "ScaleCounts",
    "TargetSelector",
    "Tier",
    "Variant",
]

#: the tier of a fault entry or scenario that names none; its files go to ``<out>/<scale>/``
STANDARD_TIER = "standard"

_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,40}")
_HINT = re.compile(r"[a-z0-9][a-z0-9-]{0,30}")
_TIER = re.compile(r"[a-z][a-z0-9]{0,15}")

#: interface selectors: ``uplink`` leaf->spine; ``downlink`` spine->leaf or leaf->host;
#: ``fabric`` any leaf-spine interface; ``host`` a leaf's host-facing port; ``any`` every interface
InterfaceSelector = Literal["uplink", "downlink", "fabric", "host", "any"]
#: prefix selectors: a host subnet behind the target leaf, or behind another leaf; or one remote
#: host's address as a /32
PrefixSelector = Literal["own_host_subnet", "remote_host_subnet", "remote_host_address"]


class TargetSelector(BaseModel):
    """Where a variant may point its fault; the generator picks concrete targets from the topology."""

    model_config = ConfigDict(extra="forbid")
    #: ``host`` targets an end host (its own IP configuration); ``switch`` is a leaf or a spine
    role: Literal["leaf", "spine", "switch", "host"]
    interface: InterfaceSelector | None = None
    prefix: PrefixSelector | None = None


class HerringSelector(BaseModel):
    """A benign event put into a case (a kind of ``faults.herrings``); the generator places it
    where no fault of the case is: not on a faulty device, not on a link touching one."""

    model_config = ConfigDict(extra="forbid")
    type: str
    target: TargetSelector
    params: dict[str, Any] = Field(default_factory=dict)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: TargetSelector
    #: makes the case intermittent: the fault is on ``on_s``, off ``off_s``, repeating
    schedule: Schedule | None = None
    #: benign events in the same case
    herrings: list[HerringSelector] = Field(default_factory=list)
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
    #: which tier's files the fault's cases go to (a key of ``Campaign.tiers``, or ``standard``)
    tier: str = STANDARD_TIER


class CompoundPart(BaseModel):
    """One fault of a compound case."""

    model_config = ConfigDict(extra="forbid")
    type: str
    target: TargetSelector
    params: dict[str, Any] = Field(default_factory=dict)


class CompoundEntry(BaseModel):
    """Cases with two or three simultaneous faults, each on a different device; the scenario id
    reads ``<scale>[-<tier>]-compound-<hint>-<devices>``."""

    model_config = ConfigDict(extra="forbid")
    hint: str
    parts: list[CompoundPart] = Field(min_length=2, max_length=3)
    tags: list[str] = Field(default_factory=list)
    difficulty: Literal["easy", "medium", "hard"] = "hard"
    counts: dict[str, int] = Field(default_factory=dict)
    tier: str = STANDARD_TIER

    @field_validator("hint")
    @classmethod
    def _hint(cls, v: str) -> str:
        if not _HINT.fullmatch(v):
            raise ValueError(f"hint {v!r} must be a short lowercase slug")
        return v


class ScaleCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_fault: int = Field(ge=1)
    healthy: int = Field(ge=0)


def _scale_keys(v: dict[str, ScaleCounts]) -> dict[str, ScaleCounts]:
    from ..topology import normalize_scale

    return {normalize_scale(k): counts for k, counts in v.items()}


class Tier(BaseModel):
    """A tier other than ``standard``: its own counts per scale; its files go to ``<out>/<name>/<scale>/``
    and its scenario ids read ``<scale>-<name>-...``, so they never clash with the standard tier's."""

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    scales: dict[str, ScaleCounts]
    #: benign events for the tier's healthy cases: healthy case ``i`` gets entry ``i`` (cycling);
    #: an empty entry is a plain healthy case
    healthy_herrings: list[list[HerringSelector]] = Field(default_factory=list)

    @field_validator("scales")
    @classmethod
    def _scales(cls, v: dict[str, ScaleCounts]) -> dict[str, ScaleCounts]:
        return _scale_keys(v)


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
    #: the standard tier's counts per scale
    scales: dict[str, ScaleCounts]
    #: further tiers by name (an identifier-like slug; ``standard`` is implicit)
    tiers: dict[str, Tier] = Field(default_factory=dict)
    faults: list[FaultEntry] = Field(min_length=1)
    #: cases with several simultaneous faults
    compounds: list[CompoundEntry] = Field(default_factory=list)

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        if not _VERSION.fullmatch(v):
            raise ValueError(f"version {v!r} must be short: letters, digits, '.' and '-' (e.g. 2026.11-1)")
        return v

    @field_validator("scales")
    @classmethod
    def _scales(cls, v: dict[str, ScaleCounts]) -> dict[str, ScaleCounts]:
        return _scale_keys(v)

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, Tier]) -> dict[str, Tier]:
        for name in v:
            if name == STANDARD_TIER or not _TIER.fullmatch(name):
                raise ValueError(
                    f"tier {name!r} must be a short lowercase word other than {STANDARD_TIER!r} "
                    "(the standard tier's counts are the top-level `scales`)"
                )
        return v

    @model_validator(mode="after")
    def _unique_faults(self) -> Campaign:
        seen: set[tuple[str, str]] = set()
        for entry in self.faults:
            if (entry.type, entry.tier) in seen:
                raise ValueError(
                    f"fault {entry.type!r} is listed twice in tier {entry.tier!r}; "
                    "give it more variants instead"
                )
            seen.add((entry.type, entry.tier))
            self._check_tier(f"fault {entry.type!r}", entry.tier)
        hints: set[tuple[str, str]] = set()
        for compound in self.compounds:
            if (compound.hint, compound.tier) in hints:
                raise ValueError(f"compound {compound.hint!r} is listed twice in tier {compound.tier!r}")
            hints.add((compound.hint, compound.tier))
            self._check_tier(f"compound {compound.hint!r}", compound.tier)
        return self

    def _check_tier(self, what: str, tier: str) -> None:
        if tier != STANDARD_TIER and tier not in self.tiers:
            raise ValueError(
                f"{what} is in tier {tier!r}, which `tiers` does not define "
                f"(tiers: {', '.join([STANDARD_TIER, *self.tiers])})"
            )

    @property
    def tier_names(self) -> list[str]:
        return [STANDARD_TIER, *self.tiers]

    def tier_scales(self, tier: str) -> dict[str, ScaleCounts]:
        return self.scales if tier == STANDARD_TIER else self.tiers[tier].scales

    def tier_faults(self, tier: str) -> list[FaultEntry]:
        return [e for e in self.faults if e.tier == tier]

    def tier_compounds(self, tier: str) -> list[CompoundEntry]:
        return [e for e in self.compounds if e.tier == tier]

    def healthy_herrings(self, tier: str) -> list[list[HerringSelector]]:
        return [] if tier == STANDARD_TIER else self.tiers[tier].healthy_herrings

    def count(self, entry: FaultEntry | CompoundEntry, scale: str) -> int:
        return entry.counts.get(scale, self.tier_scales(entry.tier)[scale].per_fault)
