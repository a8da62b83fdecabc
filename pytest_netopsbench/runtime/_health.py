"""Convergence checks shared by every backend (netns, containerlab): BGP sessions, kernel FIB
with full ECMP, host-to-host mesh.

Cheapest first: BGP state comes over the vty sockets without forking; the FIB costs one ``ip`` per
leaf; the ping mesh one ``fping`` per host, all in parallel, and the UDP mesh no process at all
(sockets opened in the hosts' namespaces). A lab that answers pings but drops UDP is not healthy:
the evidence mesh, iperf3 and traceroute all use UDP or TCP.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import subprocess
import time
from typing import Protocol

from ..errors import LabError, NetopsbenchError
from ..topology import Device, Topology
from ._nsenter import open_socket
from ._protocol import HealthReport

__all__ = [
    "HealthProbe",
    "check_bgp",
    "check_fib",
    "check_mesh",
    "check_udp_mesh",
    "collect_health",
    "wait_for_health",
]

_FPING_LINE = re.compile(r"^(\S+)\s*:\s*xmt/rcv/%loss = (\d+)/(\d+)/")


class HealthProbe(Protocol):
    """What the checks need from a lab (kept narrow so any backend with namespaces can reuse them)."""

    topology: Topology

    def ns(self, device: str) -> str: ...

    def vty_show(self, device: str, command: str, *, daemon: str = "zebra", timeout: float = 5.0) -> str: ...


def expected_peers(topo: Topology, device: str) -> set[str]:
    dev = topo.device(device)
    return {
        topo.device(i.peer_device).interface(i.peer_interface).ip
        for i in dev.interfaces
        if topo.device(i.peer_device).is_switch
    }


def check_bgp(lab: HealthProbe) -> tuple[int, int, list[str]]:
    """(expected, established, problems) over every switch's sessions."""
    expected = established = 0
    problems: list[str] = []
    for dev in lab.topology.switches:
        want = expected_peers(lab.topology, dev.name)
        expected += len(want)
        try:
            text = lab.vty_show(dev.name, "show bgp ipv4 unicast summary json", daemon="bgpd")
            data = json.loads(text or "{}")
        except (LabError, json.JSONDecodeError) as exc:
            problems.append(f"{dev.name}: BGP summary unavailable ({exc})")
            continue
        peers = data.get("ipv4Unicast", data).get("peers", {})
        for ip in sorted(want):
            state = peers.get(ip, {}).get("state", "absent")
            if state == "Established":
                established += 1
            else:
                problems.append(f"{dev.name}: BGP peer {ip} is {state}")
    return expected, established, problems


