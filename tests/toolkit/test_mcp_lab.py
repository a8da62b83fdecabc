"""MCP round trips with the SDK's own client: in-process, Streamable HTTP on 127.0.0.1, and stdio
through ``python -m pytest_netopsbench.toolkit.mcp`` attached to a deployed lab."""

from __future__ import annotations

import json
import sys

import anyio
import pytest
from mcp import Client, StdioServerParameters

from pytest_netopsbench.evidence import Collector, EvidenceStore, Window
from pytest_netopsbench.runtime import Lab
from pytest_netopsbench.toolkit import Toolkit, build_mcp_server, serve_mcp_http

from .conftest import needs_lab_host

pytestmark = [pytest.mark.lab, needs_lab_host]

Live = tuple[Lab, EvidenceStore, Collector]


async def _round_trip(client: Client) -> tuple[set[str], dict[str, object], str]:
    tools = await client.list_tools()
    ok = await client.call_tool("get_bgp_neighbors", {"device": "leaf1"})
    assert not ok.is_error
    bad = await client.call_tool("get_bgp_neighbors", {"device": "leaf1; reboot"})
    assert bad.is_error
    return {t.name for t in tools.tools}, json.loads(ok.content[0].text), bad.content[0].text  # type: ignore[union-attr]


def test_mcp_in_process_and_http(live: Live) -> None:
    lab, store, _ = live
    tk = Toolkit(lab, store, Window.last(5))

    async def both() -> None:
        async with Client(build_mcp_server(tk)) as client:
            names, data, refusal = await _round_trip(client)
        assert names == {s.name for s in tk.tool_specs()}
        assert data["established"] == 2 and "argument 'device'" in refusal
        handle = serve_mcp_http(tk)
        try:
            assert handle.url.startswith("http://127.0.0.1:")
            async with Client(handle.url) as client:
                names, data, _ = await _round_trip(client)
            assert "get_fib_vs_rib" in names and data["device"] == "leaf1"
        finally:
            handle.stop()

    anyio.run(both)
    assert tk.stats.total_calls == 4 and tk.stats.total_errors == 2, "MCP calls are counted like direct ones"


def test_mcp_stdio_attaches_to_a_deployed_lab(live: Live) -> None:
    lab, store, _ = live
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "pytest_netopsbench.toolkit.mcp", "--lab", lab.name, "--store", str(store.path)],
    )

    async def run() -> None:
        async with Client(params) as client:
            names, data, _ = await _round_trip(client)
            summary = await client.call_tool("get_pingmesh_summary", {})
        assert len(names) >= 15 and data["established"] == 2
        assert json.loads(summary.content[0].text)["overall"]["probes_sent"] > 0  # type: ignore[union-attr]

    anyio.run(run)
