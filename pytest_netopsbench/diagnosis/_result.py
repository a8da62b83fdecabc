"""What an agent returns: ``DiagnosisResult``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

__all__ = [
    "EVIDENCE_MAX_CHARS",
    "EVIDENCE_MAX_ITEMS",
    "NAME_MAX_CHARS",
    "REASONING_MAX_CHARS",
    "VERDICTS",
    "DiagnosisResult",
    "Finding",
    "Usage",
    "Verdict",
]

# An agent's text lands in every artifact of the run; bounded here, so a 10 MB reasoning costs
# 20 kB, whichever way the result was built.
REASONING_MAX_CHARS = 20_000
EVIDENCE_MAX_ITEMS = 100
EVIDENCE_MAX_CHARS = 2_000
NAME_MAX_CHARS = 256


def cap_text(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, marked with how much was cut."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}…[truncated {len(value) - limit} chars]"


Verdict = Literal["fault_detected", "network_healthy", "inconclusive"]
VERDICTS: tuple[str, ...] = ("fault_detected", "network_healthy", "inconclusive")


class Usage(BaseModel):
    """What the agent spent, when it reports it (LLM agents)."""

    model_config = ConfigDict(extra="forbid")
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    llm_calls: int = Field(default=0, ge=0)
    cost_usd: float | None = Field(default=None, ge=0)


class Finding(BaseModel):
    """One fault the agent found: its type and where it is. ``location: {device, interface}`` (the
    NetOpsBench shape) is accepted too."""

    model_config = ConfigDict(extra="ignore")
    fault_type: str | None = None
    device: str | None = None
    interface: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_location(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("location"), dict):
            data = dict(data)
            location = data.pop("location")
            data.setdefault("device", location.get("device"))
            data.setdefault("interface", location.get("interface"))
        return data

    @property
    def empty(self) -> bool:
        return not (self.fault_type or self.device or self.interface)


class DiagnosisResult(BaseModel):
    """An agent's answer. ``device``/``interface`` name where the fault is; for a healthy verdict
    leave them empty. A NetOpsBench-style result (``findings: {fault_type, location: {device,
    interface}, evidence}``) is accepted and normalised.

    ``findings`` lists every fault found (compound cases). The single fields are always the first
    finding: give either form and the other is filled in; when both are given and the single fields
    differ from the first finding, they are moved (or added) to the front of ``findings``."""

    model_config = ConfigDict(extra="ignore")
    verdict: Verdict
    fault_type: str | None = None
    device: str | None = None
    interface: str | None = None
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    reasoning: str = ""
    evidence: list[str] = Field(default_factory=list)
    usage: Usage | None = None
    findings: list[Finding] = Field(default_factory=list)

    @field_validator("reasoning")
    @classmethod
    def _cap_reasoning(cls, value: str) -> str:
        return cap_text(value, REASONING_MAX_CHARS)

    @field_validator("fault_type", "device", "interface")
    @classmethod
    def _cap_names(cls, value: str | None) -> str | None:
        return None if value is None else cap_text(value, NAME_MAX_CHARS)

    @field_validator("evidence")
    @classmethod
    def _cap_evidence(cls, value: list[str]) -> list[str]:
        items = [cap_text(item, EVIDENCE_MAX_CHARS) for item in value[:EVIDENCE_MAX_ITEMS]]
        if len(value) > EVIDENCE_MAX_ITEMS:
            items[-1] = f"…[{len(value) - EVIDENCE_MAX_ITEMS + 1} more items truncated]"
        return items

    @model_validator(mode="before")
    @classmethod
    def _accept_findings(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "findings" not in data:
            return data
        if isinstance(data["findings"], list):
            return data
        data = dict(data)
        findings = data.pop("findings") or {}
        if not isinstance(findings, dict):
            raise ValueError("findings must be a list of findings or a NetOpsBench findings mapping")
        location = findings.get("location") or {}
        data.setdefault("fault_type", findings.get("fault_type"))
        data.setdefault("device", location.get("device") or findings.get("device"))
        data.setdefault("interface", location.get("interface") or findings.get("interface"))
        if "evidence" in findings and "evidence" not in data:
            ev = findings["evidence"]
            data["evidence"] = [str(e) for e in ev] if isinstance(ev, list) else [str(ev)]
        meta = data.pop("metadata", None)
        if (
            isinstance(meta, dict)
            and "usage" not in data
            and any(k in meta for k in ("input_tokens", "output_tokens"))
        ):
            data["usage"] = {
                "input_tokens": int(meta.get("input_tokens") or 0),
                "output_tokens": int(meta.get("output_tokens") or 0),
                "llm_calls": int(meta.get("llm_call_count") or 0),
            }
        data.pop("agent_name", None)
        data.pop("success", None)
        return data

    @model_validator(mode="after")
    def _single_is_first_finding(self) -> DiagnosisResult:
        single = Finding(fault_type=self.fault_type, device=self.device, interface=self.interface)
        found = [f for f in self.findings if not f.empty]
        if single.empty:
            if found:
                self.fault_type, self.device, self.interface = (
                    found[0].fault_type,
                    found[0].device,
                    found[0].interface,
                )
        elif not found or found[0] != single:
            found = [single, *(f for f in found if f != single)]
        self.findings = found
        return self

    @model_serializer(mode="wrap")
    def _single_finding_stays_implicit(self, handler: SerializerFunctionWrapHandler) -> Any:
        # One finding is exactly the single fields: leave the list out so single-fault answers
        # serialise as they always did.
        data = handler(self)
        if isinstance(data, dict) and len(self.findings) <= 1:
            data.pop("findings", None)
        return data
