"""One-way timing of slow links: which direction holds a delay (a queue builds in the loaded
direction; one fibre's delay shows one way; a link slow of itself is slow both ways)."""

from __future__ import annotations

from ._collect import Survey, _Caller
from ._physical import LinkProbe, physical_findings
from ._recording import ToolCaller

__all__ = ["time_slow_links"]


def time_slow_links(tools: ToolCaller, s: Survey, probes: list[LinkProbe]) -> list[LinkProbe]:
    """A slow link's delay split by direction: a ping with IP timestamps across it (every device
    reads one clock, so the stamps of the two ends compare directly)."""
    call = _Caller(tools, s)
    out = []
    for p in probes:
        # only a link whose evidence says "slow" and nothing more (not corruption), or a busy one
        # whose wait may be a queue, or a delay of its own on a link that happens to be busy, or a
        # slow one whose gap may be queue drops or a delayed wire's frames in flight
        kinds = [f.fault_type for f in physical_findings(s, [p])]
        if kinds not in (["high_latency"], ["capacity_degradation"]) and (
            kinds != ["congestion"] or p.loss_pct > 0
        ):
            out.append(p)
            continue
        peer_dev, peer_itf = p.peer.split(":", 1)
        ip = s.topology.device(peer_dev).interface(peer_itf).address.split("/")[0]
        answer = call("ping_test", src=p.device, dst_ip=ip, count=3, timestamps=True)
        there = answer.get("one_way_there_ms") if isinstance(answer, dict) else None
        back = answer.get("one_way_back_ms") if isinstance(answer, dict) else None
        if isinstance(there, int | float) and isinstance(back, int | float):
            p = p.model_copy(update={"there_ms": float(there), "back_ms": float(back)})
            s.steps.append(
                f"one-way timing {p.device}:{p.interface} -> {p.peer}: {there:g} ms, back {back:g} ms"
            )
        out.append(p)
    return out
