"""Which fault mechanisms this host supports (netem, nftables, NFQUEUE, tbf, ...).

Prefers the runtime's ``capabilities.detect()``; falls back to reading the kernel config and
looking for the tools, so faults can be listed and checked without a lab.
"""

from __future__ import annotations

import functools
import gzip
import shutil
from collections.abc import Iterable

__all__ = ["FAMILIES", "KNOWN", "host_capabilities", "missing"]

# capability -> (kernel config symbols, binaries); all must be present
KNOWN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "netem": (("NET_SCH_NETEM",), ("tc",)),
    "tbf": (("NET_SCH_TBF",), ("tc",)),
    "nftables": (("NF_TABLES", "NF_TABLES_NETDEV", "NFT_NUMGEN"), ("nft",)),
    "nft_hash": (("NFT_HASH",), ("nft",)),
    "nfqueue": (("NETFILTER_XT_TARGET_NFQUEUE", "NETFILTER_NETLINK_QUEUE"), ("iptables",)),
    "tcp_md5": (("TCP_MD5SIG",), ()),
    "iperf3": ((), ("iperf3",)),
}


@functools.lru_cache(maxsize=1)
def _kernel_config() -> dict[str, str] | None:
    try:
        with gzip.open("/proc/config.gz", "rt") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    return dict(ln.split("=", 1) for ln in lines if ln.startswith("CONFIG_") and "=" in ln)


def _from_runtime() -> dict[str, bool] | None:
    """What the runtime's real probes say (None when it cannot probe, e.g. not root)."""
    try:
        from ..runtime.capabilities import detect

        caps = detect()
    except Exception:
        return None
    k = caps.kernel
    probed = {
        "netem": k.netem,
        "tbf": k.tbf,
        "nftables": k.nftables and k.netdev_egress,
        "nfqueue": k.nfqueue and caps.has("iptables"),
    }
    out = {name: bool(v) for name, v in probed.items() if v is not None}
    out["iperf3"] = caps.has("iperf3")
    return out


@functools.lru_cache(maxsize=1)
def host_capabilities() -> frozenset[str]:
    """Capabilities present on this host (names from ``KNOWN``): the runtime's probes where it has
    them, the kernel config and PATH otherwise."""
    config = _kernel_config()
    found: set[str] = set()
    for name, (symbols, binaries) in KNOWN.items():
        kernel_ok = config is None or all(config.get(f"CONFIG_{s}") in ("y", "m") for s in symbols)
        if kernel_ok and all(shutil.which(b) for b in binaries):
            found.add(name)
    for name, ok in (_from_runtime() or {}).items():
        if ok:
            found.add(name)
        else:
            found.discard(name)
    return frozenset(found)


# Mechanism families (the vocabulary of ``runtime.capabilities.fault_mechanisms``): any one member
# is enough. Faults name these in ``requires`` when several implementations exist.
FAMILIES: dict[str, tuple[str, ...]] = {
    "loss": ("netem", "nftables", "nfqueue"),
    "corruption": ("netem", "nfqueue"),
    "impairments": ("netem", "nfqueue"),
    "rate_limit": ("tbf",),
    "acl": ("nftables",),
}


def missing(required: Iterable[str]) -> list[str]:
    """The entries of ``required`` (capabilities or mechanism families) this host cannot satisfy."""
    have = host_capabilities()
    return [r for r in required if not (set(FAMILIES.get(r, (r,))) & have)]
