"""Device state tools: interfaces, BGP, routes, configuration, packet filters (live reads)."""

from __future__ import annotations

import json
from typing import Any

from ..topology import Device
from ._commands import Commands
from ._models import ToolLimits

__all__ = [
    "acl",
    "bgp_neighbors",
    "bgp_rib",
    "capped",
    "interfaces",
    "load_json",
    "route_table",
    "running_config",
]

JSON = dict[str, Any]

# fields of ``show bgp neighbors <ip> json`` that explain why a session is not up
_PEER_DETAIL = (
    "bgpState",
    "remoteAs",
    "localAs",
    "lastResetDueTo",
    "lastErrorCodeSubcode",
    "lastNotificationReason",
    "connectionsEstablished",
    "connectionsDropped",
    "hostLocal",
    "hostForeign",
    "bgpTimerHoldTimeMsecs",
    "nbrDesc",
    "peerGroup",
)


def load_json(text: str) -> Any:
    try:
        return json.loads(text or "null")
    except json.JSONDecodeError:
        return None


def capped(items: list[Any], limit: int) -> tuple[list[Any], bool]:
    return items[:limit], len(items) > limit


def interfaces(cmd: Commands, dev: Device) -> JSON:
    links = load_json(cmd.exec(dev.name, "links")) or []
    addrs = {a.get("ifname"): a for a in (load_json(cmd.exec(dev.name, "addresses")) or [])}
    neighbors = {i.name: f"{i.peer_device} {i.peer_interface}" for i in dev.interfaces}
    names = [i.name for i in dev.interfaces]
    # sysfs inside the device's namespace; a missing interface just leaves its count out
    flaps_out = cmd.exec(dev.name, "carrier_changes", *[f"/sys/class/net/{n}/carrier_changes" for n in names])
    flaps = dict(zip(names, flaps_out.split(), strict=False)) if len(flaps_out.split()) == len(names) else {}
    rows = []
    for link in links:
        name = link.get("ifname", "")
        if name == "lo" and dev.is_switch is False:
            continue
        stats = link.get("stats64", {})
        rx, tx = stats.get("rx", {}), stats.get("tx", {})
        flags = link.get("flags", [])
        rows.append(
            {
                "name": name,
                "admin_state": "up" if "UP" in flags else "down",
                "oper_state": str(link.get("operstate", "")).lower(),
                "carrier": "NO-CARRIER" not in flags,
                "mtu": link.get("mtu"),
                "mac": link.get("address"),
                "addresses": [
                    f"{a['local']}/{a['prefixlen']}"
                    for a in addrs.get(name, {}).get("addr_info", [])
                    if a.get("family") == "inet"
                ],
                "neighbor": neighbors.get(name, ""),
                "carrier_changes": int(flaps[name]) if name in flaps else None,
                "rx_packets": rx.get("packets"),
                "tx_packets": tx.get("packets"),
                "rx_errors": rx.get("errors"),
                "tx_errors": tx.get("errors"),
                "rx_dropped": rx.get("dropped"),
                "tx_dropped": tx.get("dropped"),
            }
        )
    return {"device": dev.name, "interfaces": rows}


def bgp_neighbors(cmd: Commands, dev: Device) -> JSON:
    data = load_json(cmd.vty(dev.name, "bgp_summary")) or {}
    if isinstance(data, dict) and "peers" not in data:
        data = data.get("ipv4Unicast", data)
    peers = data.get("peers", {}) if isinstance(data, dict) else {}
    rows = []
    for ip, p in sorted(peers.items()):
        row = {
            "neighbor": ip,
            "description": p.get("desc", p.get("hostname", "")),
            "remote_as": p.get("remoteAs"),
            "state": p.get("state"),
            "uptime": p.get("peerUptime"),
            "prefixes_received": p.get("pfxRcd"),
            "prefixes_sent": p.get("pfxSnt"),
            "msg_rcvd": p.get("msgRcvd"),
            "msg_sent": p.get("msgSent"),
        }
        if p.get("state") != "Established":
            detail = load_json(cmd.vty(dev.name, "bgp_neighbor", ip=ip)) or {}
            d = detail.get(ip, {}) if isinstance(detail, dict) else {}
            row["detail"] = {k: d[k] for k in _PEER_DETAIL if k in d}
        rows.append(row)
    return {
        "device": dev.name,
        "local_as": data.get("as") if isinstance(data, dict) else None,
        "router_id": data.get("routerId") if isinstance(data, dict) else None,
        "established": sum(1 for r in rows if r["state"] == "Established"),
        "neighbors": rows,
    }


def route_table(cmd: Commands, dev: Device, prefix: str | None, limits: ToolLimits) -> JSON:
    if not dev.is_switch:
        routes = load_json(cmd.exec(dev.name, "kernel_routes")) or []
        return {"device": dev.name, "source": "kernel", "routes": routes[: limits.max_items]}
    raw = (
        load_json(
            cmd.vty(dev.name, "route_prefix", prefix=prefix) if prefix else cmd.vty(dev.name, "route_table")
        )
        or {}
    )
    rows = []
    for pfx, entries in raw.items() if isinstance(raw, dict) else []:
        for e in entries if isinstance(entries, list) else []:
            rows.append(
                {
                    "prefix": pfx,
                    "protocol": e.get("protocol"),
                    "selected": bool(e.get("selected")),
                    "installed": bool(e.get("installed")),
                    "distance": e.get("distance"),
                    "metric": e.get("metric"),
                    "blackhole": any(
                        n.get("blackhole") or n.get("unreachable") for n in e.get("nexthops", [])
                    ),
                    "nexthops": [
                        {
                            k: v
                            for k, v in (
                                ("via", n.get("ip")),
                                ("interface", n.get("interfaceName")),
                                ("active", n.get("active", False)),
                                ("fib", n.get("fib", False)),
                                ("directly_connected", n.get("directlyConnected")),
                            )
                            if v is not None
                        }
                        for n in e.get("nexthops", [])
                    ],
                }
            )
    shown, truncated = capped(rows, limits.max_items)
    return {
        "device": dev.name,
        "source": "rib",
        "prefix": prefix,
        "count": len(rows),
        "truncated": truncated,
        "routes": shown,
    }