def _leaf_routes(lab: HealthProbe, leaves: list[str]) -> dict[str, subprocess.Popen[str]]:
    return {
        leaf: subprocess.Popen(
            ["ip", "-n", lab.ns(leaf), "-j", "route", "show", "proto", "bgp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for leaf in leaves
    }


def check_fib(lab: HealthProbe) -> list[str]:
    """Problems with any leaf's kernel routes to remote host subnets (one next hop per spine)."""
    topo = lab.topology
    spines = len(topo.spines)
    problems: list[str] = []
    procs = _leaf_routes(lab, [leaf.name for leaf in topo.leaves])
    for leaf, proc in procs.items():
        out, _ = proc.communicate(timeout=20)
        try:
            routes = {r["dst"]: r for r in json.loads(out or "[]")}
        except json.JSONDecodeError:
            problems.append(f"{leaf}: unreadable kernel routes")
            continue
        for host in topo.hosts:
            if host.leaf == leaf or host.subnet is None:
                continue
            route = routes.get(host.subnet)
            if route is None:
                problems.append(f"{leaf}: no kernel route to {host.subnet}")
                continue
            hops = len(route.get("nexthops", [])) or (1 if "gateway" in route else 0)
            if hops != spines:
                problems.append(f"{leaf}: {host.subnet} has {hops} next hops, expected {spines}")
    return problems


def check_mesh(lab: HealthProbe, *, timeout_ms: int = 300) -> list[str]:
    """Every host reaches every other: one fping per source host, all in parallel.

    An echo and its reply cross the fabric in both directions, so each pair is probed once (host i
    pings hosts j > i), half the probes of a full mesh.
    """
    hosts = lab.topology.hosts
    if len(hosts) < 2:
        return []
    procs = {}
    for i, h in enumerate(hosts[:-1]):
        targets = [o.host_ip for o in hosts[i + 1 :]]
        procs[h.name] = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                lab.ns(h.name),
                "fping",
                "-q",
                "-c",
                "1",
                "-t",
                str(timeout_ms),
                "-i",
                "1",
                "-p",
                "20",
                *targets,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    problems: list[str] = []
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=30)
        if proc.returncode == 0:
            continue
        lost = [
            m.group(1) for line in err.splitlines() if (m := _FPING_LINE.match(line)) and m.group(3) == "0"
        ]
        detail = ", ".join(lost[:5]) + (" ..." if len(lost) > 5 else "") if lost else err.strip()[:200]
        problems.append(f"{name}: cannot reach {detail}")
    return problems


# A UDP datagram to a closed port comes back as ICMP port-unreachable, which a connected UDP socket
# reports as ECONNREFUSED: an answer from the far host's kernel, with no responder to run. Sockets
# are opened inside each source host's namespace and driven from here (no process per host, no
# argv in /proc). Three tries: a burst may exceed a host's ICMP burst allowance (labs lift the rate
# limits, not the burst) or lose a datagram.
_UDP_PORT = 33533


def check_udp_mesh(lab: HealthProbe, *, timeout_ms: int = 300, batch: int = 256) -> list[str]:
    """Every host's UDP reaches every other host (each pair in one direction, like
    :func:`check_mesh`), at most ``batch`` sockets open at a time (an xl fabric has 8,128 pairs)."""
    hosts = lab.topology.hosts
    # several flows (source ports) per pair: switches hash UDP on the 5-tuple, so one flow crosses
    # one spine and would miss a filter on another
    flows = min(16, 4 * max(1, len(lab.topology.spines)))
    pairs = [(h, o) for i, h in enumerate(hosts[:-1]) for o in hosts[i + 1 :] for _ in range(flows)]
    missed: dict[str, list[str]] = {}
    try:
        for k in range(0, len(pairs), batch):
            for src, dst in _udp_batch(lab, pairs[k : k + batch], timeout_ms / 1000):
                if dst not in missed.setdefault(src, []):
                    missed[src].append(dst)
    except NetopsbenchError as exc:  # a namespace that cannot be entered
        return [f"UDP mesh not checked: {exc}"]
    return [f"{src}: UDP to {', '.join(dsts[:5])} unanswered" for src, dsts in missed.items()]


def _udp_batch(lab: HealthProbe, pairs: list[tuple[Device, Device]], timeout: float) -> list[tuple[str, str]]:

    pending: dict[socket.socket, tuple[str, str]] = {}
    try:
        for src, dst in pairs:
            sock = open_socket(lab.ns(src.name))
            pending[sock] = (src.name, dst.host_ip or "")
            sock.setblocking(False)
            sock.connect((dst.host_ip or "", _UDP_PORT))
        for _ in range(3):
            for sock in pending:
                with contextlib.suppress(OSError):
                    sock.send(b"probe")
            deadline = time.monotonic() + timeout
            while pending and time.monotonic() < deadline:
                ready, _, _ = select.select(list(pending), [], [], max(0.0, deadline - time.monotonic()))
                for sock in ready:
                    try:
                        sock.recv(64)
                    except ConnectionRefusedError:
                        pass  # the far kernel's port-unreachable: reached
                    except OSError:
                        continue  # another ICMP error (host or net unreachable): not reached
                    del pending[sock]
                    sock.close()
        return sorted(pending.values())
    finally:
        for sock in pending:
            sock.close()


def collect_health(lab: HealthProbe, *, mesh: bool = True) -> HealthReport:
    t0 = time.monotonic()
    expected, established, problems = check_bgp(lab)
    fib_problems = check_fib(lab)
    mesh_problems = check_mesh(lab) if mesh else ["mesh not checked"]
    if mesh and not mesh_problems:
        mesh_problems = check_udp_mesh(lab)
    problems += fib_problems + (mesh_problems if mesh else [])
    return HealthReport(
        healthy=established == expected and not fib_problems and not mesh_problems,
        bgp_expected=expected,
        bgp_established=established,
        fib_complete=not fib_problems,
        reachability_ok=not mesh_problems,
        problems=problems,
        seconds=time.monotonic() - t0,
    )


def wait_for_health(lab: HealthProbe, timeout: float, *, interval: float | None = None) -> HealthReport:
    """Poll until healthy or ``timeout``; returns the last report either way (never raises).

    Staged so the expensive checks only run once the cheap ones pass: BGP, then FIB, then mesh.
    """
    if interval is None:
        # Polling competes with the converging daemons for CPU; back off on bigger fabrics.
        interval = 0.05 if len(lab.topology.switches) <= 6 else 0.1
    t0 = time.monotonic()
    deadline = t0 + timeout
    report = HealthReport(healthy=False, problems=["not checked yet"])
    while True:
        expected, established, problems = check_bgp(lab)
        fib_ok = mesh_ok = False
        if established == expected:
            fib_problems = check_fib(lab)
            problems += fib_problems
            fib_ok = not fib_problems
            if fib_ok:
                mesh_problems = check_mesh(lab)
                if not mesh_problems:
                    mesh_problems = check_udp_mesh(lab)
                problems += mesh_problems
                mesh_ok = not mesh_problems
        report = HealthReport(
            healthy=established == expected and fib_ok and mesh_ok,
            bgp_expected=expected,
            bgp_established=established,
            fib_complete=fib_ok,
            reachability_ok=mesh_ok,
            problems=problems,
            seconds=time.monotonic() - t0,
        )
        if report.healthy or time.monotonic() >= deadline:
            return report
        time.sleep(interval)
