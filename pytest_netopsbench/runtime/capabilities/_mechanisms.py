"""Map host capabilities to the mechanism each fault family should use here."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ._detect import HostCapabilities

__all__ = ["FaultMechanisms", "fault_mechanisms"]


class FaultMechanisms(BaseModel):
    """One field per fault family: the mechanism to use, or None when this host cannot do it."""

    link: str | None = Field(description="link down/up, MTU: iproute2")
    impairments: str | None = Field(description="delay/jitter: netem, or nftables+nfqueue (userspace shaper)")
    loss: str | None = Field(description="random loss: netem, nftables (netdev egress numgen), or nfqueue")
    corruption: str | None = Field(description="bit corruption: netem, nftables (payload write) or nfqueue")
    rate_limit: str | None = Field(description="bandwidth cap: tbf or htb")
    acl: str | None = Field(description="packet filter: nftables or iptables")
    routing: str | None = Field(description="BGP shutdown, blackhole, prefix withdraw: frr")
    notes: list[str] = Field(default_factory=list)


def fault_mechanisms(caps: HostCapabilities) -> FaultMechanisms:
    k = caps.kernel
    notes: list[str] = []
    nfq = bool(k.nfqueue) and caps.has("iptables")
    if k.netem:
        impair: str | None = "netem"
        loss: str | None = "netem"
        corrupt: str | None = "netem"
    else:
        notes.append("no sch_netem in this kernel: delay, loss and corruption use nftables/NFQUEUE")
        impair = "nftables+nfqueue" if nfq else None
        loss = "nftables" if k.netdev_egress else ("nfqueue" if nfq else None)
        corrupt = "nftables" if k.netdev_egress else ("nfqueue" if nfq else None)
    if k.nfqueue and not k.nft_queue:
        notes.append("nft `queue` is unsupported; NFQUEUE works through iptables -j NFQUEUE")
    return FaultMechanisms(
        link="iproute2" if caps.has("ip") else None,
        impairments=impair,
        loss=loss,
        corruption=corrupt,
        rate_limit="tbf" if k.tbf else ("htb" if k.htb else None),
        acl="nftables" if k.nftables else ("iptables" if caps.has("iptables") else None),
        routing="frr" if caps.frr_present else None,
        notes=notes,
    )
