"""Scenario file format v1 (public, documented in docs/scenarios.md)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "FORMAT_VERSION",
    "MAX_FAULTS",
    "RESERVED_TAGS",
    "FaultSpec",
    "HerringSpec",
    "Scenario",
    "Schedule",
    "Timing",
    "TopologySpec",
]

FORMAT_VERSION = 1
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,118}[a-z0-9]")
#: pytest's own markers: a tag named like one would change the outcome (``xfail`` turns a wrong
#: diagnosis into XFAIL and hides it from the exit code, ``skip`` skips the case).
RESERVED_TAGS = frozenset({"skip", "skipif", "xfail", "usefixtures", "parametrize", "filterwarnings"})
#: the most simultaneous faults of a compound case (``faults:``)
MAX_FAULTS = 3


class TopologySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scale: str = "xs"

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str) -> str:
        from ..topology import normalize_scale

        return normalize_scale(v)


class Schedule(BaseModel):
    """An intermittent fault: active ``on_s``, inactive ``off_s``, repeating from injection until
    the episode clears it (the agent's time included)."""

    model_config = ConfigDict(extra="forbid")
    on_s: float = Field(ge=1.0, le=60.0, description="seconds the fault is active per cycle")
    off_s: float = Field(ge=1.0, le=60.0, description="seconds the fault is inactive per cycle")


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    target: dict[str, Any]
    params: dict[str, Any] = Field(default_factory=dict)
    schedule: Schedule | None = Field(
        default=None, description="makes the fault intermittent (only faults with intermittent_ok)"
    )


class HerringSpec(BaseModel):
    """A red herring: a benign event after the baseline, over before the agent starts, never
    part of the ground truth (kinds in ``faults/herrings.py``)."""

    model_config = ConfigDict(extra="forbid")
    type: str
    target: dict[str, Any]
    params: dict[str, Any] = Field(default_factory=dict)


def _target_key(target: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(target.get(k) or "") for k in ("device", "interface", "prefix"))


class Timing(BaseModel):
    """Episode windows in seconds. Defaults are chosen in docs/timing.md."""

    model_config = ConfigDict(extra="forbid")
    baseline_s: float = Field(default=8.0, ge=1.0, le=600.0)
    observe_s: float = Field(default=8.0, ge=1.0, le=600.0)
    settle_s: float = Field(default=1.0, ge=0.0, le=120.0, description="pause after inject before observing")
    verify_timeout_s: float = Field(default=20.0, ge=1.0, le=600.0)
    recover_timeout_s: float = Field(default=60.0, ge=1.0, le=900.0)
    handoff_s: float = Field(
        default=2.0,
        ge=0.0,
        le=60.0,
        description="minimum delay between the end of the observation window and the agent's start, "
        "the same for healthy and fault cases, so verification time cannot tell them apart",
    )


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario_id: str
    name: str
    description: str = ""
    format_version: int = FORMAT_VERSION
    topology: TopologySpec = Field(default_factory=TopologySpec)
    traffic: Literal["light", "standard", "stress"] = "standard"
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = Field(default_factory=list)
    fault: FaultSpec | None = None
    faults: list[FaultSpec] | None = Field(
        default=None, description="a compound case: 2-3 simultaneous faults (instead of `fault`)"
    )
    red_herrings: list[HerringSpec] = Field(default_factory=list, max_length=3)
    timing: Timing = Field(default_factory=Timing)
    campaign: str | None = Field(default=None, description="campaign version that generated this file")
    tier: str = Field(
        default="standard",
        pattern=r"^[a-z][a-z0-9]{0,15}$",
        description="campaign tier (standard, hard, ...); becomes the marker tier_<tier>",
    )

    @field_validator("scenario_id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.fullmatch(v):
            raise ValueError(
                f"{v!r} is not a slug: use 2-120 lowercase letters, digits and '-' (it becomes the test id)"
            )
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        for tag in v:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tag):
                raise ValueError(f"tag {tag!r} must be an identifier (it becomes a pytest marker)")
            if tag in RESERVED_TAGS:
                raise ValueError(
                    f"tag {tag!r} is a pytest marker that would change the case's outcome; "
                    f"tags may not be any of {', '.join(sorted(RESERVED_TAGS))}"
                )
        return v

    @field_validator("faults")
    @classmethod
    def _faults(cls, v: list[FaultSpec] | None, info: ValidationInfo) -> list[FaultSpec] | None:
        if v is None:
            return v
        if info.data.get("fault") is not None:
            raise ValueError("use either `fault:` (one fault) or `faults:` (a compound case), not both")
        if not 2 <= len(v) <= MAX_FAULTS:
            raise ValueError(
                f"a compound case has 2 to {MAX_FAULTS} faults (got {len(v)}); one fault goes in `fault:`"
            )
        seen: dict[tuple[str, ...], int] = {}
        for index, spec in enumerate(v):
            key = _target_key(spec.target)
            if key in seen:
                raise ValueError(
                    f"faults.{index} has the same target as faults.{seen[key]} "
                    f"({':'.join(p for p in key if p)}); each fault of a compound case needs its own place"
                )
            seen[key] = index
        return v

    @field_validator("format_version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != FORMAT_VERSION:
            raise ValueError(f"format_version {v} is not supported (this version reads {FORMAT_VERSION})")
        return v

    @property
    def scale(self) -> str:
        return self.topology.scale

    @property
    def fault_specs(self) -> list[FaultSpec]:
        """Every fault of the case: [] healthy, [fault] single, the ``faults`` of a compound case."""
        if self.faults:
            return list(self.faults)
        return [self.fault] if self.fault is not None else []

    @property
    def healthy(self) -> bool:
        return not self.fault_specs

    @property
    def compound(self) -> bool:
        return len(self.fault_specs) > 1

    @property
    def intermittent(self) -> bool:
        return any(spec.schedule is not None for spec in self.fault_specs)
