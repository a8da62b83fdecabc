"""Routing rules of the reference agent: static and blackhole routes, kernel FIB against the RIB,
BGP sessions that cannot come up (a neighbor line that breaks them, or GTSM on one end only), and
prefixes a leaf stopped advertising."""

from __future__ import annotations

import ipaddress
import re

from ...topology import Device, Role, Topology
from ._collect import Survey
from ._rules import Finding, dead_devices, link_findings

__all__ = ["bgp_findings", "fib_findings", "policy_findings", "static_route_findings"]


def static_route_findings(s: Survey) -> list[Finding]:
    out = []
    for dev, routes in s.routes.items():
        for r in routes:
            if r.protocol != "static" or not r.selected:
                continue
            if r.blackhole:
                out.append(
                    Finding(
                        fault_type="blackhole_route",
                        device=dev,
                        score=0.95,
                        evidence=(
                            f"{dev}: static route {r.prefix} to a blackhole (Null0) overrides the BGP route",
                        ),
                    )
                )
            else:
                out.append(
                    Finding(
                        fault_type="static_route_misconfig",
                        device=dev,
                        score=0.92,
                        evidence=(
                            f"{dev}: static route {r.prefix} via {', '.join(r.nexthops) or '?'} "
                            "overrides the BGP route toward the host's own leaf",
                        ),
                    )
                )
    return out


def fib_findings(s: Survey) -> list[Finding]:
    by_dev: dict[str, list[str]] = {}
    for d in s.fib_diffs:
        by_dev.setdefault(d.device, []).append(
            f"{d.prefix}: {'; '.join(d.issues)} (RIB {d.rib}, kernel {d.fib})"
        )
    return [
        Finding(
            fault_type="fib_rib_mismatch",
            device=dev,
            score=0.9,
            evidence=(f"{dev}: kernel FIB disagrees with FRR's RIB", *lines[:4]),
        )
        for dev, lines in by_dev.items()
    ]


def _owner_of(topo: Topology, ip: str) -> tuple[Device, str] | None:
    for d in topo.switches:
        for i in d.interfaces:
            if i.ip == ip:
                return d, i.name
    return None


def _neighbor_lines(cfg: list[str], ip: str) -> list[str]:
    return [ln.strip() for ln in cfg if ln.strip().startswith(f"neighbor {ip} ")]


def bgp_findings(s: Survey) -> list[Finding]:
    """Sessions down across a healthy link: find the end whose configuration breaks them."""
    dead = dead_devices(s)
    flaky = {(f.device, f.interface) for f in link_findings(s)}
    flaky |= {
        (s.topology.peer_of(d, i).device, s.topology.peer_of(d, i).interface)
        for d, i in list(flaky)
        if i is not None
    }
    votes: dict[str, list[str]] = {}
    seen: set[frozenset[str]] = set()
    for dev_name, rows in s.sessions_down.items():
        dev = s.topology.device(dev_name)
        for row in rows:
            owner = _owner_of(s.topology, row.peer_ip)
            if owner is None:
                continue
            peer, peer_if = owner
            my_if = next((i for i in dev.interfaces if i.peer_device == peer.name), None)
            if dev_name in dead or peer.name in dead or my_if is None:
                continue
            if (dev_name, my_if.name) in flaky or (peer.name, peer_if) in flaky:
                continue
            key = frozenset((dev_name, peer.name))
            if key in seen:
                continue
            seen.add(key)
            for here, there, there_ip in ((dev, peer, row.peer_ip), (peer, dev, my_if.ip)):
                reason = _session_blame(s, here, there, there_ip)
                if reason:
                    votes.setdefault(here.name, []).append(reason)
            if not any(votes.get(n) for n in (dev_name, peer.name)):
                votes.setdefault(dev_name, []).append(
                    f"{dev_name} -> {row.peer_ip} ({peer.name}) is {row.state}"
                    + (f", last reset: {row.reset_reason}" if row.reset_reason else "")
                )
    return [
        Finding(
            fault_type=_session_fault(r),
            device=d,
            score=0.92 if _strong(r) else 0.6,
            evidence=tuple(r),
        )
        for d, r in votes.items()
    ]


def _session_fault(reasons: list[str]) -> str:
    """GTSM on one end is a fault of its own kind; every other broken neighbor line is a misconfig."""
    return "bgp_ttl_security_mismatch" if any(_GTSM in r for r in reasons) else "bgp_neighbor_misconfig"


