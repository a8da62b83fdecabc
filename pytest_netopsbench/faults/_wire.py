"""Physical-layer impairments on the lab's hidden wire (``runtime/netns/_wire.py``).

A fault here changes what the link does, never a device: loss and the 5-tuple drop are nftables
``bridge`` rules in the wire namespace, delay/jitter/corruption the NFQUEUE shaper bound to a queue
in that namespace (iptables ``physdev`` on the bridge port), a cut cable both wire ports down.
Every device's ruleset, qdiscs and process list stay those of a healthy lab; what shows is what
a real operator sees: the ping mesh, a TX/RX gap between the two ends, checksum errors, carrier.

Direction: "the target end's egress" is the frames ``device:interface`` sends, i.e. those entering
the wire at ``wire.port(device, interface)``.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import CapabilityError, FaultError
from ..runtime import Lab
from ..runtime.netns import Wire
from ._impair import Impairment, ImpairSpec

__all__ = [
    "WireImpairment",
    "has_wire",
    "port_counters",
    "propagate_carrier",
    "remove_wire_table",
    "set_cable",
    "wire_drop_rule",
    "wire_drops",
    "wire_of",
]


def has_wire(lab: Lab) -> bool:
    return isinstance(getattr(lab, "wire", None), Wire)


def wire_of(lab: Lab) -> Wire:
    wire = getattr(lab, "wire", None)
    if not isinstance(wire, Wire):
        raise CapabilityError(
            f"the {getattr(lab, 'backend', '?')} backend has no hidden wire between devices"
        )
    return wire


def _check(wire: Wire, argv: list[str], *, input: str | None = None) -> str:
    res = wire.exec(argv, input=input)
    if not res.ok:
        raise FaultError(f"wire: `{' '.join(argv)}` exited {res.returncode}: {res.stderr.strip()[:300]}")
    return res.stdout


def _table(wire: Wire, device: str, interface: str, kind: str) -> str:
    return f"{kind}{wire.slot(device, interface)}"


def wire_drop_rule(wire: Wire, device: str, interface: str, kind: str, match: str) -> None:
    """Drop what ``match`` selects among the frames ``device:interface`` sends (one table per
    kind and link end, so faults on different links never touch each other)."""
    table = _table(wire, device, interface, kind)
    remove_wire_table(wire, device, interface, kind)
    port = wire.port(device, interface)
    _check(
        wire,
        ["nft", "-f", "-"],
        input=(
            f"table bridge {table} {{\n  chain c {{\n"
            "    type filter hook forward priority 0; policy accept;\n"
            f'    iifname "{port}" {match} counter drop\n  }}\n}}\n'
        ),
    )


def remove_wire_table(wire: Wire, device: str, interface: str, kind: str) -> None:
    table = _table(wire, device, interface, kind)
    if wire.exec(["nft", "list", "table", "bridge", table]).ok:
        _check(wire, ["nft", "delete", "table", "bridge", table])


def wire_drops(wire: Wire, device: str, interface: str, kind: str) -> int:
    """Packets the wire dropped for one fault so far (for the harness's verify, never the agent)."""
    res = wire.exec(["nft", "-j", "list", "table", "bridge", _table(wire, device, interface, kind)])
    if not res.ok:
        return 0
    return sum(
        int(e["counter"]["packets"])
        for item in json.loads(res.stdout or "{}").get("nftables", [])
        for e in (item.get("rule") or {}).get("expr", [])
        if "counter" in e
    )


def set_cable(wire: Wire, device: str, interface: str, up: bool) -> None:
    """Both wire ports of the link down (a cut cable: both ends lose carrier) or up again."""
    state = "up" if up else "down"
    batch = "".join(
        f"link set {p} {state}\n" for p in (wire.port(device, interface), wire.far_port(device, interface))
    )
    _check(wire, ["ip", "-batch", "-"], input=batch)


def propagate_carrier(wire: Wire, device: str, interface: str, up: bool) -> None:
    """The far end's carrier follows the admin state of ``device:interface`` (as light does)."""
    _check(wire, ["ip", "link", "set", wire.far_port(device, interface), "up" if up else "down"])


def port_counters(lab: Lab, device: str, interface: str) -> dict[str, Any]:
    """``ip -s link`` statistics of a device port, as the device itself reports them."""
    res = lab.exec(device, ["ip", "-s", "-j", "link", "show", "dev", interface], timeout=5.0)
    rows = json.loads(res.stdout or "[]") if res.ok else []
    stats = rows[0].get("stats64", {}) if rows else {}
    return {"rx": stats.get("rx", {}), "tx": stats.get("tx", {})}


class WireImpairment(Impairment):
    """Loss (nftables) or delay/jitter/corruption (the NFQUEUE shaper) on one direction of a wire."""

    def __init__(
        self, wire: Wire, device: str, interface: str, spec: ImpairSpec, backend: str = "auto"
    ) -> None:
        shaped = bool(spec.delay_ms or spec.jitter_ms or spec.corrupt_pct) or backend == "nfqueue"
        super().__init__(device, interface, spec, "nfqueue" if shaped else "nft")
        self.wire = wire
        self.port = wire.port(device, interface)
        self._queue = 1 + wire.slot(device, interface)

    def _shaper_netns(self, lab: Lab) -> str:
        return self.wire.ns

    def _queue_rule(self, op: str) -> list[str]:
        return [
            "iptables",
            op,
            "FORWARD",
            "-m",
            "physdev",
            "--physdev-in",
            self.port,
            "-j",
            "NFQUEUE",
            "--queue-num",
            str(self._queue),
            "--queue-bypass",
        ]

    def install(self, lab: Lab) -> None:
        if self.backend == "nft":
            match = f"numgen random mod 100 < {round(self.spec.loss_pct)}"
            wire_drop_rule(self.wire, self.device, self.interface, "loss", match)
            return
        self._start_shaper(lab)
        _check(self.wire, self._queue_rule("-A"))

    def remove(self, lab: Lab) -> None:
        remove_wire_table(self.wire, self.device, self.interface, "loss")
        for _ in range(8):  # every copy (a retried inject may have added two)
            if not self.wire.exec(self._queue_rule("-D")).ok:
                break
        self._stop_shaper(lab)

    def describe(self) -> str:
        return f"{self.backend} on the wire of {self.device}:{self.interface} (egress)"
