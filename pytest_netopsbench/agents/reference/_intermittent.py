"""Looking again at a link whose history and live probe disagree: the window's counters show packets
sent and never received and the mesh's lossy flows lost only some of their probes, yet the pinned
ICMP probe across the link was clean. Either the loss comes and goes (the probe ran in a quiet
spell) or a member drops flows by hash and only those (ICMP always passes), on a schedule of its
own. More probes spread over time tell them apart: loss that comes and goes takes ICMP too once
it is back; a hash-based drop never does."""

from __future__ import annotations

from ._collect import Survey, _Caller
from ._physical import (
    BUSY_MBPS,
    DROPPING_PCT,
    SLOW_MS,
    LinkProbe,
    _busy,
    _has_gap,
    _loss_comes_and_goes,
    _ping,
)
from ._recording import ToolCaller

__all__ = ["ROUNDS", "reprobe_quiet_links"]

#: probe rounds in all (the first one included): each pings both ways (about 5 s), so three cover
#: two cycles of a 3 s on / 4 s off fault
ROUNDS = 3


def _quiet_but_gapped(s: Survey, p: LinkProbe) -> bool:
    link = s.topology.link_of(p.device, p.interface)
    clean = p.loss_pct < DROPPING_PCT and (p.rtt_avg_ms or 0.0) < SLOW_MS
    return clean and _has_gap(s, link) and _busy(s, link) < BUSY_MBPS and _loss_comes_and_goes(s)


def reprobe_quiet_links(tools: ToolCaller, s: Survey, probes: list[LinkProbe]) -> list[LinkProbe]:
    """``probes`` with the quiet-but-gapped links probed again (up to ``ROUNDS`` in all, stopping at
    a lossy round); a re-probed link keeps its worst round and counts its rounds."""
    call = _Caller(tools, s)
    out = []
    for p in probes:
        if not _quiet_but_gapped(s, p):
            out.append(p)
            continue
        peer_dev, peer_itf = p.peer.split(":")
        ends = ((p.device, p.interface), (peer_dev, peer_itf))
        addr = {dev: s.topology.device(dev).interface(itf).ip for dev, itf in ends}
        worst, rounds = p, 1
        while rounds < ROUNDS and worst.loss_pct < DROPPING_PCT:
            rounds += 1
            seen = [
                r
                for src, dst in ((p.device, peer_dev), (peer_dev, p.device))
                if (r := _ping(call, src, addr[dst]))
            ]
            rtts = [r for _, r, _ in seen if r is not None] + (
                [worst.rtt_avg_ms] if worst.rtt_avg_ms is not None else []
            )
            loss = max([worst.loss_pct, *(loss for loss, _, _ in seen)])
            worst = worst.model_copy(update={"loss_pct": loss, "rtt_avg_ms": max(rtts) if rtts else None})
        out.append(worst.model_copy(update={"rounds": rounds}))
        s.steps.append(
            f"{p.device}:{p.interface} probed {rounds} times over time (its counters and the mesh saw loss, "
            f"the first probe did not): worst {worst.loss_pct:g}% loss"
        )
    return out
