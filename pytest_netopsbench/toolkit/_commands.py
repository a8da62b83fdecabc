"""The allow-list: every command a tool may run on a device, as a fixed template. Arguments are
validated values (addresses, prefixes, counts) filled into argv slots, never shell text."""

from __future__ import annotations

import re
from typing import Literal

from ..errors import DeviceError, LabError, ToolInputError
from ..runtime import Lab

__all__ = ["ALLOWED_EXEC", "ALLOWED_VTY", "Commands"]

Daemon = Literal["zebra", "bgpd"]

# vty templates: (daemon, command); {ip} and {prefix} are filled with validated values only
ALLOWED_VTY: dict[str, tuple[Daemon, str]] = {
    "bgp_summary": ("bgpd", "show bgp ipv4 unicast summary json"),
    "bgp_neighbor": ("bgpd", "show bgp neighbors {ip} json"),
    "bgp_rib": ("bgpd", "show bgp ipv4 unicast json"),
    "bgp_prefix": ("bgpd", "show bgp ipv4 unicast {prefix} json"),
    "route_table": ("zebra", "show ip route json"),
    "route_prefix": ("zebra", "show ip route {prefix} json"),
}

# argv templates run inside a device's namespace
ALLOWED_EXEC: dict[str, tuple[str, ...]] = {
    "links": ("ip", "-j", "-s", "link", "show"),
    "addresses": ("ip", "-j", "addr", "show"),
    "kernel_routes": ("ip", "-j", "route", "show", "table", "main"),
    "nft": ("nft", "list", "ruleset"),
    "iptables": ("iptables-save", "-c"),
    "qdiscs": ("tc", "-s", "-j", "qdisc", "show"),
    "carrier_changes": ("cat",),  # followed by /sys/class/net/<validated interface>/carrier_changes
    "ping": ("ping", "-n", "-c", "{count}", "-i", "0.2", "-W", "1"),
    "traceroute": ("traceroute", "-n", "-q", "1", "-w", "1", "-m", "8"),
}


NO_DAEMON = "no response from the routing daemon (timed out)"
NO_RESPONSE = "no response (timed out)"
# What a real device's error never contains: a path, or a word of the harness.
_NOT_DEVICE_TEXT = re.compile(
    r"/|netns|netopsbench|\bnob-|harness|\blab\b|vty|fault|inject|timed out after", re.IGNORECASE
)


def device_text(text: str, lab_name: str) -> str | None:
    """``text`` (a command's stderr) when it reads like the device's own message, else None."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")[:200]
    if not first or lab_name in first or _NOT_DEVICE_TEXT.search(first):
        return None
    return first


class Commands:
    """Runs allow-listed commands; every failure comes out as a :class:`DeviceError` worded like
    the device's (the runtime's own errors name sockets, namespaces and steps, which would tell an
    agent it is on a harness and, on a fault, which part of it failed)."""

    def __init__(self, lab: Lab, timeout: float) -> None:
        self.lab, self.timeout = lab, timeout

    def vty(self, device: str, key: str, **values: str) -> str:
        if key not in ALLOWED_VTY:
            raise ToolInputError(f"command {key!r} is not on the allow-list")
        daemon, template = ALLOWED_VTY[key]
        try:
            return self.lab.vty_show(device, template.format(**values), daemon=daemon, timeout=self.timeout)
        except LabError as exc:
            problem = _vty_problem(str(exc))
        raise DeviceError(device, problem)  # outside the except: no chained harness error

    def running_config(self, device: str) -> str:
        # ``show running-config`` needs vtysh to merge the daemons' views; it is the one vtysh call
        try:
            return self.lab.vtysh(device, ["show running-config"], timeout=self.timeout)
        except LabError:
            pass
        raise DeviceError(device, NO_DAEMON)

    def exec(
        self, device: str, key: str, *extra: str, count: int | None = None, timeout: float | None = None
    ) -> str:
        if key not in ALLOWED_EXEC:
            raise ToolInputError(f"command {key!r} is not on the allow-list")
        argv = [a.format(count=count) if "{count}" in a else a for a in ALLOWED_EXEC[key]]
        try:
            res = self.lab.exec(device, [*argv, *extra], timeout=timeout or self.timeout)
        except LabError:
            res = None
        if res is None:
            raise DeviceError(device, NO_RESPONSE)
        if not res.ok and not res.stdout.strip():
            said = None if res.returncode == 124 else device_text(res.stderr or "", self.lab.name)
            raise DeviceError(device, f"{argv[0]}: {said}" if said else NO_RESPONSE)
        return res.stdout


def _vty_problem(message: str) -> str:
    """The device's wording of a vty failure: a rejected command keeps the daemon's reply, an
    unreachable or silent daemon is a timeout."""
    rejected = re.match(r"'[^']*' failed: ([^:;]+)", message)
    if rejected and "/" not in rejected[1]:
        return f"% {rejected[1]}"
    return NO_DAEMON
