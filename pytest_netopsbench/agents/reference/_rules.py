"""The reference agent's ``Finding`` and its device and link rules (filter and queueing rules live in
``_filter_rules``, routing rules in ``_routing``): pure functions from a ``Survey`` to candidate
``Finding``s.

Each rule looks for one kind of state an operator would recognise as a cause (a port that is shut,
an MTU that differs across a link, a drop rule, a static route, a session that cannot come up...).
Rules never look at the ping mesh alone to name a cause; symptoms decide which cause fits when the
state is ambiguous (an NFQUEUE rule: delay or corruption?) and feed a last-resort localisation.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ...topology import Device, Link, LinkEnd
from ._collect import Survey
from ._facts import Port

__all__ = [
    "PRIORITY",
    "Finding",
    "dead_devices",
    "device_down_findings",
    "link_findings",
    "mtu_findings",
    "one_cycle_links",
]

#: when several causes are visible, the one that explains the others comes first (a dead switch
#: explains its dead ports, a dead port explains its BGP session, a session explains lost routes)
PRIORITY = (
    "device_down",
    "bgpd_crash",
    "bgp_hold_timer_expiry",
    "zebra_restart",
    "link_flapping",
    "optic_flap_low_loss",
    "link_down",
    "cable_cut",
    "mtu_mismatch",
    "congestion",
    "capacity_degradation",
    "high_latency",
    "asymmetric_latency",
    "packet_corruption",
    "packet_loss",
    "unidirectional_loss",
    "ecmp_member_drop",
    "acl_misconfig",
    "host_wrong_gateway",
    "host_wrong_netmask",
    "host_duplicate_address",
    "more_specific_route_leak",
    "blackhole_route",
    "static_route_misconfig",
    "fib_rib_mismatch",
    "bgp_max_prefix_exceeded",
    "bgp_ttl_security_mismatch",
    "bgp_neighbor_misconfig",
    "route_policy_misconfig",
    "as_path_prepend_skew",
    "ecmp_maximum_paths_one",
)


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)
    fault_type: str
    device: str
    interface: str | None = None
    score: float = Field(ge=0.0, le=1.0)
    evidence: tuple[str, ...] = ()

    @property
    def rank(self) -> tuple[int, float]:
        order = PRIORITY.index(self.fault_type) if self.fault_type in PRIORITY else len(PRIORITY)
        return (order, -self.score)


def _is_down(p: Port | None) -> bool:
    return p is not None and (not p.admin_up or p.oper in ("down", "lowerlayerdown") or not p.carrier)


# -- whole switch ---------------------------------------------------------------------------------
def device_down_findings(s: Survey) -> list[Finding]:
    out = []
    for dev in s.topology.switches:
        ports = [s.port(dev.name, i.name) for i in dev.interfaces]
        seen = [p for p in ports if p is not None]
        all_down = bool(seen) and all(_is_down(p) for p in seen)
        no_bgp = dev.name in s.bgp_unreachable
        peers_lost = _sessions_to(s, dev)
        if not all_down:
            continue  # bgpd silent on a switch whose ports are up is one daemon (_control), not the box
        ev = []
        if no_bgp:
            ev.append(f"{dev.name}: routing daemon does not answer ({s.bgp_unreachable[dev.name][:120]})")
        if all_down:
            states = ", ".join(f"{p.name} admin {'up' if p.admin_up else 'down'}/{p.oper}" for p in seen)
            ev.append(f"{dev.name}: all {len(seen)} ports down ({states})")
        if peers_lost:
            ev.append(f"BGP sessions toward {dev.name} down on {', '.join(peers_lost)}")
        score = 0.97 if no_bgp else 0.9 if peers_lost else 0.6
        out.append(Finding(fault_type="device_down", device=dev.name, score=score, evidence=tuple(ev)))
    return out


def _sessions_to(s: Survey, dev: Device) -> list[str]:
    """Switches whose BGP session toward ``dev`` is not Established."""
    addrs = {i.ip for i in dev.interfaces}
    return sorted({d for d, rows in s.sessions_down.items() for r in rows if r.peer_ip in addrs})


def dead_devices(s: Survey) -> set[str]:
    """Switches that answer no BGP at all (dead, or only their bgpd): their sessions explain nothing."""
    return {f.device for f in device_down_findings(s) if f.score >= 0.9} | set(s.bgp_unreachable)


# -- links ----------------------------------------------------------------------------------------
def _link_events(s: Survey, device: str, itf: str) -> list[str]:
    """Link state changes of one port in the device's log during the window: the kernel's own record,
    else the routing daemon's (it logs every interface down/up it is told about, even one too short
    to sample). A down and up before the window (logs reach 3 s further back) is a link that
    recovered before anyone looked, not one that flaps."""
    kernel = _kernel_link_events(s, device, itf)
    pat = re.compile(rf"ZEBRA_INTERFACE_(?:DOWN|UP) {re.escape(itf)}\b")
    zebra = [
        ln.message
        for ln in s.logs
        if ln.device == device and ln.ts >= s.window.start and pat.search(ln.message)
    ]
    return kernel if len(kernel) >= len(zebra) else zebra


def _kernel_link_events(s: Survey, device: str, itf: str) -> list[str]:
    head = f"{itf}: link state"
    return [
        ln.message
        for ln in s.logs
        if ln.device == device and ln.ts >= s.window.start and ln.message.startswith(head)
    ]


def link_findings(s: Survey) -> list[Finding]:
    """A port shut down (link_down) or going down and up during the window (link_flapping)."""
    dead = dead_devices(s)
    out = []
    for link in s.topology.links:
        a, b = link.a, link.b
        if a.device in dead or b.device in dead:
            continue
        pa, pb = s.port(a.device, a.interface), s.port(b.device, b.interface)
        changes, events, down_now = _activity(s, link)
        n_events = max(len(v) for v in events.values())
        if not (down_now or changes >= 2 or n_events >= 2):
            continue
        moving = _still_moving(s, link) if link in one_cycle_links(s) else True
        if moving is False:
            continue  # down and up once, and not since: a link that recovered, not a fault
        # the end that went admin down is the one someone touched; its peer only lost carrier
        admin = [e for e, p in ((a, pa), (b, pb)) if p is not None and not p.admin_up]
        shut_in_logs = [
            e
            for e in (a, b)
            if any(m.endswith("to down") for m in _kernel_link_events(s, e.device, e.interface))
        ]
        culprit = (admin or shut_in_logs or [a if s.topology.device(a.device).is_switch else b])[0]
        ev = [
            f"{e.device}:{e.interface} admin {'up' if p.admin_up else 'down'}, oper {p.oper}"
            + ("" if p.carrier else ", no carrier")
            for e, p in ((a, pa), (b, pb))
            if p is not None
        ]
        ev.append(f"state changes during the window: {changes}")
        for dev, msgs in events.items():
            if msgs:
                ev.append(f"{dev} log: {len(msgs)} link state events, last '{msgs[-1]}'")
        flapping = changes >= 2 or n_events >= 2
        kind = "link_flapping" if flapping else "link_down"
        score = 0.95 if (flapping and (changes >= 2)) or (not flapping and admin) else 0.85
        if flapping and _carrier_only(s, (a, pa), (b, pb)):
            # nobody shut either port: the carrier itself came and went (an optic or cable failing)
            kind = "optic_flap_low_loss"
        ports = [p for p in (pa, pb) if p is not None]
        if (
            not flapping
            and not admin
            and len(ports) == 2
            and all(p.admin_up and not p.carrier for p in ports)
        ):
            # both ends admin up, neither sees the other: the cable (or optic) between them, not a config
            kind, score = "cable_cut", 0.95
        elif flapping and not admin and not shut_in_logs and _both_lost_carrier(s, a, b):
            # down and up again, but never shut: both ends only ever lost carrier (a port shut by
            # hand shows "to down" on its own end). A failing optic blinks (well under a second
            # each time); a loose cable stays out for seconds
            longest = max(_carrier_losses(s, a) + _carrier_losses(s, b), default=None)
            if longest is not None and longest < OPTIC_BLINK_S:
                kind, score = "optic_flap_low_loss", 0.9
                ev.append(f"both ends lost carrier each time, for {longest:.2g} s at most: a failing optic")
            else:
                kind, score = "cable_cut", 0.9
                ev.append("both ends lost carrier each time, neither port was shut: an intermittent cable")
        if moving is None:
            score = 0.6  # one down-up cycle, not looked at again: a hint until it is
        elif link in one_cycle_links(s):
            ev.append("carrier changes still counting when the ports were read again: it keeps going")
        out.append(
            Finding(
                fault_type=kind,
                device=culprit.device,
                interface=culprit.interface,
                score=score,
                evidence=tuple(ev),
            )
        )
    return out


def _carrier_only(s: Survey, *ends: tuple[LinkEnd, Port | None]) -> bool:
    """Both ends admin up now and no end ever seen admin down in the window (the kernel's record
    says "to down" for a shut port, "to no-carrier" for a lost carrier)."""
    for e, p in ends:
        if p is None or not p.admin_up:
            return False
        if any(m.endswith("to down") for m in _kernel_link_events(s, e.device, e.interface)):
            return False
    return True


def _activity(s: Survey, link: Link) -> tuple[int, dict[str, list[str]], bool]:
    """(state changes counted in the window, log events per end device, a port down now)."""
    a, b = link.a, link.b
    ca, cb = s.counter(a.device, a.interface), s.counter(b.device, b.interface)
    changes = max(ca.state_changes if ca else 0, cb.state_changes if cb else 0)
    events = {e.device: _link_events(s, e.device, e.interface) for e in (a, b)}
    down_now = _is_down(s.port(a.device, a.interface)) or _is_down(s.port(b.device, b.interface))
    return changes, events, down_now


def one_cycle_links(s: Survey) -> list[Link]:
    """Links that went down and came back up once in the window and are up now: a link that keeps
    flapping and one that had a single hiccup look alike until someone looks again."""
    out = []
    for link in s.topology.links:
        changes, events, down_now = _activity(s, link)
        most = max(changes, *(len(v) for v in events.values()))
        if not down_now and most == 2:
            out.append(link)
    return out


def _still_moving(s: Survey, link: Link) -> bool | None:
    """Did either end count more carrier changes when read again? None when not read again."""
    grew = []
    for e in link.ends():
        before = s.port(e.device, e.interface)
        after = next((p for p in s.rechecked.get(e.device, []) if p.name == e.interface), None)
        if before is None or after is None or before.carrier_changes is None or after.carrier_changes is None:
            return None
        grew.append(after.carrier_changes > before.carrier_changes)
    return any(grew)


#: a carrier loss shorter than this is an optic blinking (its flaps last ~0.6 s), not a cable out
OPTIC_BLINK_S = 1.5
_ZEBRA_TIME = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) .*ZEBRA_INTERFACE_(DOWN|UP) (\S+)")


def _carrier_losses(s: Survey, e: LinkEnd) -> list[float]:
    """How long each completed down-up of one port in the window lasted: from zebra's own log
    lines (millisecond times in the message) when it logs them, else the kernel's record."""
    marks: list[tuple[float, bool]] = []
    for ln in s.logs:
        m = _ZEBRA_TIME.match(ln.message)
        if ln.device == e.device and ln.ts >= s.window.start - 1 and m and m.group(3) == e.interface:
            at = datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
            marks.append((at, m.group(2) == "UP"))
    if not marks:
        head = f"{e.interface}: link state changed from "
        marks = [
            (ln.ts, ln.message.endswith("to up"))
            for ln in s.logs
            if ln.device == e.device and ln.ts >= s.window.start and ln.message.startswith(head)
        ]
    out, down = [], None
    for at, up in sorted(marks):
        if not up:
            down = at if down is None else down
        elif down is not None:
            out.append(at - down)
            down = None
    return out


