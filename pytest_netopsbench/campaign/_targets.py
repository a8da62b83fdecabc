"""Turning a variant's target selector and ``$`` parameters into concrete values on a topology."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..topology import Device, Interface, Role, Topology
from ._model import TargetSelector

__all__ = ["RESOLVERS", "Pick", "candidates", "resolve_params"]


@dataclass(frozen=True)
class Pick:
    """One concrete target: a device, maybe an interface, maybe a prefix."""

    device: str
    interface: str | None = None
    prefix: str | None = None
    #: how the prefix reads in a scenario id (the host behind it, e.g. ``h3`` or ``h3-net``)
    prefix_label: str = ""

    def as_target(self) -> dict[str, str]:
        out = {"device": self.device}
        if self.interface is not None:
            out["interface"] = self.interface
        if self.prefix is not None:
            out["prefix"] = self.prefix
        return out

    def label(self) -> str:
        parts = [self.device, self.interface or ""]
        if self.prefix is not None:
            parts.append(self.prefix_label or self.prefix.split("/")[0].replace(".", "-"))
        return "-".join(p for p in parts if p)


def _devices(topology: Topology, role: str) -> list[Device]:
    if role == "switch":
        return topology.switches
    return topology.by_role(Role(role))


def _interface_ok(device: Device, itf: Interface, selector: str) -> bool:
    fabric = itf.kind == "uplink" or (device.role is Role.SPINE and itf.kind == "downlink")
    host_port = device.role is Role.LEAF and itf.kind == "downlink"
    return {
        "uplink": itf.kind == "uplink",
        "downlink": itf.kind == "downlink",
        "fabric": fabric,
        "host": host_port,
        "any": True,
    }[selector]


def _prefixes(topology: Topology, device: str, selector: str) -> list[tuple[str, str]]:
    """(prefix, label) pairs: a host's /32 reads as the host, its subnet as ``<host>-net``."""
    own = selector == "own_host_subnet"
    hosts = [h for h in topology.hosts if (h.leaf == device) == own]
    if selector == "remote_host_address":
        return [(f"{h.host_ip}/32", h.name) for h in hosts]
    return [(h.subnet, f"{h.name}-net") for h in hosts if h.subnet]


def candidates(topology: Topology, selector: TargetSelector) -> list[Pick]:
    """Every concrete target the selector allows, in a stable order."""
    out: list[Pick] = []
    for device in _devices(topology, selector.role):
        itfs: list[str | None] = [None]
        if selector.interface is not None:
            itfs = [i.name for i in device.interfaces if _interface_ok(device, i, selector.interface)]
        prefixes: list[tuple[str | None, str]] = [(None, "")]
        if selector.prefix is not None:
            prefixes = list(_prefixes(topology, device.name, selector.prefix))
        out.extend(Pick(device.name, i, p, label) for i in itfs for p, label in prefixes)
    return out


@dataclass(frozen=True)
class _Context:
    topology: Topology
    pick: Pick
    rng: random.Random

    @property
    def device(self) -> Device:
        return self.topology.device(self.pick.device)

    def port(self) -> Interface:
        if self.pick.interface is None:
            # device-level targets that still need a neighbour (e.g. a BGP session) take one fabric port
            fabric = [i for i in self.device.interfaces if _interface_ok(self.device, i, "fabric")]
            return self.rng.choice(fabric)
        return self.device.interface(self.pick.interface)


def _peer_ip(ctx: _Context) -> str:
    port = ctx.port()
    return ctx.topology.device(port.peer_device).interface(port.peer_interface).ip


def _peer_device(ctx: _Context) -> str:
    return ctx.port().peer_device


def _remote_hosts(ctx: _Context) -> list[Device]:
    leaf = ctx.pick.device
    hosts = [h for h in ctx.topology.hosts if h.leaf != leaf]
    return hosts or list(ctx.topology.hosts)


def _own_hosts(ctx: _Context) -> list[Device]:
    hosts = [h for h in ctx.topology.hosts if h.leaf == ctx.pick.device]
    return hosts or list(ctx.topology.hosts)


def _subnet(host: Device) -> str:
    if host.subnet is None:
        raise ValueError(f"host {host.name} has no subnet")
    return host.subnet


#: ``$name`` parameter values and what they become
RESOLVERS: dict[str, Callable[[_Context], Any]] = {
    "peer_ip": _peer_ip,
    "peer_device": _peer_device,
    "remote_host_subnet": lambda ctx: _subnet(ctx.rng.choice(_remote_hosts(ctx))),
    "remote_host_ip": lambda ctx: ctx.rng.choice(_remote_hosts(ctx)).host_ip,
    "own_host_subnet": lambda ctx: _subnet(ctx.rng.choice(_own_hosts(ctx))),
    "own_host_ip": lambda ctx: ctx.rng.choice(_own_hosts(ctx)).host_ip,
    "target_prefix": lambda ctx: ctx.pick.prefix,
    # another host's name (for a fault on a host that involves a second one, e.g. a clashing address)
    "other_host": lambda ctx: (
        ctx.rng.choice([h for h in ctx.topology.hosts if h.name != ctx.pick.device]).name
    ),
}


def resolve_params(
    params: dict[str, Any], topology: Topology, pick: Pick, rng: random.Random
) -> dict[str, Any]:
    """Replace ``$name`` values with what ``RESOLVERS[name]`` computes for this target; a
    ``$peer_ip`` and ``$peer_device`` in one variant name the same neighbour."""
    # one port choice per variant instance, shared by every resolver that needs a neighbour
    state = rng.getstate()
    out: dict[str, Any] = {}
    for key in sorted(params):
        value = params[key]
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            if name not in RESOLVERS:
                raise ValueError(
                    f"unknown parameter placeholder {value!r}; known: "
                    + ", ".join(f"${n}" for n in RESOLVERS)
                )
            rng.setstate(state)
            out[key] = RESOLVERS[name](_Context(topology, pick, rng))
        else:
            out[key] = value
    return out
