"""``FaultInfo``: one registered fault described for people and tools (``netopsbench fault list``,
``bench.faults.list()``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ._base import Fault

__all__ = ["FaultInfo", "ParamInfo", "describe_fault", "describe_faults"]


class ParamInfo(BaseModel):
    name: str
    type: str
    default: Any = None
    required: bool = False
    description: str = ""


class FaultInfo(BaseModel):
    name: str
    category: str
    targets: list[str]
    aliases: list[str]
    requires: list[str]
    supported_here: bool
    unsupported_reason: str | None = None
    description: str
    params: list[ParamInfo]
    source: str
    #: a scenario may give it a ``schedule`` (docs/scenarios.md, intermittent faults)
    intermittent_ok: bool = False


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    return text or str(annotation).replace("typing.", "")


def describe_fault(cls: type[Fault]) -> FaultInfo:
    params = [
        ParamInfo(
            name=name,
            type=_type_name(field.annotation),
            default=None if field.is_required() else field.get_default(call_default_factory=True),
            required=field.is_required(),
            description=field.description or "",
        )
        for name, field in cls.Params.model_fields.items()
    ]
    reason = cls.unsupported_reason()
    return FaultInfo(
        name=cls.name,
        category=cls.category,
        targets=[str(t) for t in cls.targets],
        aliases=list(cls.aliases),
        requires=list(cls.requires),
        supported_here=reason is None,
        unsupported_reason=reason,
        description=cls.description,
        params=params,
        source=f"{cls.__module__}:{cls.__qualname__}",
        intermittent_ok=cls.intermittent_ok,
    )


def describe_faults() -> list[FaultInfo]:
    from .registry import all_faults

    return [describe_fault(cls) for cls in all_faults()]
