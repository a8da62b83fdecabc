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

import math

from pydantic import BaseModel, ConfigDict

from ...topology import Link
from ._collect import Survey, _Caller
from ._facts import is_error
from ._recording import ToolCaller
from ._rules import Finding

__all__ = [
    "LinkProbe",
    "latency_kind",
    "loss_kind",
    "mesh_lost_across",
    "physical_findings",
    "probe_suspect_links",
    "suspect_links",
]

#: a gap below this share of what was sent is sampling skew between the two devices' counters
GAP_SHARE = 0.04
GAP_MIN = 12
#: a link running this fast (Mbit/s) carries more than the paced background traffic (<= 20 Mbit/s
#: a flow); a congested link runs at its capacity
BUSY_MBPS = 30.0
SLOW_MS = 15.0
#: a slow probe whose fastest reply came under this was slowed by a stall of one or two pings (a
#: busy 2-core host), not by the link: a delayed link holds every frame
STEADY_MS = SLOW_MS / 2
#: how far a link's delay must exceed a pair's average extra wait to explain it alone
EXPLAINS = 1.5
#: on a busy link, a probe this slow has waited in a queue (an idle link answers in < 1 ms; a loaded
#: host adds a few ms of scheduling noise)
QUEUED_MS = 8.0
#: a link queueing and dropping while it carries at least this much (but less than ``BUSY_MBPS``)
#: runs at a lower speed than its siblings: its capacity degraded
DEGRADED_MBPS = 1.0
LOSSY_PCT = 5.0
DROPPING_PCT = 10.0
MAX_PROBED = 6
PROBE_COUNT = 12


class LinkProbe(BaseModel):
    model_config = ConfigDict(frozen=True)
    device: str
    interface: str
    peer: str
    loss_pct: float
    rtt_avg_ms: float | None
    #: the fastest reply of the slower end: a delay of the link holds every ping, a stalled host one
    rtt_min_ms: float | None = None
    #: one-way delays (device -> peer, back) from IP timestamps, read for slow links only
    there_ms: float | None = None
    back_ms: float | None = None
    rounds: int = 1  # probed again over time (``_intermittent``): the worst round


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


#: a slow link missing this share of what it was sent has a queue that overflows: a delay on the
#: wire alone lost at most 1.8 % (xs and s high_latency, asymmetric_latency), a degraded link
#: 3.8-4.9 % (below ``GAP_SHARE`` once, on a real lab)
OVERFLOW_SHARE = 0.025


def _overflows(missing: int, sent: int) -> bool:
    return missing >= GAP_MIN and missing >= OVERFLOW_SHARE * max(sent, 1)


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


def _ping(call: _Caller, src: str, ip: str) -> tuple[float, float | None, float | None] | None:
    """(loss %, average RTT, fastest RTT) of a pinned probe."""
    answer = call("ping_test", src=src, dst_ip=ip, count=PROBE_COUNT)
    if is_error(answer):
        return None
    assert isinstance(answer, dict)
    return float(answer.get("loss_pct") or 0.0), answer.get("rtt_avg_ms"), answer.get("rtt_min_ms")


def _explains_the_wait(s: Survey, p: LinkProbe) -> bool:
    """A slow probe that accounts for the mesh's extra wait: a delayed link slows the share of a
    pair's flows that cross it, so the link's own delay is well above the pair's average excess.
    A link only a little slower than that excess (a sibling the host's load slowed) is no answer
    yet: its equally ranked neighbours are probed too."""
    rtt = p.rtt_avg_ms or 0.0
    if rtt < 2 * SLOW_MS or stalled(p):
        return False
    excess = [a.value - (a.baseline or 0.0) for a in s.symptoms.anomalies if a.kind == "latency_spike"]
    return rtt >= EXPLAINS * max(excess, default=0.0)


