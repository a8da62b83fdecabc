"""Typed rows the evidence store hands out: windows, per-pair probe statistics, counters, BGP, logs."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DF_FLOW_SHIFT",
    "BgpPeerRecord",
    "FibRibSnapshot",
    "InterfaceDelta",
    "LogRecord",
    "PairStats",
    "ProbeRound",
    "RoundTiming",
    "RuleCounter",
    "Window",
]


# Flow bitmasks: bits 0-31 are the small probes' source ports, bits 32-47 the DF probes' ports.
DF_FLOW_SHIFT = 32
SMALL_FLOWS = (1 << DF_FLOW_SHIFT) - 1


class Window(BaseModel):
    """A closed time interval in epoch seconds."""

    model_config = ConfigDict(frozen=True)
    start: float
    end: float

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")
        return self

    @property
    def duration(self) -> float:
        return self.end - self.start

    @classmethod
    def last(cls, seconds: float, *, now: float | None = None) -> Window:
        end = time.time() if now is None else now
        return cls(start=end - seconds, end=end)


class ProbeRound(BaseModel):
    """One ordered host pair in one ping-mesh round (what the prober writes, one row per pair per round).

    ``flows_sent``/``flows_lost`` are bitmasks over the prober's source-port pool (DF probes from
    bit ``DF_FLOW_SHIFT``), so a lossy ECMP member shows as a stable subset of flows while a dead
    path loses all of them.
    """

    ts: float
    src: str
    dst: str
    sent: int
    lost: int
    rtt_min_us: int | None = None
    rtt_avg_us: int | None = None
    rtt_max_us: int | None = None
    df_sent: int = 0
    df_lost: int = 0
    flows_sent: int = 0
    flows_lost: int = 0


class PairStats(BaseModel):
    """Ping-mesh statistics of one ordered host pair over a window."""

    src: str
    dst: str
    src_leaf: str
    dst_leaf: str
    sent: int
    lost: int
    loss_pct: float
    rtt_min_ms: float | None
    rtt_avg_ms: float | None
    rtt_max_ms: float | None
    rtt_p99_ms: float | None
    jitter_ms: float | None
    df_sent: int
    df_lost: int
    df_loss_pct: float
    flows_seen: int = Field(description="distinct UDP 5-tuples probed in the window")
    flows_lossy: int = Field(description="distinct 5-tuples that lost at least one probe")
    rounds: int = 0
    df_flows_dead: int = Field(
        default=0,
        description="DF 5-tuples probed at least twice and lost every "
        "time: a path that drops big packets, not random loss",
    )
    flows_lost_mask: int = Field(default=0, exclude=True, description="which pool flows lost probes")


class RoundTiming(BaseModel):
    """How long one full ping-mesh round took (kept for benchmarks and health)."""

    ts: float
    seconds: float
    pairs: int
    probes: int


class InterfaceDelta(BaseModel):
    """Counter change of one interface over a window, plus its state at the window's end."""

    device: str
    interface: str
    oper_state: str
    mtu: int
    rx_packets: int
    tx_packets: int
    rx_bytes: int
    tx_bytes: int
    rx_errors: int
    tx_errors: int
    rx_dropped: int
    tx_dropped: int
    state_changes: int = 0
    seconds: float = 0.0


class RuleCounter(BaseModel):
    """Packets matched by one packet-filter rule over a window (nftables, including iptables-nft)."""

    device: str
    table: str
    chain: str
    rule: str
    packets: int
    bytes: int


class BgpPeerRecord(BaseModel):
    ts: float
    device: str
    peer: str
    state: str
    remote_as: int | None = None
    prefixes_received: int | None = None
    uptime: str = ""


class FibRibSnapshot(BaseModel):
    """The last kernel FIB and FRR RIB seen for a device (stored only when they change)."""

    ts: float
    device: str
    kind: str  # "fib" | "rib"
    payload: str = Field(description="JSON text as the source produced it")


class LogRecord(BaseModel):
    ts: float
    device: str
    source: str  # the daemon log file or "link" for interface state events
    message: str
