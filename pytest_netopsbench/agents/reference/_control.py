"""The reference agent's control-plane and host rules: a routing daemon that is dead or hung while its
switch's ports are up, a zebra that lost every BGP route bgpd still holds, a maximum-prefix limit
that tripped, ECMP cut to one path, AS-path prepending on a spine, a more-specific of another leaf's
subnet, and a host whose gateway, netmask or address is wrong.
Pure functions from a ``Survey``; every one names the state an operator would read.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from ._collect import Survey
from ._rules import Finding, _is_down, _sessions_to

__all__ = [
    "daemon_findings",
    "ecmp_findings",
    "host_findings",
    "leak_findings",
    "max_prefix_findings",
    "prepend_findings",
    "zebra_findings",
]

_CRASH_LOG = re.compile(r"Received signal (\d+)")
#: zebra going away and coming back: its shutdown, the routes it drops, its own crash handler
_ZEBRA_RESTART = re.compile(r"Terminating on signal|bgp routes removed from the rib|Received signal \d+")


def _ports_up(s: Survey, device: str) -> bool:
    ports = [s.port(device, i.name) for i in s.topology.device(device).interfaces]
    seen = [p for p in ports if p is not None]
    return bool(seen) and not all(_is_down(p) for p in seen)


def daemon_findings(s: Survey) -> list[Finding]:
    """bgpd does not answer on a switch whose ports are up: refused (the process is gone: a crash) or
    silent (the process is there but not running: starved, and its peers' hold timers expire)."""
    out = []
    for dev, error in s.bgp_unreachable.items():
        if not _ports_up(s, dev):
            continue  # every port down as well: a dead switch (device_down), not one daemon
        peers = _sessions_to(s, s.topology.device(dev))
        crash = [ln.message for ln in s.logs if ln.device == dev and _CRASH_LOG.search(ln.message)]
        ev = [f"{dev}: bgpd does not answer ({error[:100]}) while its ports are up"]
        if peers:
            ev.append(f"BGP sessions toward {dev} down on {', '.join(peers)}")
        refused = "refused" in error.lower() or "not running" in error.lower() or "not reachable" in error
        if crash or refused:
            if crash:
                ev.append(f"{dev} log: '{crash[0][:120]}'")
            score = 0.95 if crash else 0.85
            out.append(Finding(fault_type="bgpd_crash", device=dev, score=score, evidence=tuple(ev)))
            continue
        expired = [
            f"{r.device} -> {r.peer_ip}"
            for rows in s.sessions.values()
            for r in rows
            if "Hold Timer" in f"{r.reset_reason} {r.notification}"
        ]
        expired += [
            ln.message[:120]
            for ln in s.logs
            if ln.device in peers and "Hold Timer Expired" in ln.message and "sent to" in ln.message
        ]
        if expired:
            ev.append(f"peers report Hold Timer Expired: {expired[0]}")
        score = 0.93 if expired else 0.8
        out.append(Finding(fault_type="bgp_hold_timer_expiry", device=dev, score=score, evidence=tuple(ev)))
    return out + zebra_findings(s)


def _bgp_routes(s: Survey, device: str) -> int:
    return sum(1 for r in s.routes.get(device, []) if r.protocol == "bgp")


def zebra_findings(s: Survey) -> list[Finding]:
    """A switch whose routing table holds no BGP route while bgpd answers with every session
    Established and the other switches route normally: its RIB manager (zebra) lost what bgpd knows,
    and zebra's log says when: its shutdown (routes removed) and a fresh start under a running bgpd."""
    busy = {d.name: _bgp_routes(s, d.name) for d in s.topology.switches}
    out = []
    for dev in s.topology.switches:
        name = dev.name
        if name in s.bgp_unreachable or s.sessions_down.get(name) or not s.routes.get(name):
            continue
        others = {d: n for d, n in busy.items() if d != name and n}
        if busy[name] or not others:
            continue
        sessions = sum(1 for i in dev.interfaces if s.topology.device(i.peer_device).is_switch)
        restart = [
            ln.message
            for ln in s.logs
            if ln.device == name and ln.source == "zebra" and _ZEBRA_RESTART.search(ln.message)
        ]
        sample = ", ".join(f"{d} {n}" for d, n in sorted(others.items())[:3])
        ev = [
            f"{name}: its routing table holds no BGP route while its {sessions} BGP sessions are "
            f"Established (other switches' BGP routes: {sample})",
        ]
        ev += [f"{name} zebra log: '{m[:120]}'" for m in restart[-2:]]
        score = 0.95 if restart else 0.8
        out.append(Finding(fault_type="zebra_restart", device=name, score=score, evidence=tuple(ev)))
    return out


def max_prefix_findings(s: Survey) -> list[Finding]:
    """A session torn down for exceeding its maximum-prefix: the log says so, or (when that line is
    older than the logs read) a down session to a neighbor that has a maximum-prefix limit."""
    out = []
    for dev in s.topology.switches:
        logged = [ln.message for ln in s.logs if ln.device == dev.name and "%MAXPFXEXCEED" in ln.message]
        limits = [ln.strip() for ln in s.configs.get(dev.name, []) if " maximum-prefix " in f" {ln.strip()} "]
        limited = {ln.split()[1] for ln in limits if ln.startswith("neighbor ")}
        down = [r for r in s.sessions_down.get(dev.name, []) if r.peer_ip in limited]
        if not (logged or down):
            continue
        ev = [f"{dev.name} log: '{logged[-1][:160]}'"] if logged else []
        ev += [f"{dev.name} config: '{ln}'" for ln in limits[:2]]
        ev += [f"{dev.name} -> {r.peer_ip}: {r.state} {r.reset_reason}".rstrip() for r in down[:2]]
        score = 0.96 if logged and limits else 0.9
        out.append(
            Finding(fault_type="bgp_max_prefix_exceeded", device=dev.name, score=score, evidence=tuple(ev))
        )
    return out


def _maximum_paths(lines: list[str]) -> int | None:
    for ln in lines:
        parts = ln.split()
        if parts[:1] == ["maximum-paths"] and len(parts) == 2 and parts[1].isdigit():
            return int(parts[1])
    return None


def ecmp_findings(s: Survey) -> list[Finding]:
    """A leaf with ``maximum-paths 1`` while the fabric has several spines: ECMP silently lost."""
    if len(s.topology.spines) < 2:
        return []
    widths = {d.name: _maximum_paths(s.configs.get(d.name, [])) for d in s.topology.leaves}
    usual = Counter(w for w in widths.values() if w is not None).most_common(1)
    out = []
    for dev, width in widths.items():
        if width != 1:
            continue
        single = [
            r.prefix
            for r in s.routes.get(dev, [])
            if r.protocol == "bgp" and r.selected and len(r.nexthops) == 1
        ]
        ev = [
            f"{dev} config: 'maximum-paths 1' (the fabric uses {usual[0][0] if usual else '?'}) "
            f"with {len(s.topology.spines)} spines",
        ]
        if single:
            ev.append(f"{dev}: {len(single)} BGP routes on a single next hop, e.g. {single[0]}")
        out.append(Finding(fault_type="ecmp_maximum_paths_one", device=dev, score=0.9, evidence=tuple(ev)))
    return out


def prepend_findings(s: Survey) -> list[Finding]:
    """A spine that prepends its AS outbound: leaves route around it."""
    out = []
    for dev in s.topology.spines:
        lines = [ln.strip() for ln in s.configs.get(dev.name, [])]
        prepends = [ln for ln in lines if ln.startswith("set as-path prepend")]
        applied = [ln for ln in lines if re.match(r"neighbor \S+ route-map \S+ out$", ln)]
        if not (prepends and applied):
            continue
        ev = (f"{dev.name} config: '{applied[0]}' with '{prepends[0]}'",)
        out.append(Finding(fault_type="as_path_prepend_skew", device=dev.name, score=0.9, evidence=ev))
    return out


def leak_findings(s: Survey) -> list[Finding]:
    """A leaf that originates a strict more-specific of a host subnet that lives on another leaf."""
    subnets = [
        (ipaddress.IPv4Network(h.subnet), h.leaf, h.name) for h in s.topology.hosts if h.subnet and h.leaf
    ]
    out = []
    for leaf in s.topology.leaves:
        for ln in s.configs.get(leaf.name, []):
            parts = ln.split()
            if parts[:1] != ["network"] or len(parts) != 2:
                continue
            try:
                net = ipaddress.IPv4Network(parts[1], strict=False)
            except ValueError:
                continue
            for subnet, owner, host in subnets:
                if owner != leaf.name and net != subnet and net.subnet_of(subnet):
                    ev = (
                        f"{leaf.name} config: '{ln.strip()}', a more-specific of {subnet} "
                        f"({host}, on {owner})",
                    )
                    out.append(
                        Finding(
                            fault_type="more_specific_route_leak", device=leaf.name, score=0.95, evidence=ev
                        )
                    )
    return out


def host_findings(s: Survey) -> list[Finding]:
    """A host whose live IP setup disagrees with the leaf port it hangs off (the leaf's address is
    the gateway; the leaf's network is the host's subnet), or carries another host's address."""
    out = []
    live = {p.device: p for p in s.host_ports}
    nets: dict[str, ipaddress.IPv4Network] = {}
    for host in s.topology.hosts:
        leaf_itf = next(
            (i for i in s.topology.device(host.leaf or "").interfaces if i.peer_device == host.name), None
        )
        if leaf_itf is not None:
            leaf_port = s.port(host.leaf or "", leaf_itf.name)
            seen = leaf_port.addresses if leaf_port and leaf_port.addresses else (leaf_itf.address,)
            nets[host.name] = ipaddress.IPv4Interface(seen[0]).network
    # an address belongs to the host whose leaf port's network holds it
    owners = {
        a.split("/")[0]: h
        for h, p in live.items()
        for a in p.addresses
        if h in nets and ipaddress.IPv4Interface(a).ip in nets[h]
    }
    for host in s.topology.hosts:
        port = live.get(host.name)
        leaf_net = nets.get(host.name)
        if port is None or leaf_net is None:
            continue
        gateway = next(
            i.ip for i in s.topology.device(host.leaf or "").interfaces if i.peer_device == host.name
        )
        gws = s.host_gateways.get(host.name)
        if gws and gateway not in gws:
            ev = (f"{host.name} default via {', '.join(gws)}; its leaf {host.leaf} answers at {gateway}",)
            out.append(Finding(fault_type="host_wrong_gateway", device=host.name, score=0.95, evidence=ev))
        for a in port.addresses:
            itf = ipaddress.IPv4Interface(a)
            if itf.ip in leaf_net and itf.network != leaf_net:
                ev = (f"{host.name} {port.name} {a}, but its leaf's port {host.leaf} is on {leaf_net}",)
                out.append(
                    Finding(fault_type="host_wrong_netmask", device=host.name, score=0.95, evidence=ev)
                )
            elif itf.ip not in leaf_net and owners.get(str(itf.ip), host.name) != host.name:
                ev = (
                    f"{host.name} {port.name} also carries {a}, the address of "
                    f"{owners[str(itf.ip)]} (outside {host.name}'s subnet {leaf_net})",
                )
                out.append(
                    Finding(fault_type="host_duplicate_address", device=host.name, score=0.95, evidence=ev)
                )
    return out
