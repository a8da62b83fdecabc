"""Physical-layer rules: what an operator concludes about a link from evidence alone, with no rule or
qdisc to read (faults of the physical layer live on a wire no device shows).

1. Suspect links: a TX/RX gap between a link's two ends (one sent more than the other received),
   a link running far faster than the background traffic, and the links the ping mesh's bad paths
   share (leaf pairs and the spines their lossy flows crossed, or the hosts of the bad pairs).
2. Each suspect is probed on its own: a ping from each end to the other's address, pinned to that
   link because the address is directly connected.
3. The probe and the counters name the cause: slow -> latency (or congestion when the link also
   runs far above the background rate), lossy -> loss (corruption when receivers count checksum
   errors),
   clean probe but a gap that only TCP/UDP suffers -> an ECMP member dropping flows by hash.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ...topology import Link
from ._collect import Survey, _Caller
from ._facts import is_error
from ._recording import ToolCaller
from ._rules import Finding

__all__ = ["LinkProbe", "physical_findings", "probe_suspect_links", "suspect_links"]

#: a gap below this share of what was sent is sampling skew between the two devices' counters
GAP_SHARE = 0.04
GAP_MIN = 12
#: a link running this fast (Mbit/s) carries more than the paced background traffic (<= 20 Mbit/s
#: a flow); a congested link runs at its capacity
BUSY_MBPS = 30.0
SLOW_MS = 15.0
#: on a busy link, a probe this slow has waited in a queue (an idle link answers in < 1 ms; a loaded
#: host adds a few ms of scheduling noise)
QUEUED_MS = 8.0
LOSSY_PCT = 5.0
DROPPING_PCT = 10.0
MAX_PROBED = 6
PROBE_COUNT = 12


class LinkProbe(BaseModel):
    """Pings across one link from both ends: the worst of the two (what the evidence quotes), and
    what both agree on. An impairment of either direction of a link slows or drops every round
    trip whichever end starts it; a starved host's scheduling noise (one reply late past ping's
    final wait of two round trips: 1 of 12 lost, and one outlier lifting the average to tens of
    ms) hits one run, not both."""

    model_config = ConfigDict(frozen=True)
    device: str
    interface: str
    peer: str
    loss_pct: float
    rtt_avg_ms: float | None
    #: the lower of the two directions' figures; None when only one direction answered
    both_loss_pct: float | None = None
    both_rtt_ms: float | None = None

    @property
    def steady_rtt_ms(self) -> float | None:
        """The round trip both directions show (the worst one when only one was measured)."""
        return self.both_rtt_ms if self.both_rtt_ms is not None else self.rtt_avg_ms


def _gap(s: Survey, link: Link) -> tuple[int, int, float]:
    """Largest one-way gap on a link: (packets missing, packets sent, sender's Mbit/s)."""
    best = (0, 0, 0.0)
    for src, dst in ((link.a, link.b), (link.b, link.a)):
        tx, rx = s.counter(src.device, src.interface), s.counter(dst.device, dst.interface)
        if tx is None or rx is None:
            continue
        missing = tx.tx_packets - rx.rx_packets
        if missing > best[0]:
            best = (missing, tx.tx_packets, tx.tx_mbps)
    return best


def _has_gap(s: Survey, link: Link) -> bool:
    missing, sent, _ = _gap(s, link)
    return missing >= GAP_MIN and missing >= GAP_SHARE * max(sent, 1)


def _busy(s: Survey, link: Link) -> float:
    rates = [c.tx_mbps for e in link.ends() if (c := s.counter(e.device, e.interface)) is not None]
    return max(rates, default=0.0)


def suspect_links(s: Survey) -> list[Link]:
    """Links worth a pinned probe, most suspicious first."""
    topo = s.topology
    score: dict[int, float] = {}
    for n, link in enumerate(topo.links):
        if _has_gap(s, link):
            score[n] = score.get(n, 0.0) + 100
        if _busy(s, link) >= BUSY_MBPS:
            score[n] = score.get(n, 0.0) + 50
    # a switch that counted checksum errors received corrupted frames (its BGP session's) on a link
    corrupted = {d for d in _checksum_errors(s) if topo.device(d).is_switch}
    bad = [a for a in s.symptoms.anomalies if a.kind in ("packet_loss", "latency_spike", "jitter")]
    for n, link in enumerate(topo.links):
        if link.kind == "fabric" and corrupted & {link.a.device, link.b.device}:
            score[n] = score.get(n, 0.0) + 10
    for a in bad:
        spines = a.spines or [sp.name for sp in topo.spines]
        for n, link in enumerate(topo.links):
            devs = {link.a.device, link.b.device}
            if devs & {a.src, a.dst}:
                score[n] = score.get(n, 0.0) + 2
            for sp in spines:  # a path the bad flows crossed; spread when the mesh does not know which
                if devs in ({a.src_leaf, sp}, {a.dst_leaf, sp}):
                    score[n] = score.get(n, 0.0) + 4 / len(spines)
    ranked = [topo.links[n] for n, v in sorted(score.items(), key=lambda kv: -kv[1]) if v > 0]
    return ranked[:MAX_PROBED]


def _ping(call: _Caller, src: str, ip: str) -> tuple[float, float | None] | None:
    answer = call("ping_test", src=src, dst_ip=ip, count=PROBE_COUNT)
    if is_error(answer):
        return None
    assert isinstance(answer, dict)
    return float(answer.get("loss_pct") or 0.0), answer.get("rtt_avg_ms")


def probe_suspect_links(tools: ToolCaller, s: Survey, links: list[Link]) -> list[LinkProbe]:
    """Ping across each link from both ends: an impairment may act on one direction only, and a
    raw-socket ping counts a reply with a bad checksum as received, so corruption of the replies
    shows only from the other end (whose requests arrive corrupted and go unanswered)."""
    call = _Caller(tools, s)
    out = []
    for link in links:
        # Named by the switch end (a switch end exists on every link).
        a, b = (link.a, link.b) if s.topology.device(link.a.device).is_switch else (link.b, link.a)
        seen = [
            r for src, dst in ((a, b), (b, a)) if (r := _ping(call, src.device, dst.address.split("/")[0]))
        ]
        if not seen:
            continue
        rtts = [r for _, r in seen if r is not None]
        probe = LinkProbe(
            device=a.device,
            interface=a.interface,
            peer=f"{b.device}:{b.interface}",
            loss_pct=max(loss for loss, _ in seen),
            rtt_avg_ms=max(rtts) if rtts else None,
            both_loss_pct=min(loss for loss, _ in seen) if len(seen) == 2 else None,
            both_rtt_ms=min(rtts) if len(rtts) == 2 else None,
        )
        out.append(probe)
        if probe.loss_pct >= 20.0 or (probe.steady_rtt_ms or 0.0) >= 2 * SLOW_MS:
            break  # unmistakable: the remaining suspects ranked lower
    s.steps.append(f"pinned probes both ways on {len(out)} suspect links")
    return out


def _checksum_errors(s: Survey) -> dict[str, int]:
    return {
        dev: n
        for dev, counters in s.protocol.items()
        if (n := sum(v for k, v in counters.items() if k.endswith("InCsumErrors"))) > 0
    }


def _ecmp_like(s: Survey) -> bool:
    """The mesh saw loss on only some 5-tuples of the pairs it flags (one member drops by hash)."""
    lossy = [a for a in s.symptoms.anomalies if a.kind == "packet_loss" and a.flows_seen > 1]
    return bool(lossy) and all(0 < a.flows_lossy < a.flows_seen for a in lossy)


def _member_of_lossy_spine(s: Survey, link: Link) -> bool:
    """Every lossy mesh pair lost only some of its 5-tuples, all of them crossed one spine, and
    ``link`` joins that spine to a leaf of those pairs: one member dropping flows by hash (a link
    that loses packets loses ICMP too, which its pinned probe would have shown)."""
    lossy = [a for a in s.symptoms.anomalies if a.kind == "packet_loss"]
    spines = {sp for a in lossy for sp in a.spines}
    leaves = {leaf for a in lossy for leaf in (a.src_leaf, a.dst_leaf)}
    ends = {link.a.device, link.b.device}
    return _ecmp_like(s) and len(spines) == 1 and spines <= ends and bool(ends & leaves)


def _mesh_elsewhere(s: Survey, link: Link) -> bool:
    """The mesh saw slow pairs, none of which can cross ``link`` (neither end's device is one of a
    pair's hosts or leaves): a slow probe there disagrees with the mesh's history of the window."""
    slow = [a for a in s.symptoms.anomalies if a.kind in ("latency_spike", "jitter")]
    ends = {link.a.device, link.b.device}
    return bool(slow) and not any(ends & {a.src, a.dst, a.src_leaf, a.dst_leaf, *a.spines} for a in slow)


def physical_findings(s: Survey, probes: list[LinkProbe]) -> list[Finding]:
    topo = s.topology
    csum = _checksum_errors(s)
    out = []
    for p in probes:
        link = topo.link_of(p.device, p.interface)
        missing, sent, _ = _gap(s, link)
        gap = _has_gap(s, link)
        rate = _busy(s, link)
        steady = p.steady_rtt_ms
        slow = steady is not None and steady >= SLOW_MS
        lossy = p.loss_pct >= LOSSY_PCT
        # one lost ping in 12 is enough beside checksum errors; alone it may be a busy host's noise,
        # which one direction shows and the other does not (a lossy link loses both ways round)
        dropping = p.loss_pct >= DROPPING_PCT and (gap or p.both_loss_pct is None or p.both_loss_pct > 0)
        ev = [
            f"ping {p.device}:{p.interface} -> {p.peer}: {p.loss_pct:g}% loss, "
            f"avg {p.rtt_avg_ms if p.rtt_avg_ms is not None else '-'} ms",
            f"counters: {missing} of {sent} packets sent on the link were not received at the other end",
            f"busiest end sends {rate:.1f} Mbit/s",
        ]
        kind, score = "", 0.0
        queued = steady is not None and steady >= QUEUED_MS
        if lossy and csum:  # a full queue drops, it never flips bits: corruption comes first
            kind, score = "packet_corruption", 0.9
            ev.append("checksum errors: " + ", ".join(f"{d} +{n}" for d, n in sorted(csum.items())))
        elif (queued or dropping) and rate >= BUSY_MBPS:
            # the links downstream of a congested one carry the same load; the congested one holds
            # the queue (the longest wait): the wait breaks the tie, below the direct evidence of
            # corruption, loss or delay (0.9)
            kind = "congestion"
            score = 0.895 + min((steady or 0.0) / 10000.0, 0.004)
        elif slow:
            # below a slow link the mesh agrees with: a probe slowed by a loaded host must not
            # outrank the link the whole window's probes crossed
            kind, score = "high_latency", 0.7 if _mesh_elsewhere(s, link) else 0.9
        elif dropping:
            kind, score = "packet_loss", 0.9 if gap else 0.8
        elif gap and rate < BUSY_MBPS:
            # ICMP passes but TCP/UDP goes missing on this member only: a hash-based flow drop
            kind, score = "ecmp_member_drop", 0.85 if _ecmp_like(s) or not s.symptoms.anomalies else 0.75
        elif rate < BUSY_MBPS and _member_of_lossy_spine(s, link):
            # a quiet member sends too few packets in a window for its TX/RX gap to clear the
            # sampling skew: the mesh's partial loss through its spine names it; the larger one-way
            # shortfall picks between the spine's members
            kind, score = "ecmp_member_drop", 0.8 + min(max(missing, 0) / 100000.0, 0.004)
        if kind:
            out.append(
                Finding(
                    fault_type=kind, device=p.device, interface=p.interface, score=score, evidence=tuple(ev)
                )
            )
    return out
