"""The allow-list: every command a tool may run on a device, as a fixed template. Arguments are
validated values (addresses, prefixes, counts) filled into argv slots, never shell text."""

from __future__ import annotations

from typing import Literal

from ..errors import LabError, ToolInputError
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


class Commands:
    def __init__(self, lab: Lab, timeout: float) -> None:
        self.lab, self.timeout = lab, timeout

    def vty(self, device: str, key: str, **values: str) -> str:
        if key not in ALLOWED_VTY:
            raise ToolInputError(f"command {key!r} is not on the allow-list")
        daemon, template = ALLOWED_VTY[key]
        try:
            return self.lab.vty_show(device, template.format(**values), daemon=daemon, timeout=self.timeout)
        except LabError as exc:
            # Say what vtysh tells an operator, not the lab's socket paths (they name the harness).
            text = str(exc)
            if "no reply" in text:
                raise LabError(f"{daemon} did not answer within {self.timeout:g}s", device=device) from None
            if "not reachable" in text or "refused" in text.lower():
                raise LabError(f"{daemon} is not running", device=device) from None
            raise

    def running_config(self, device: str) -> str:
        # ``show running-config`` needs vtysh to merge the daemons' views; it is the one vtysh call
        return self.lab.vtysh(device, ["show running-config"], timeout=self.timeout)

    def exec(
        self, device: str, key: str, *extra: str, count: int | None = None, timeout: float | None = None
    ) -> str:
        if key not in ALLOWED_EXEC:
            raise ToolInputError(f"command {key!r} is not on the allow-list")
        argv = [a.format(count=count) if "{count}" in a else a for a in ALLOWED_EXEC[key]]
        res = self.lab.exec(device, [*argv, *extra], timeout=timeout or self.timeout)
        if not res.ok and not res.stdout.strip():
            raise LabError(f"{argv[0]} failed: {(res.stderr or '').strip()[:200]}", device=device)
        return res.stdout
