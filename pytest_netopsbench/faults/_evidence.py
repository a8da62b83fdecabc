"""How faults find their symptom: which host pairs a place affects, what the ping mesh recorded for
them, and operator-style probes across one link when no mesh evidence is at hand."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..topology import Device, Role, Topology

if TYPE_CHECKING:
    from ..evidence import Window

__all__ = [
    "Findings",
    "MeshFinding",
    "hosts_behind",
    "hosts_near",
    "mesh_symptoms",
    "pairs_crossing",
    "pairs_through_device",
    "pairs_toward",
]

Pair = tuple[str, str]


def _hosts_on(topo: Topology, leaf: str) -> list[str]:
    return [h.name for h in topo.hosts if h.leaf == leaf]


def hosts_behind(topo: Topology, device: str, interface: str) -> list[str]:
    """Hosts a packet leaving ``device`` through ``interface`` can be heading for."""
    dev = topo.device(device)
    peer = topo.device(dev.interface(interface).peer_device)
    if peer.role is Role.HOST:
        return [peer.name]
    if dev.role is Role.HOST:
        return [h.name for h in topo.hosts if h.name != dev.name]
    if dev.role is Role.SPINE:  # spine -> leaf
        return _hosts_on(topo, peer.name)
    return [h.name for h in topo.hosts if h.leaf != dev.name]  # leaf uplink -> every remote host


def hosts_near(topo: Topology, device: str, interface: str) -> list[str]:
    """Hosts whose traffic enters ``device`` from its other ports and can leave through ``interface``."""
    behind = set(hosts_behind(topo, device, interface))
    dev = topo.device(device)
    if dev.role is Role.LEAF and dev.interface(interface).kind == "uplink":
        return _hosts_on(topo, dev.name)
    return [h.name for h in topo.hosts if h.name not in behind]


def pairs_crossing(topo: Topology, device: str, interface: str) -> set[Pair]:
    """Ordered host pairs whose probes can cross the link on ``device:interface`` (either direction)."""
    near, far = hosts_near(topo, device, interface), hosts_behind(topo, device, interface)
    return {(a, b) for a in near for b in far} | {(b, a) for a in near for b in far}


def pairs_through_device(topo: Topology, device: str) -> set[Pair]:
    dev = topo.device(device)
    hosts = [h.name for h in topo.hosts]
    if dev.role is Role.SPINE:
        leaf = {h.name: h.leaf for h in topo.hosts}
        return {(a, b) for a in hosts for b in hosts if leaf[a] != leaf[b]}
    mine = set(_hosts_on(topo, device)) if dev.role is Role.LEAF else {device}
    return {(a, b) for a in hosts for b in hosts if a != b and (a in mine or b in mine)}


def pairs_toward(topo: Topology, targets: Iterable[str], sources: Iterable[str] | None = None) -> set[Pair]:
    """Pairs between ``targets`` and ``sources`` (default: every other host), both directions."""
    tset = set(targets)
    srcs = [h.name for h in topo.hosts if h.name not in tset] if sources is None else list(sources)
    return {(s, t) for s in srcs for t in tset if s != t} | {(t, s) for s in srcs for t in tset if s != t}


def hosts_in(topo: Topology, prefix: str) -> list[Device]:
    import ipaddress

    net = ipaddress.ip_network(prefix, strict=False)
    return [h for h in topo.hosts if ipaddress.ip_address(h.host_ip) in net]


class MeshFinding(BaseModel):
    """What the ping mesh recorded in a window for the pairs a fault should affect."""

    available: bool
    pairs_probed: int = 0
    lossy: list[str] = Field(default_factory=list)
    slow: list[str] = Field(default_factory=list)
    df_lossy: list[str] = Field(default_factory=list)
    note: str = ""


def mesh_symptoms(
    store: Any,
    window: Window | None,
    pairs: set[Pair],
    *,
    slow_ms: float | None = None,
) -> MeshFinding:
    """Read ``store.pair_stats(window)`` for ``pairs``; ``available=False`` when there is no store or
    no probe of those pairs in the window (the caller then probes itself)."""
    if store is None or window is None or not hasattr(store, "pair_stats"):
        return MeshFinding(available=False, note="no ping-mesh evidence store")
    rows = [r for r in store.pair_stats(window) if (r.src, r.dst) in pairs and r.sent > 0]
    if not rows:
        return MeshFinding(
            available=False, note=f"ping mesh has no probes of the {len(pairs)} affected pairs"
        )
    out = MeshFinding(available=True, pairs_probed=len(rows))
    for r in rows:
        tag = f"{r.src}->{r.dst}"
        # One lost probe is what a busy 2-core host drops now and then; a symptom is a pattern.
        if r.lost >= 2 or r.lost == r.sent:
            out.lossy.append(f"{tag} {r.loss_pct:.0f}% loss ({r.lost}/{r.sent})")
        worst = max(r.rtt_avg_ms or 0.0, r.rtt_p99_ms or 0.0)
        if slow_ms is not None and r.rtt_avg_ms is not None and worst >= slow_ms:
            out.slow.append(f"{tag} rtt avg {r.rtt_avg_ms:.1f} ms p99 {r.rtt_p99_ms or 0:.1f} ms")
        if r.df_lost >= 2 or r.df_lost == r.df_sent:
            out.df_lossy.append(f"{tag} {r.df_loss_pct:.0f}% loss of don't-fragment probes")
    return out


class Findings:
    """Collects evidence lines and whether the data plane and the device state each show the symptom."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.data_plane = False
        self.state = False

    def add(self, line: str, *, data_plane: bool = False, state: bool = False) -> None:
        self.lines.append(line)
        self.data_plane |= data_plane
        self.state |= state

    def mesh(self, finding: MeshFinding, *, loss: bool = False, slow: bool = False, df: bool = False) -> bool:
        """Record mesh evidence; True when it shows the requested symptom."""
        if not finding.available:
            self.lines.append(finding.note)
            return False
        hits = [
            *(finding.lossy if loss else []),
            *(finding.slow if slow else []),
            *(finding.df_lossy if df else []),
        ]
        if hits:
            shown = "; ".join(hits[:6]) + (f" (+{len(hits) - 6} more)" if len(hits) > 6 else "")
            self.add(f"ping mesh: {shown}", data_plane=True)
            return True
        self.lines.append(f"ping mesh: {finding.pairs_probed} affected pairs probed, none shows it")
        return False