def bgp_rib(cmd: Commands, dev: Device, prefix: str | None, limits: ToolLimits) -> JSON:
    if prefix:
        raw = load_json(cmd.vty(dev.name, "bgp_prefix", prefix=prefix)) or {}
        paths = raw.get("paths", []) if isinstance(raw, dict) else []
        if not paths:
            return {"device": dev.name, "prefix": prefix, "found": False, "paths": []}
        return {
            "device": dev.name,
            "prefix": raw.get("prefix", prefix),
            "found": True,
            "paths": [
                {
                    "as_path": p.get("aspath", {}).get("string", ""),
                    "origin": p.get("origin"),
                    "valid": p.get("valid"),
                    "best": bool(p.get("bestpath")),
                    "multipath": bool(p.get("multipath")),
                    "from": p.get("peer", {}).get("peerId"),
                    "nexthops": [n.get("ip") for n in p.get("nexthops", [])],
                }
                for p in paths
            ],
        }
    raw = load_json(cmd.vty(dev.name, "bgp_rib")) or {}
    routes = raw.get("routes", {}) if isinstance(raw, dict) else {}
    rows = [
        {
            "prefix": pfx,
            "paths": [
                {
                    "as_path": p.get("path", ""),
                    "best": bool(p.get("bestpath")),
                    "multipath": bool(p.get("multipath")),
                    "valid": p.get("valid"),
                    "from": p.get("peerId"),
                    "nexthops": [n.get("ip") for n in p.get("nexthops", [])],
                }
                for p in paths
            ],
        }
        for pfx, paths in sorted(routes.items())
    ]
    shown, truncated = capped(rows, limits.max_items)
    return {
        "device": dev.name,
        "local_as": raw.get("localAS") if isinstance(raw, dict) else None,
        "count": len(rows),
        "truncated": truncated,
        "routes": shown,
    }


_SECTIONS = (
    "router bgp",
    "interface",
    "ip prefix-list",
    "route-map",
    "ip route",
    "access-list",
    "bgp",
    "prefix-list",
)


def running_config(cmd: Commands, dev: Device, section: str | None, limits: ToolLimits) -> JSON:
    if not dev.is_switch:
        addrs = load_json(cmd.exec(dev.name, "addresses")) or []
        routes = load_json(cmd.exec(dev.name, "kernel_routes")) or []
        lines = []
        for a in addrs:
            if a.get("ifname") == "lo":
                continue
            v4 = [
                f"{i['local']}/{i['prefixlen']}" for i in a.get("addr_info", []) if i.get("family") == "inet"
            ]
            lines.append(f"interface {a.get('ifname')} mtu {a.get('mtu')} {' '.join(v4)}".rstrip())
        lines += [f"route {r.get('dst')} via {r.get('gateway', '-')} dev {r.get('dev', '-')}" for r in routes]
        return {"device": dev.name, "section": None, "lines": lines[: limits.max_lines]}
    text = cmd.running_config(dev.name)
    lines = [
        ln
        for ln in text.splitlines()
        if ln.strip() and not ln.startswith(("Building configuration", "Current configuration"))
    ]
    if section:
        key = section.replace("prefix-list", "ip prefix-list") if section == "prefix-list" else section
        key = "router bgp" if key == "bgp" else key
        picked: list[str] = []
        inside = False
        for ln in lines:
            if not ln.startswith(" "):
                inside = ln.startswith(key)
            if inside:
                picked.append(ln)
        lines = picked
    shown, truncated = capped(lines, limits.max_lines)
    return {"device": dev.name, "section": section, "truncated": truncated, "lines": shown}


def acl(cmd: Commands, dev: Device, limits: ToolLimits) -> JSON:
    nft = [ln.rstrip() for ln in cmd.exec(dev.name, "nft").splitlines() if ln.strip()]
    ipt = [ln for ln in cmd.exec(dev.name, "iptables").splitlines() if ln.strip() and not ln.startswith("#")]
    qdiscs = []
    for q in load_json(cmd.exec(dev.name, "qdiscs")) or []:
        if q.get("kind") in ("noqueue",):
            continue
        qdiscs.append(
            {
                "interface": q.get("dev"),
                "kind": q.get("kind"),
                "handle": q.get("handle"),
                "parent": q.get("parent", "root"),
                "options": q.get("options", {}),
                "sent_packets": q.get("packets"),
                "dropped": q.get("drops"),
                "overlimits": q.get("overlimits"),
            }
        )
    nft_shown, t1 = capped(nft, limits.max_lines)
    ipt_shown, t2 = capped(ipt, limits.max_lines)
    return {
        "device": dev.name,
        "nftables": nft_shown,
        "iptables": ipt_shown,
        "qdiscs": qdiscs[: limits.max_items],
        "truncated": t1 or t2,
    }
