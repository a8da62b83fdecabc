"""Input checks for every tool argument. Tools are read-only and take names and addresses, never
commands: anything that looks like shell or CLI syntax is refused before a name lookup even runs."""

from __future__ import annotations

import ipaddress
import re

from ..errors import ToolInputError
from ..topology import Device, Topology

__all__ = ["LAB_SPACE", "Guard"]

LAB_SPACE = ipaddress.ip_network("198.18.0.0/15")

_META = re.compile(r"[;&|$`<>\\\n\r\t\x00(){}\[\]!*?'\"]")
# CLI words that change state; none of them is a device, interface, prefix or section name
_CONFIG_WORDS = re.compile(
    r"\b(conf(ig(ure)?)?|write|wr|copy|clear|delete|no|shutdown|reload|rm|sudo|exec|set|del|flush|kill)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class Guard:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology

    @staticmethod
    def plain(arg: str, value: object) -> str:
        """A plain token: no metacharacters, no state-changing CLI words, no whitespace tricks."""
        if not isinstance(value, str):
            raise ToolInputError(f"argument {arg!r} must be a string, got {type(value).__name__}")
        if m := _META.search(value):
            raise ToolInputError(
                f"argument {arg!r} contains {m.group(0)!r}: tools take plain names and addresses, "
                f"not commands; refused"
            )
        if m := _CONFIG_WORDS.search(value):
            raise ToolInputError(
                f"argument {arg!r} contains the command word {m.group(0)!r}: the tools are read-only; refused"
            )
        return value.strip()

    def device(self, value: object, arg: str = "device", *, switch: bool = False) -> Device:
        name = self.plain(arg, value)
        if not _NAME.fullmatch(name) or not self.topology.has_device(name):
            known = ", ".join(d.name for d in self.topology.devices[:12])
            raise ToolInputError(
                f"argument {arg!r}: no device {name!r} in this network (devices: {known}"
                f"{', ...' if len(self.topology.devices) > 12 else ''})"
            )
        dev = self.topology.device(name)
        if switch and not dev.is_switch:
            raise ToolInputError(
                f"argument {arg!r}: {name} is a host and runs no routing daemons; use a leaf or spine"
            )
        return dev

    def interface(self, device: Device, value: object, arg: str = "interface") -> str:
        name = self.plain(arg, value)
        names = [i.name for i in device.interfaces]
        if name not in names:
            raise ToolInputError(
                f"argument {arg!r}: {device.name} has no interface {name!r} (it has {', '.join(names)})"
            )
        return name

    def address(self, value: object, arg: str = "dst_ip") -> str:
        text = self.plain(arg, value)
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise ToolInputError(f"argument {arg!r}: {text!r} is not an IPv4 address") from None
        if ip not in LAB_SPACE:
            raise ToolInputError(f"argument {arg!r}: {ip} is outside this network ({LAB_SPACE}); refused")
        return str(ip)

    def prefix(self, value: object, arg: str = "prefix") -> str:
        text = self.plain(arg, value)
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ToolInputError(f"argument {arg!r}: {text!r} is not an IPv4 prefix or address") from None
        if net.version != 4:
            raise ToolInputError(f"argument {arg!r}: only IPv4 prefixes exist in this network")
        return str(net) if "/" in text else str(net.network_address)

    @staticmethod
    def count(value: object, arg: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ToolInputError(f"argument {arg!r} must be an integer between {lo} and {hi}")
        if not lo <= value <= hi:
            raise ToolInputError(f"argument {arg!r} is {value}; allowed range is {lo}..{hi}")
        return value

    @staticmethod
    def choice(value: object, arg: str, allowed: tuple[str, ...]) -> str:
        text = Guard.plain(arg, value).lower()
        if text not in allowed:
            raise ToolInputError(f"argument {arg!r}: {text!r} is not one of {', '.join(allowed)}")
        return text

    @staticmethod
    def timestamp(value: object, arg: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ToolInputError(f"argument {arg!r} must be epoch seconds (a number)")
        if not 1e9 <= float(value) <= 1e10:
            raise ToolInputError(f"argument {arg!r}: {value} is not a plausible epoch time in seconds")
        return float(value)
