"""The visibility contract: the observation channels a fault may change, named by what the toolkit
shows, and which of them point at the faulty device.

A real fault changes only what the real failure would change: a lossy optic moves counters and the
ping mesh, never a firewall ruleset. Each fault class declares ``visible`` (every channel it may
change) and ``localizing`` (the subset whose change, seen on the fault's own device or the far end
of its link, lets an agent name the culprit). ``tests/faults/test_visibility_lab.py`` diffs every
tool's output before and after injection against these declarations.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "CHANNEL_TEXT",
    "DEVICE_CHANNELS",
    "REACH",
    "ROUTING",
    "Channel",
    "agent_column",
    "channel_of",
    "channels",
]


class Channel(StrEnum):
    INTERFACE_STATE = "interface_state"  # admin/oper state, carrier, carrier changes, state changes
    INTERFACE_MTU = "interface_mtu"
    INTERFACE_COUNTERS = "interface_counters"  # packets, bytes, drops, queue drops (zero or not)
    INTERFACE_ERRORS = "interface_errors"  # rx/tx errors, checksum and protocol error counters
    ADDRESSES = "addresses"  # interface addresses
    BGP_SESSIONS = "bgp_sessions"  # session state, prefixes exchanged, reset reasons
    BGP_CONFIG = "bgp_config"  # 'router bgp', prefix-lists and route-maps of the running config
    DEVICE_CONFIG = "device_config"  # the rest of the running config (static routes, interfaces)
    ROUTES_RIB = "routes_rib"  # selected routes and the BGP table
    ROUTES_FIB = "routes_fib"  # the kernel table next to the RIB and their differences
    ACL_RULES = "acl_rules"  # nftables and iptables rules
    QDISCS = "qdiscs"  # traffic-control queueing disciplines
    LOGS = "logs"
    PINGMESH_LOSS = "pingmesh_loss"
    PINGMESH_LATENCY = "pingmesh_latency"
    PROBE_LOSS = "probe_loss"  # ping_test from the hosts
    PROBE_LATENCY = "probe_latency"
    PATHS = "paths"  # traceroute hops
    PROCESSES = "processes"  # what runs in a device's namespace
    TOPOLOGY = "topology"  # the declared inventory: never changes


#: channels whose outputs belong to one device, so a change there can point at it
DEVICE_CHANNELS = frozenset(
    {
        Channel.INTERFACE_STATE,
        Channel.INTERFACE_MTU,
        Channel.INTERFACE_COUNTERS,
        Channel.INTERFACE_ERRORS,
        Channel.ADDRESSES,
        Channel.BGP_SESSIONS,
        Channel.BGP_CONFIG,
        Channel.DEVICE_CONFIG,
        Channel.ROUTES_RIB,
        Channel.ROUTES_FIB,
        Channel.ACL_RULES,
        Channel.QDISCS,
        Channel.LOGS,
        Channel.PROCESSES,
    }
)

#: what each channel means to an agent, in the words of docs/faults.md
CHANNEL_TEXT: dict[Channel, str] = {
    Channel.INTERFACE_STATE: "interface state",
    Channel.INTERFACE_MTU: "MTU",
    Channel.INTERFACE_COUNTERS: "packet/drop counters",
    Channel.INTERFACE_ERRORS: "error counters",
    Channel.ADDRESSES: "addresses",
    Channel.BGP_SESSIONS: "BGP sessions",
    Channel.BGP_CONFIG: "BGP config",
    Channel.DEVICE_CONFIG: "device config",
    Channel.ROUTES_RIB: "RIB",
    Channel.ROUTES_FIB: "FIB vs RIB",
    Channel.ACL_RULES: "filter rules",
    Channel.QDISCS: "qdiscs",
    Channel.LOGS: "logs",
    Channel.PINGMESH_LOSS: "ping-mesh loss",
    Channel.PINGMESH_LATENCY: "ping-mesh latency",
    Channel.PROBE_LOSS: "ping loss",
    Channel.PROBE_LATENCY: "ping RTT",
    Channel.PATHS: "traceroute paths",
    Channel.PROCESSES: "processes",
    Channel.TOPOLOGY: "topology",
}

_ERRORS = ("error", "checksum", "csum", "crc", "frame", "inerr", "noport")
_COUNTERS = ("packets", "bytes", "dropped", "drops", "overlimits", "rate", "pps", "bps", "backlog")
_BRACKETS = re.compile(r"\[[^\]]*\]")
#: running-config lines of the BGP process, its prefix-lists and route-maps (lines inside the
#: ``router bgp`` block do not name it, so they are known by their own words)
_BGP_WORDS = re.compile(
    r"\b(router bgp|neighbor|network|maximum-paths|address-family|prefix-list|route-map|as-path|"
    r"redistribute|bgp|set|match|timers)\b"
)


def channel_of(tool: str, path: str) -> Channel:
    """The channel a leaf of a tool's output belongs to (``path`` is its dotted key path)."""
    # the last key name; list elements' identities in brackets hold dots (addresses, prefixes)
    key = _BRACKETS.sub("", path).rsplit(".", 1)[-1].lower()
    low = path.lower()
    if tool == "get_topology":
        return Channel.TOPOLOGY
    if tool in ("get_bgp_neighbors", "get_all_bgp_status"):
        return Channel.BGP_SESSIONS
    if tool in ("get_route_table", "get_bgp_rib"):
        return Channel.ROUTES_RIB
    if tool == "get_fib_vs_rib":
        return Channel.ROUTES_FIB
    if tool == "get_device_config":
        return Channel.BGP_CONFIG if _BGP_WORDS.search(low) else Channel.DEVICE_CONFIG
    if tool == "get_device_acl":
        return Channel.QDISCS if "qdisc" in low else Channel.ACL_RULES
    if tool == "get_device_logs":
        return Channel.LOGS
    if tool in ("get_pingmesh_summary", "get_pingmesh_hotspots"):
        lat = any(s in key for s in ("rtt", "jitter", "latency"))
        return Channel.PINGMESH_LATENCY if lat else Channel.PINGMESH_LOSS
    if tool == "ping_test":
        return Channel.PROBE_LATENCY if "rtt" in key or "one_way" in key else Channel.PROBE_LOSS
    if tool == "traceroute":
        return Channel.PATHS
    if tool == "processes":
        return Channel.PROCESSES
    # get_device_interfaces, get_interface_metrics
    if "qdisc" in low:
        return Channel.QDISCS
    if "filter_rule" in low:
        return Channel.ACL_RULES
    if "address" in key or key in ("mac",):
        return Channel.ADDRESSES
    if key == "mtu":
        return Channel.INTERFACE_MTU
    if "protocol_counters" in low:  # unreachables, no-ports, retransmits follow any path change
        corrupt = "csum" in key or key.endswith("inerrors")
        return Channel.INTERFACE_ERRORS if corrupt else Channel.INTERFACE_COUNTERS
    if any(s in key for s in _ERRORS):
        return Channel.INTERFACE_ERRORS
    if any(s in key for s in _COUNTERS):
        return Channel.INTERFACE_COUNTERS
    return Channel.INTERFACE_STATE