def _strong(reasons: list[str]) -> bool:
    return any("configured" in r or "Admin" in r or "password" in r for r in reasons)


_GTSM = "ttl-security"


def _session_blame(s: Survey, here: Device, there: Device, there_ip: str) -> str:
    cfg = s.configs.get(here.name, [])
    lines = _neighbor_lines(cfg, there_ip)
    theirs = _neighbor_lines(
        s.configs.get(there.name, []),
        next((i.ip for i in here.interfaces if i.peer_device == there.name), ""),
    )
    if any(ln.endswith(" shutdown") for ln in lines):
        return (
            f"{here.name}: 'neighbor {there_ip} shutdown' configured (session to {there.name} "
            "administratively down)"
        )
    for row in s.sessions.get(here.name, []):
        if row.peer_ip == there_ip and "Admin" in row.state:
            return f"{here.name}: session to {there_ip} ({there.name}) is {row.state}"
    mine_pw = any(" password " in ln for ln in lines)
    their_pw = any(" password " in ln for ln in theirs)
    if mine_pw and not their_pw:
        return (
            f"{here.name}: MD5 password configured for neighbor {there_ip} ({there.name}), "
            f"but {there.name} has none for the session"
        )
    mine_gtsm = [ln for ln in lines if f" {_GTSM} " in ln]
    if mine_gtsm and not any(f" {_GTSM} " in ln for ln in theirs):
        return (
            f"{here.name}: '{mine_gtsm[0]}' configured (GTSM: it sends at TTL 255 and drops anything "
            f"lower), but {there.name} has no ttl-security for the session and sends eBGP at TTL 1"
        )
    for ln in lines:
        m = re.match(rf"neighbor {re.escape(there_ip)} remote-as (\d+)$", ln)
        if m and there.asn is not None and int(m.group(1)) != there.asn:
            return (
                f"{here.name}: neighbor {there_ip} configured with remote-as {m.group(1)}, but "
                f"{there.name} is AS {there.asn}"
            )
    return ""


def _originated(topo: Topology, leaf: Device) -> list[str]:
    nets = [h.subnet for h in topo.hosts if h.leaf == leaf.name and h.subnet]
    return nets + ([leaf.loopback] if leaf.loopback else [])


def policy_findings(s: Survey) -> list[Finding]:
    """A leaf whose own prefix is missing everywhere else while its sessions are up."""
    out = []
    for leaf in s.topology.by_role(Role.LEAF):
        if leaf.name in s.bgp_unreachable:
            continue
        ups = _established(s, leaf)
        if ups == 0:
            continue
        others = [d.name for d in s.topology.switches if d.name != leaf.name and s.routes.get(d.name)]
        for prefix in _originated(s.topology, leaf):
            net = str(ipaddress.ip_network(prefix, strict=False))
            missing = [o for o in others if not any(r.prefix == net for r in s.routes[o])]
            if not others or len(missing) < len(others):
                continue
            ev = [
                f"{net} (behind {leaf.name}) is missing from the routing table of "
                f"{', '.join(missing)} while {leaf.name} has {ups} BGP sessions up"
            ]
            ev += _policy_config(s.configs.get(leaf.name, []), net)
            out.append(
                Finding(
                    fault_type="route_policy_misconfig",
                    device=leaf.name,
                    score=0.93 if len(ev) > 1 else 0.8,
                    evidence=tuple(ev),
                )
            )
    return out


def _established(s: Survey, dev: Device) -> int:
    configured = sum(1 for i in dev.interfaces if s.topology.device(i.peer_device).is_switch)
    return configured - len(s.sessions_down.get(dev.name, []))


def _policy_config(cfg: list[str], net: str) -> list[str]:
    lines = [ln.strip() for ln in cfg]
    ev = []
    if lines and not any(ln.split()[:2] == ["network", net] for ln in lines):
        ev.append(f"no 'network {net}' statement under router bgp")
    denies = [ln for ln in lines if ln.startswith("ip prefix-list ") and f" deny {net}" in ln]
    for d in denies:
        name = d.split()[2]
        used = [
            ln
            for ln in lines
            if f"prefix-list {name} out" in ln or (f"prefix-list {name}" in ln and ln.startswith("match "))
        ]
        ev.append(f"'{d}'" + (f", applied by '{used[0]}'" if used else ""))
    return ev
