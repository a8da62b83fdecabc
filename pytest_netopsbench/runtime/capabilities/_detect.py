"""Probe the host once per process: privileges, FRR, binaries, and kernel features tried for real in
a throwaway namespace (a feature counts only if the kernel accepted it, not if a config says so)."""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import uuid
from collections.abc import Sequence

from pydantic import BaseModel, Field

from .._frr import DAEMONS, FRR_DIR
from .._proc import run

__all__ = ["BINARIES", "ESSENTIAL_BINARIES", "SETUP_HINT", "HostCapabilities", "KernelFeatures", "detect"]

BINARIES = (
    "ip",
    "vtysh",
    "fping",
    "ping",
    "tracepath",
    "traceroute",
    "iperf3",
    "nft",
    "iptables",
    "tc",
    "nstat",
    "sysctl",
)
ESSENTIAL_BINARIES = ("ip", "vtysh", "fping", "sysctl")
SETUP_HINT = "install with: sudo bash scripts/setup.sh"


class KernelFeatures(BaseModel):
    """None = could not probe (not root); True/False = the kernel accepted/refused it."""

    netem: bool | None = None
    tbf: bool | None = None
    htb: bool | None = None
    nftables: bool | None = None
    netdev_egress: bool | None = Field(default=None, description="nft netdev egress hook (with numgen)")
    nft_queue: bool | None = Field(default=None, description="nft `queue` statement (NFT_QUEUE)")
    nfqueue: bool | None = Field(default=None, description="iptables -j NFQUEUE (xt target via NFT_COMPAT)")
    probe_error: str | None = None


class HostCapabilities(BaseModel):
    is_root: bool
    kernel_release: str
    frr_present: bool
    frr_version: str | None = None
    frr_dir: str
    binaries: dict[str, str | None] = Field(description="name -> absolute path, or None when missing")
    kernel: KernelFeatures
    docker_socket: bool = False
    containerlab: str | None = None

    def has(self, binary: str) -> bool:
        return self.binaries.get(binary) is not None

    def missing_essentials(self) -> list[str]:
        """Human-readable list of what stops a netns lab from running here (empty = ready)."""
        missing: list[str] = []
        if not self.is_root:
            missing.append("root privileges")
        if not self.frr_present:
            missing.append(f"FRR daemons in {self.frr_dir} (Debian package frr)")
        missing += [f"binary {b}" for b in ESSENTIAL_BINARIES if not self.has(b)]
        return missing


def _frr_version() -> tuple[bool, str | None]:
    present = all((FRR_DIR / d).exists() for d in DAEMONS)
    if not present:
        return False, None
    res = run([str(FRR_DIR / "zebra"), "--version"], timeout=5)
    m = re.search(r"version\s+(\S+)", res.stdout + res.stderr)
    return True, m.group(1) if m else None


# nft 1.0.6 wants each block closed on its own line.
_NFT_FORWARD = "table inet probe {\n chain c {\n  type filter hook forward priority 0;\n }\n}\n"
_NFT_EGRESS = (
    'table netdev probe {\n chain e {\n  type filter hook egress device "probe0" priority 0;\n'
    "  numgen random mod 100 < 30 counter drop\n }\n}\n"
)
_NFT_QUEUE = (
    "table inet probeq {\n chain c {\n  type filter hook forward priority 0;\n  queue num 1 bypass\n }\n}\n"
)


def _ok(argv: Sequence[str], input: str | None = None) -> bool:
    return run(argv, timeout=10, input=input).ok


def _probe_kernel() -> KernelFeatures:
    # Our own namespace with a veth pair: probing never touches the root namespace or a lab.
    ns = f"capprobe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    res = run(["ip", "netns", "add", ns], timeout=10)
    if not res.ok:
        return KernelFeatures(probe_error=f"ip netns add failed: {res.stderr.strip()}")
    try:
        # veth, not dummy: a lab needs veth anyway, and some kernels here are built without dummy.
        veth = ["ip", "-n", ns, "link", "add", "name", "probe0", "type", "veth", "peer", "name", "probe1"]
        if not _ok(veth):
            return KernelFeatures(probe_error="cannot create a veth pair in a namespace")
        _ok(["ip", "-n", ns, "link", "set", "probe0", "up"])
        tc = ["tc", "-n", ns, "qdisc", "replace", "dev", "probe0", "root"]
        feats = KernelFeatures(
            netem=_ok([*tc, "netem", "delay", "1ms"]),
            tbf=_ok([*tc, "tbf", "rate", "10mbit", "burst", "32kbit", "latency", "50ms"]),
            htb=_ok([*tc, "handle", "1:", "htb", "default", "10"]),
        )
        nft = ["ip", "netns", "exec", ns, "nft", "-f", "-"]
        if shutil.which("nft"):
            feats.nftables = _ok(nft, _NFT_FORWARD)
            feats.netdev_egress = _ok(nft, _NFT_EGRESS)
            feats.nft_queue = _ok(nft, _NFT_QUEUE)
        if shutil.which("iptables"):
            feats.nfqueue = _ok(
                [
                    "ip",
                    "netns",
                    "exec",
                    ns,
                    "iptables",
                    "-t",
                    "mangle",
                    "-A",
                    "POSTROUTING",
                    "-o",
                    "probe0",
                    "-j",
                    "NFQUEUE",
                    "--queue-num",
                    "1",
                    "--queue-bypass",
                ]
            )
        return feats
    finally:
        run(["ip", "netns", "del", ns], timeout=10)


@functools.cache
def _detect_cached() -> HostCapabilities:
    is_root = os.geteuid() == 0
    frr, version = _frr_version()
    binaries = {b: shutil.which(b) for b in BINARIES}
    kernel = (
        _probe_kernel()
        if is_root and binaries["ip"]
        else KernelFeatures(
            probe_error="not probed: needs root" if not is_root else "not probed: iproute2 missing"
        )
    )
    return HostCapabilities(
        is_root=is_root,
        kernel_release=platform.release(),
        frr_present=frr,
        frr_version=version,
        frr_dir=str(FRR_DIR),
        binaries=binaries,
        kernel=kernel,
        docker_socket=os.path.exists("/var/run/docker.sock"),
        containerlab=shutil.which("containerlab"),
    )


def detect(refresh: bool = False) -> HostCapabilities:
    """Probe once per process (about 0.1 s); ``refresh=True`` probes again."""
    if refresh:
        _detect_cached.cache_clear()
    return _detect_cached().model_copy(deep=True)
