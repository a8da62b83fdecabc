"""``McpExampleAgent``: works a case only through the case's MCP server (``context.mcp.url``), with
the official ``mcp`` SDK client, the way an external MCP-capable agent would. No Python Toolkit.

Strategy (deterministic, a few calls): read the ping-mesh hotspots; if nothing is impaired and
every BGP session is up, the network is healthy. Otherwise: a switch with every session down is
down; else check the interfaces of the switches with sessions down and of those on the worst leaf
pair's paths (a port that is down, or an MTU below 1500); else name the switch with most sessions
down. It is an example of the plumbing, not a strong troubleshooter: see the reference agent
(``pytest_netopsbench.agents.reference``, ``--netopsbench-agent=reference``).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pytest_netopsbench.diagnosis import DiagnosisResult

__all__ = ["McpExampleAgent", "McpToolError"]


# A busy fabric drops the odd probe and has millisecond tails; these bounds separate that noise
# from a fault on the xs-m fabrics (faults lose >= 2% or add >= 20 ms).
_LOSS_PCT, _DF_LOSS_PCT, _RTT_P99_MS = 1.0, 1.0, 15.0


def _impaired(row: dict[str, Any]) -> bool:
    return bool(
        row.get("pairs_unreachable")
        or (row.get("loss_pct") or 0.0) >= _LOSS_PCT
        or (row.get("df_loss_pct") or 0.0) >= _DF_LOSS_PCT
        or (row.get("rtt_p99_ms") or 0.0) >= _RTT_P99_MS
    )


class McpToolError(RuntimeError):
    """A tool call the strategy depends on failed."""


class _Tools:
    """Call MCP tools and decode their JSON text answers."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    async def __call__(self, name: str, **arguments: Any) -> dict[str, Any]:
        self.calls += 1
        result = await self.client.call_tool(name, arguments)
        text = "".join(getattr(part, "text", "") for part in result.content)
        if result.is_error:
            raise McpToolError(f"MCP tool {name}({arguments}) failed: {text}")
        data = result.structured_content if result.structured_content else json.loads(text or "{}")
        if not isinstance(data, dict):
            raise McpToolError(f"MCP tool {name} returned {type(data).__name__}, expected an object")
        return data


class McpExampleAgent:
    name = "mcp-example"

    def __init__(self, *, read_timeout_s: float = 30.0) -> None:
        self.read_timeout_s = read_timeout_s

    async def diagnose(self, context: Any) -> DiagnosisResult:
        from mcp import Client

        url = context.mcp.url
        if not url:
            raise RuntimeError("this case has no MCP URL (context.mcp.url); the harness must serve one")
        async with Client(url, read_timeout_seconds=self.read_timeout_s) as client:
            listed = await client.list_tools()
            available = {t.name for t in listed.tools}
            missing = {"get_pingmesh_hotspots", "get_all_bgp_status", "get_device_interfaces"} - available
            if missing:
                raise RuntimeError(f"the MCP server lacks tools {sorted(missing)}")
            return await self._work(_Tools(client), context)

    async def _work(self, tool: _Tools, context: Any) -> DiagnosisResult:
        hot = await tool("get_pingmesh_hotspots", limit=10)
        bgp = await tool("get_all_bgp_status")
        impaired = sum(1 for row in hot.get("leaf_pairs", []) if _impaired(row))
        sessions_down = int(bgp.get("sessions_down", 0))
        evidence = [f"ping mesh: {impaired} impaired leaf pair(s)", f"BGP: {sessions_down} session(s) down"]
        if impaired == 0 and not sessions_down:
            return DiagnosisResult(
                verdict="network_healthy",
                confidence=0.8,
                evidence=evidence,
                reasoning="no impaired leaf pair in the window and every BGP session is up",
            )
        switches = bgp.get("switches", [])
        dead = [
            s["device"]
            for s in switches
            if s.get("error") or (s.get("configured") and not s.get("established"))
        ]
        if dead:
            return DiagnosisResult(
                verdict="fault_detected",
                fault_type="device_down",
                device=dead[0],
                confidence=0.7,
                evidence=[*evidence, f"{dead[0]}: no BGP session up"],
                reasoning=f"{dead[0]} has lost every BGP session",
            )
        # Switches with sessions down first: a dead fabric link often leaves no trace in the ping
        # mesh once ECMP has moved the traffic to the other spine.
        bgp_down = [s["device"] for s in switches if s.get("down")]
        suspects = list(dict.fromkeys([*bgp_down, *self._path_switches(hot, context)]))
        for device in suspects:
            data = await tool("get_device_interfaces", device=device)
            finding = self._bad_interface(data, context)
            if finding:
                itf, why, fault = finding
                return DiagnosisResult(
                    verdict="fault_detected",
                    fault_type=fault,
                    device=device,
                    interface=itf,
                    confidence=0.7,
                    evidence=[*evidence, f"{device}:{itf} {why}"],
                    reasoning=f"{device}:{itf} {why} on the impaired paths",
                )
        down = Counter({s["device"]: len(s.get("down", [])) for s in switches if s.get("down")})
        if down:
            device = sorted(down.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            return DiagnosisResult(
                verdict="fault_detected",
                fault_type="bgp_neighbor_misconfig",
                device=device,
                confidence=0.4,
                evidence=evidence,
                reasoning=f"{device} has the most BGP sessions down",
            )
        if suspects:
            return DiagnosisResult(
                verdict="fault_detected",
                device=suspects[0],
                confidence=0.2,
                evidence=evidence,
                reasoning="paths are impaired; no interface or BGP cause found, naming the first switch "
                "on the worst paths",
            )
        return DiagnosisResult(
            verdict="inconclusive",
            confidence=0.0,
            evidence=evidence,
            reasoning="impairment seen but no switch could be singled out",
        )

    @staticmethod
    def _path_switches(hot: dict[str, Any], context: Any) -> list[str]:
        """Leaves of the worst leaf pair, then every spine (the paths between them)."""
        order: list[str] = []
        for row in hot.get("leaf_pairs", [])[:1]:
            if _impaired(row):
                order += [row["src_leaf"], row["dst_leaf"]]
        order += [d.name for d in context.topology.spines]
        return list(dict.fromkeys(order))

    @staticmethod
    def _bad_interface(data: dict[str, Any], context: Any) -> tuple[str, str, str] | None:
        device = context.topology.device(data["device"])
        peers = {i.name: (i.peer_device, i.peer_interface) for i in device.interfaces}
        for row in data.get("interfaces", []):
            name = row.get("name")
            if name not in peers:
                continue
            if row.get("admin_state") == "down" or row.get("oper_state") == "down":
                return name, f"is {row.get('admin_state')}/{row.get('oper_state')}", "link_down"
            mtu = row.get("mtu")
            if isinstance(mtu, int) and mtu < 1500:
                return name, f"has MTU {mtu}", "mtu_mismatch"
        return None