def _both_lost_carrier(s: Survey, a: LinkEnd, b: LinkEnd) -> bool:
    return all(
        any(m.endswith("to no-carrier") for m in _kernel_link_events(s, e.device, e.interface))
        for e in (a, b)
    )


def mtu_findings(s: Survey) -> list[Finding]:
    mtus = Counter(p.mtu for p in (*s.ports, *s.host_ports) if p.mtu and p.name != "lo")
    usual = mtus.most_common(1)[0][0] if mtus else 1500
    df = s.symptoms.summary.mtu_df_failure
    out = []
    for link in s.topology.links:
        pa, pb = s.port(link.a.device, link.a.interface), s.port(link.b.device, link.b.interface)
        if pa is None or pb is None or not pa.mtu or not pb.mtu or pa.mtu == pb.mtu:
            continue
        odd = pa if pa.mtu != usual else pb
        other = pb if odd is pa else pa
        ev = (
            f"MTU {odd.device}:{odd.name} = {odd.mtu} but {other.device}:{other.name} = {other.mtu} "
            f"(every other port uses {usual})",
            f"ping mesh: {df} host pairs lose don't-fragment probes",
        )
        out.append(
            Finding(
                fault_type="mtu_mismatch",
                device=odd.device,
                interface=odd.name,
                score=0.95 if df else 0.85,
                evidence=ev,
            )
        )
    return out