def stalled(p: LinkProbe) -> bool:
    """The probe's wait is one or two stalled pings, not the link (its fastest reply was prompt)."""
    return p.rtt_min_ms is not None and p.rtt_min_ms < STEADY_MS


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
        slowest = max((r for r in seen if r[1] is not None), key=lambda r: r[1] or 0.0, default=None)
        probe = LinkProbe(
            device=a.device,
            interface=a.interface,
            peer=f"{b.device}:{b.interface}",
            loss_pct=max(loss for loss, _, _ in seen),
            rtt_avg_ms=slowest[1] if slowest else None,
            rtt_min_ms=slowest[2] if slowest else None,
        )
        out.append(probe)
        if probe.loss_pct >= 20.0 or _explains_the_wait(s, probe):
            break  # unmistakable: the remaining suspects ranked lower
    s.steps.append(f"pinned probes both ways on {len(out)} suspect links")
    return out


def _one_way_line(p: LinkProbe) -> str:
    return f"one-way (IP timestamps): {p.there_ms:g} ms there, {p.back_ms:g} ms back"


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


def _loss_comes_and_goes(s: Survey) -> bool:
    """A member dropping flows by hash loses every probe of its flows (the pair's loss equals the
    share of lossy flows); random or intermittent loss costs each lossy flow only some probes, so
    the pair's loss stays well below that share."""
    lossy = [a for a in s.symptoms.anomalies if a.kind == "packet_loss" and a.flows_seen > 1]
    return bool(lossy) and all(0 < a.value <= 0.8 * 100.0 * a.flows_lossy / a.flows_seen for a in lossy)


def mesh_lost_across(s: Survey, link: Link) -> bool:
    """The ping mesh lost packets on a pair whose path may cross ``link`` (its host, or its leaf
    through its spine when the mesh knows which spines the lossy flows crossed)."""
    for a in s.symptoms.anomalies:
        if a.kind != "packet_loss":
            continue
        ends = {link.a.device, link.b.device}
        if link.kind == "access":
            if ends & {a.src, a.dst}:
                return True
        elif ends & {a.src_leaf, a.dst_leaf} and (not a.spines or ends & set(a.spines)):
            return True
    return False


