"""``LinkCheckAgent``: the first agent of docs/agents.md ("Write your own agent"), as a module a
checkout can run: ``pytest scenarios/generated/xs --netopsbench-agent=agents.link_check:LinkCheckAgent``.
tests/agents/test_docs_guide.py keeps the class identical to the guide's.
"""

from __future__ import annotations

from typing import Any

from pytest_netopsbench import DiagnosisResult


class LinkCheckAgent:
    name = "link-check"

    def diagnose(self, context: Any) -> DiagnosisResult:
        anomalies = context.symptoms.anomalies
        bgp = context.tools.call("get_all_bgp_status", {})
        bgp_down = [s["device"] for s in bgp.get("switches", []) if s.get("down")]
        if not anomalies and not bgp_down:
            return DiagnosisResult(
                verdict="network_healthy",
                confidence=0.7,
                reasoning="no ping-mesh anomaly and every BGP session is up",
            )
        suspects = list(bgp_down)
        if anomalies:
            suspects += [anomalies[0].src_leaf, anomalies[0].dst_leaf]
        suspects += [d.name for d in context.topology.spines]
        for device in dict.fromkeys(suspects):
            answer = context.tools.call("get_device_interfaces", {"device": device})
            if "error" in answer:
                continue  # a refused or failed tool call is data, not an exception
            for port in answer["interfaces"]:
                if port["neighbor"] and "down" in (port["admin_state"], port["oper_state"]):
                    state = f"{port['admin_state']}/{port['oper_state']}"
                    return DiagnosisResult(
                        verdict="fault_detected",
                        fault_type="link_down",
                        device=device,
                        interface=port["name"],
                        confidence=0.8,
                        evidence=[
                            f"BGP down on {', '.join(bgp_down) or 'no switch'}",
                            f"{device} {port['name']} is {state}",
                        ],
                        reasoning=f"{device}:{port['name']} is down",
                    )
        return DiagnosisResult(
            verdict="inconclusive",
            confidence=0.1,
            reasoning="something is wrong but no port on the suspects is down",
        )