def channels(*names: Channel | frozenset[Channel]) -> frozenset[Channel]:
    """A declaration from channels and channel groups."""
    out: set[Channel] = set()
    for n in names:
        out |= n if isinstance(n, frozenset) else {n}
    return frozenset(out)


#: what any change in forwarding moves: the ping mesh, active probes, paths and traffic counters
REACH = frozenset(
    {
        Channel.PINGMESH_LOSS,
        Channel.PINGMESH_LATENCY,
        Channel.PROBE_LOSS,
        Channel.PROBE_LATENCY,
        Channel.PATHS,
        Channel.INTERFACE_COUNTERS,
    }
)
#: what a change in the control plane moves on the device and its peers
ROUTING = frozenset({Channel.BGP_SESSIONS, Channel.ROUTES_RIB, Channel.ROUTES_FIB, Channel.LOGS})


def agent_column(visible: frozenset[Channel], localizing: frozenset[Channel]) -> str:
    """The docs/faults.md "agent sees" cell of a contract (checked against the classes by a test):
    localizing channels first, then the rest, with REACH and ROUTING written as groups."""
    rest = visible - localizing
    groups = [name for name, group in (("REACH", REACH), ("ROUTING", ROUTING)) if group <= rest]
    for name in groups:
        rest -= REACH if name == "REACH" else ROUTING
    loc = ", ".join(f"`{c.value}`" for c in sorted(localizing))
    also = groups + [f"`{c.value}`" for c in sorted(rest)]
    return f"**{loc}**; also {', '.join(also)}" if also else f"**{loc}**"