def physical_findings(s: Survey, probes: list[LinkProbe]) -> list[Finding]:
    topo = s.topology
    csum = _checksum_errors(s)
    out = []
    for p in probes:
        link = topo.link_of(p.device, p.interface)
        missing, sent, _ = _gap(s, link)
        gap = _has_gap(s, link)
        rate = _busy(s, link)
        slow = p.rtt_avg_ms is not None and p.rtt_avg_ms >= SLOW_MS
        lossy = p.loss_pct >= LOSSY_PCT
        # one lost ping in 12 is enough beside checksum errors; alone it may be a busy host's noise
        dropping = p.loss_pct >= DROPPING_PCT
        ev = [
            f"ping {p.device}:{p.interface} -> {p.peer}: {p.loss_pct:g}% loss, "
            f"avg {p.rtt_avg_ms if p.rtt_avg_ms is not None else '-'} ms",
            f"counters: {missing} of {sent} packets sent on the link were not received at the other end",
            f"busiest end sends {rate:.1f} Mbit/s",
        ]
        kind, score = "", 0.0
        queued = p.rtt_avg_ms is not None and p.rtt_avg_ms >= QUEUED_MS
        if lossy and csum:  # a full queue drops, it never flips bits: corruption comes first
            kind, score = "packet_corruption", 0.9
            ev.append("checksum errors: " + ", ".join(f"{d} +{n}" for d, n in sorted(csum.items())))
        elif (
            (queued or (dropping and p.rtt_avg_ms is None))
            and rate >= BUSY_MBPS
            and not _wait_not_in_queue(s, p)
        ):
            # the links downstream of a congested one carry the same load; the congested one holds
            # the queue (the longest wait): the wait breaks the tie, below the direct evidence of
            # corruption, loss or delay (0.9). A full queue drops only what waited in it: a lossy
            # probe whose replies came back promptly lost them on the link, however busy it is
            kind = "congestion"
            score = 0.895 + min((p.rtt_avg_ms or 0.0) / 10000.0, 0.004)
        elif (
            queued
            and (gap or _overflows(missing, sent) or (missing >= GAP_MIN and _queue_drained(p)))
            and rate >= DEGRADED_MBPS
            and not _delay_against_load(s, p)
        ):
            # a queue that overflows at a few Mbit/s: the link runs far below what a healthy one
            # carries (a renegotiated speed), where a delay alone would neither queue nor drop
            kind, score = "capacity_degradation", 0.9
            if p.there_ms is not None:
                ev.append(_one_way_line(p))
        elif slow:
            # of two slow links the slower one holds the delay (a host's load slows its neighbours a
            # little): the wait breaks the tie, below any finding scored higher than direct evidence
            kind, score = latency_kind(p), 0.9 + min(p.rtt_avg_ms or 0.0, 1000.0) / 1e6
            if stalled(p):  # a hint (under MIN_SCORE): one or two pings waited, not the link
                score = 0.6
                ev.append(f"fastest reply {p.rtt_min_ms:g} ms: only some pings waited")
            elif p.there_ms is not None and p.back_ms is not None and p.there_ms + p.back_ms < STEADY_MS:
                score = 0.6  # timed a moment later, the wait was gone: a delay of the link stays
                ev.append("timed again with IP timestamps: no delay left either way")
            if p.there_ms is not None:
                ev.append(_one_way_line(p))
        elif dropping:
            kind, score = loss_kind(s, link), 0.9 if gap else 0.8
            ev.append(f"counters each way: {_each_way(s, link)}")
        elif gap and not mesh_lost_across(s, link):
            # a clean probe, and the mesh's probes on every path across the link all arrived: the
            # gap is the two devices' counters read at different instants (the mesh sends in bursts,
            # a quiet host link carries little else), not packets lost
            pass
        elif gap and rate < BUSY_MBPS and _loss_comes_and_goes(s) and p.rounds == 1:
            # one clean probe in what may be a quiet spell of a loss that comes and goes
            kind, score = loss_kind(s, link), 0.8
            ev.append("the mesh's lossy flows lost only some of their probes: loss that comes and goes")
        elif gap and rate < BUSY_MBPS:
            # ICMP passes but TCP/UDP goes missing on this member only: a hash-based flow drop
            kind, score = "ecmp_member_drop", 0.85 if _ecmp_like(s) else 0.75
            if p.rounds > 1:  # ICMP passed every time while flows went missing: a drop by hash
                score = 0.85
                ev.append(f"the pinned ICMP probe was clean in all {p.rounds} rounds spread over time")
        if kind:
            out.append(
                Finding(
                    fault_type=kind, device=p.device, interface=p.interface, score=score, evidence=tuple(ev)
                )
            )
    return out


#: a direction whose two counts differ by no more than this lost nothing (the two devices' counters
#: are read a few ms apart); it must carry enough packets for that to mean something: so few
#: missing would happen by chance under the lossy direction's rate at most this often
CLEAN_MIN = 2
CLEAN_SHARE = 0.01
CLEAN_SENT = 8
CLEAN_CHANCE = 0.01
#: once a probe lost packets, a direction missing this many (and this share) is the lossy one
ONE_WAY_MIN = 5


def _ways(s: Survey, link: Link) -> list[tuple[str, int, int]]:
    """(sender, packets missing, packets sent) for both directions of a link with counters."""
    out = []
    for src, dst in ((link.a, link.b), (link.b, link.a)):
        tx, rx = s.counter(src.device, src.interface), s.counter(dst.device, dst.interface)
        if tx is not None and rx is not None:
            out.append((f"{src.device}:{src.interface}", tx.tx_packets - rx.rx_packets, tx.tx_packets))
    return out


def _each_way(s: Survey, link: Link) -> str:
    return "; ".join(f"{who} sent {sent}, {missing} not received" for who, missing, sent in _ways(s, link))


