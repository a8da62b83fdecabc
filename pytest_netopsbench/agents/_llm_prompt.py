"""What the LLM agent is told: an operator's method and the answer format, never anything about
the case beyond what the context carries (no scenario names, fault labels or expected answers)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ANSWER_SCHEMA", "SYSTEM_PROMPT", "case_prompt", "compact_json"]

ANSWER_SCHEMA: dict[str, Any] = {
    "verdict": "fault_detected | network_healthy | inconclusive",
    "fault_type": "short snake_case name of the failure, or null when healthy",
    "device": "the device where the fault is, or null",
    "interface": "the interface on that device, or null when the fault is device-wide",
    "confidence": "0.0 - 1.0",
    "reasoning": "two or three sentences",
    "evidence": ["the tool observations that support the verdict"],
}

SYSTEM_PROMPT = f"""You are a network operator on call for a leaf-spine data-center fabric (BGP underlay,
hosts single-homed to leaves). A monitoring system probes every host pair continuously; you are
given its report for the observation window and read-only tools to inspect the devices.

Work like an experienced operator:
1. Read the ping-mesh report. Which host pairs are affected, how (loss, latency, large-packet
   failures, unreachability), and what do the affected paths have in common?
2. Narrow down with the fabric state: BGP sessions, routes and the forwarding table, interface
   state, counters and MTU, filters, logs. Compare a suspect with its healthy peers.
3. Confirm from two independent observations before you name a place. Name the device and
   interface where the cause is, not where the symptom shows. For a link, either end is right.
4. The network may be healthy: normal background noise is not a fault. Say network_healthy when
   the evidence shows no impairment, and inconclusive only when you truly cannot tell.

Use tools sparingly: you have a limited number of calls and a time budget. Do not guess device or
interface names; they are in the topology. Tools only read; nothing you call changes the network.

When you are done, reply with ONE JSON object and nothing else, with these keys:
{json.dumps(ANSWER_SCHEMA, indent=2)}
"""


def compact_json(value: Any, limit: int) -> str:
    """JSON for a prompt, cut at ``limit`` characters with a visible marker so the model knows."""
    text = json.dumps(value, default=str, separators=(",", ":"), sort_keys=True)
    if len(text) <= limit:
        return text
    return text[:limit] + f"...[truncated {len(text) - limit} chars; ask a tool for detail]"


def _dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value


def _topology_brief(topology: Any) -> Any:
    """Devices with role, ASN and interfaces (name, address, peer): enough to address tools
    without spending the prompt on every field."""
    data = _dump(topology)
    if not isinstance(data, dict) or "devices" not in data:
        return data
    devices = []
    for dev in data.get("devices", []):
        devices.append(
            {
                "name": dev.get("name"),
                "role": dev.get("role"),
                "asn": dev.get("asn"),
                "interfaces": [
                    f"{i.get('name')} {i.get('address')} -> {i.get('peer_device')}:{i.get('peer_interface')}"
                    for i in dev.get("interfaces", [])
                ],
            }
        )
    return {"scale": data.get("scale"), "devices": devices}


def case_prompt(
    context: Any,
    *,
    max_tool_calls: int,
    budget_s: float | None,
    limit: int,
    fault_types: list[str],
) -> str:
    """The first user message: the case as the harness hands it over, plus the benchmark's fault
    vocabulary (every type the catalogue knows, the same list for every case)."""
    window = _dump(getattr(context, "window", None))
    parts = [
        f"Case {getattr(context, 'case_id', '?')}.",
        f"Tool-call budget: {max_tool_calls} calls."
        + (f" Time budget: about {int(budget_s)} s." if budget_s else ""),
        "Observation window: " + compact_json(window, 2_000),
        "Topology: " + compact_json(_topology_brief(getattr(context, "topology", None)), limit // 2),
        "Monitoring report for the window: "
        + compact_json(_dump(getattr(context, "symptoms", None)), limit // 2),
        "Diagnose the fabric. Finish with the JSON object described in your instructions.",
    ]
    if fault_types:
        parts.insert(-1, "Name fault_type from this catalogue when one fits: " + ", ".join(fault_types) + ".")
    return "\n\n".join(parts)
