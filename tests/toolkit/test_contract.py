"""Toolkit contract without a lab: tool specs, dispatch, refusals of bad and hostile input, stats."""

from __future__ import annotations

import json

import pytest

from pytest_netopsbench.errors import ToolInputError
from pytest_netopsbench.toolkit import Toolkit

from .conftest import Sink

ANCHOR_TOOLS = {
    "get_topology",
    "get_device_interfaces",
    "get_bgp_neighbors",
    "get_route_table",
    "get_device_config",
    "get_bgp_rib",
    "get_device_acl",
    "get_device_logs",
    "get_interface_metrics",
    "get_all_bgp_status",
    "get_pingmesh_summary",
    "get_pingmesh_hotspots",
    "traceroute",
    "ping_test",
}

HOSTILE = [
    ("get_bgp_neighbors", {"device": "leaf1; rm -rf /"}, "device", "';'"),
    ("get_bgp_neighbors", {"device": "$(reboot)"}, "device", "'$'"),
    ("get_device_interfaces", {"device": "`id`"}, "device", "'`'"),
    ("get_device_config", {"device": "leaf1", "section": "conf t"}, "section", "conf"),
    ("get_device_config", {"device": "leaf1", "section": "write memory"}, "section", "write"),
    ("get_route_table", {"device": "leaf1\nconfigure terminal"}, "device", "'\\n'"),
    ("get_route_table", {"device": "leaf1", "prefix": "198.19.1.0/24 | sh"}, "prefix", "'|'"),
    ("ping_test", {"src": "h1", "dst_ip": "198.19.2.10 && reboot"}, "dst_ip", "'&'"),
    ("traceroute", {"src": "h1 ; ls", "dst_ip": "198.19.2.10"}, "src", "';'"),
]

BAD = [
    ("get_bgp_neighbors", {"device": "leaf9"}, "no device 'leaf9'"),
    ("get_bgp_neighbors", {"device": "h1"}, "is a host"),
    ("get_interface_metrics", {"device": "leaf1", "interface": "eth9"}, "has no interface 'eth9'"),
    ("ping_test", {"src": "h1", "dst_ip": "8.8.8.8"}, "outside this network"),
    ("ping_test", {"src": "h1", "dst_ip": "127.0.0.1"}, "outside this network"),
    ("ping_test", {"src": "h1", "dst_ip": "198.19.2.10", "count": 1000}, "allowed range is 1..20"),
    ("ping_test", {"src": "h1", "dst_ip": "198.19.2.10", "size": 70000}, "allowed range is 0..9000"),
    ("traceroute", {"src": "h1", "dst_ip": "not-an-ip"}, "not an IPv4 address"),
    ("get_pingmesh_hotspots", {"limit": 500}, "allowed range is 1..50"),
    ("get_pingmesh_summary", {"start_time": 1.0e9 + 5}, "give both"),
    ("get_device_logs", {"device": "leaf1", "limit": 0}, "allowed range"),
    ("get_device_config", {"device": "leaf1", "section": "everything"}, "is not one of"),
]


def test_specs_cover_the_anchor_tools_and_fib_view(offline_toolkit: Toolkit) -> None:
    specs = {s.name: s for s in offline_toolkit.tool_specs()}
    assert ANCHOR_TOOLS | {"get_fib_vs_rib"} <= set(specs)
    for spec in specs.values():
        assert spec.description and len(spec.description) > 30, spec.name
        assert spec.parameters["type"] == "object" and spec.parameters["additionalProperties"] is False
        json.dumps(spec.openai())  # OpenAI function-calling entries are plain JSON
    ping = specs["ping_test"].parameters
    assert ping["required"] == ["src", "dst_ip"] and ping["properties"]["count"]["default"] == 5


@pytest.mark.parametrize(("tool", "args", "arg", "needle"), HOSTILE)
def test_injection_refused_naming_the_argument(
    offline_toolkit: Toolkit, tool: str, args: dict[str, object], arg: str, needle: str
) -> None:
    result = offline_toolkit.call(tool, args)
    assert isinstance(result, dict) and result["error"]["type"] == "refused", result
    assert f"argument '{arg}'" in result["error"]["message"] and needle in result["error"]["message"]
    with pytest.raises(ToolInputError, match=arg):
        getattr(offline_toolkit, tool)(**args)


@pytest.mark.parametrize(("tool", "args", "needle"), BAD)
def test_bad_input_refused_with_clear_message(
    offline_toolkit: Toolkit, tool: str, args: dict[str, object], needle: str
) -> None:
    result = offline_toolkit.call(tool, args)
    assert isinstance(result, dict) and "error" in result, result
    assert needle in result["error"]["message"]


def test_schema_violations_and_unknown_tools(offline_toolkit: Toolkit) -> None:
    r = offline_toolkit.call("get_bgp_neighbors", {"device": "leaf1", "extra": 1})
    assert isinstance(r, dict) and r["error"]["type"] == "invalid_arguments"
    assert "extra" in r["error"]["message"]
    r = offline_toolkit.call("get_bgp_neighbors", {})
    assert isinstance(r, dict) and r["error"]["type"] == "invalid_arguments"
    assert "device" in r["error"]["message"]
    r = offline_toolkit.call("run_shell", {"cmd": "ls"})
    assert isinstance(r, dict) and r["error"]["type"] == "unknown_tool"


def test_every_call_is_counted_and_recorded(offline_toolkit: Toolkit) -> None:
    topo = offline_toolkit.call("get_topology", {})
    assert isinstance(topo, dict) and topo["summary"] == {"spines": 2, "leaves": 2, "hosts": 2, "links": 6}
    offline_toolkit.call("get_bgp_neighbors", {"device": "nope"})
    offline_toolkit.call("nope", {})
    stats = offline_toolkit.stats
    assert (stats.total_calls, stats.total_errors) == (3, 2)
    assert stats.by_tool["get_topology"].calls == 1 and stats.by_tool["get_bgp_neighbors"].errors == 1
    assert [c.name for c in stats.calls] == ["get_topology", "get_bgp_neighbors", "nope"]
    sink = offline_toolkit.recorder
    assert isinstance(sink, Sink)
    assert [c[0] for c in sink.calls] == ["get_topology", "get_bgp_neighbors", "nope"]
    assert sink.calls[1][3] and "no device" in str(sink.calls[1][3])


def test_oversized_answers_are_cut(offline_toolkit: Toolkit) -> None:
    big: dict[str, object] = {"rows": [{"x": "y" * 100} for _ in range(5000)], "name": "n"}
    fitted = offline_toolkit._fit(big)
    assert len(json.dumps(fitted)) <= offline_toolkit.limits.max_chars and fitted["truncated"] is True