def loss_kind(s: Survey, link: Link) -> str:
    """A lossy link loses both ways (``packet_loss``); one fibre of the pair failing loses one way
    only, the other direction's counts matching (``unidirectional_loss``)."""
    ways = _ways(s, link)
    if len(ways) != 2:
        return "packet_loss"
    lossy = [w for w in ways if w[1] >= ONE_WAY_MIN and w[1] >= GAP_SHARE * max(w[2], 1)]
    clean = [w for w in ways if w[2] >= CLEAN_SENT and w[1] <= max(CLEAN_MIN, CLEAN_SHARE * w[2])]
    if len(lossy) != 1 or len(clean) != 1:
        return "packet_loss"
    rate = min(lossy[0][1] / max(lossy[0][2], 1), 1.0)
    # a light link carries few packets each way: 0 of 18 lost is no chance at a 38 % loss rate, but
    # easily one at 10 %; the lossy direction's own rate says how clean "clean" must look
    unlikely = _at_most(max(clean[0][1], 0), clean[0][2], rate) <= CLEAN_CHANCE
    return "unidirectional_loss" if unlikely else "packet_loss"


def _at_most(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p): chance a direction as lossy as ``p`` loses only k of n."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(min(k, n) + 1))


#: one direction carrying at least this share of a slow link's delay is an asymmetric link
ONE_WAY_SHARE = 0.8


def _wait_not_in_queue(s: Survey, p: LinkProbe) -> bool:
    """A busy link's wait is not its queue: a queue builds in the loaded direction only, so one-way
    timing that finds the delay mostly the other way (or both ways alike), or no longer finds it,
    says the link is slow of itself (a background flow catching up after a stall can run it busy)."""
    if p.there_ms is None or p.back_ms is None:
        return False
    if p.there_ms + p.back_ms < QUEUED_MS:
        # a queue under a steady load stays; this wait came and went (TCP keeps a wire's queue
        # around 10 ms, so the bar is the queueing one, not the bar of a slow link)
        return True
    return _loaded_way_ms(s, p) < QUEUE_SHARE * (p.there_ms + p.back_ms)


#: timed a moment after its probe, a wait below this share of the probe's fastest reply drained
DRAINED = 0.6


def _queue_drained(p: LinkProbe) -> bool:
    """The wait shrank well below the probe's fastest reply within seconds: a queue that fills and
    drains with its load (a delay of the wire holds every frame alike, never less). With TCP's
    drops rare at a steady queue, this and a few packets missing mark a degraded link."""
    if p.there_ms is None or p.back_ms is None or p.rtt_min_ms is None or stalled(p):
        return False
    return p.there_ms + p.back_ms < DRAINED * p.rtt_min_ms


def _loaded_way_ms(s: Survey, p: LinkProbe) -> float:
    """The one-way delay of the direction that carries more traffic (a timed probe's)."""
    assert p.there_ms is not None and p.back_ms is not None
    peer_dev, peer_itf = p.peer.split(":", 1)
    mine, theirs = s.counter(p.device, p.interface), s.counter(peer_dev, peer_itf)
    loaded_there = (mine.tx_mbps if mine else 0.0) >= (theirs.tx_mbps if theirs else 0.0)
    return p.there_ms if loaded_there else p.back_ms


def _delay_against_load(s: Survey, p: LinkProbe) -> bool:
    """Timed one way, nearly all of a slow link's delay lies in the direction carrying less: no
    queue builds there, so its gap is a delayed wire's frames in flight, not a degraded link's
    queue drops (a queue that drained when timed says nothing either way)."""
    if p.there_ms is None or p.back_ms is None or p.there_ms + p.back_ms < SLOW_MS:
        return False
    return _loaded_way_ms(s, p) < (1 - ONE_WAY_SHARE) * (p.there_ms + p.back_ms)


#: a queue holds at least this share of a busy link's one-way delay in the loaded direction
QUEUE_SHARE = 0.6


def latency_kind(p: LinkProbe) -> str:
    """A slow link is slow both ways (``high_latency``) unless one direction holds nearly all of
    the delay (``asymmetric_latency``); without one-way timing the direction is unknown."""
    if p.there_ms is None or p.back_ms is None or p.there_ms + p.back_ms < SLOW_MS:
        return "high_latency"
    one_way = max(p.there_ms, p.back_ms) / (p.there_ms + p.back_ms)
    return "asymmetric_latency" if one_way >= ONE_WAY_SHARE else "high_latency"
