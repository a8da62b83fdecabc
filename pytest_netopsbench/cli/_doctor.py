"""``netopsbench doctor``: can this host run labs, and which fault mechanisms does it support?"""

from __future__ import annotations

import argparse

from ..runtime.capabilities import BINARIES, ESSENTIAL_BINARIES, SETUP_HINT, detect, fault_mechanisms

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check privileges, FRR, tools and kernel features")
    p.add_argument("--json", action="store_true", help="print the detected capabilities as JSON")
    p.set_defaults(func=_doctor)


def _mark(ok: bool | None) -> str:
    return {True: "ok", False: "MISSING", None: "unknown"}[ok]


def _doctor(args: argparse.Namespace) -> int:
    caps = detect()
    mech = fault_mechanisms(caps)
    if args.json:
        print(caps.model_dump_json(indent=2))
        print(mech.model_dump_json(indent=2))
        return 1 if caps.missing_essentials() else 0
    print(f"kernel {caps.kernel_release}")
    print(f"  root privileges      {_mark(caps.is_root)}")
    frr = _mark(caps.frr_present)
    if caps.frr_present:
        frr += f" (FRR {caps.frr_version}, {caps.frr_dir})"
    print(f"  FRR daemons          {frr}")
    print("binaries")
    for name in BINARIES:
        tag = " (essential)" if name in ESSENTIAL_BINARIES else ""
        print(f"  {name:<20} {_mark(caps.has(name))}{tag}")
    k = caps.kernel
    print("kernel features (probed in a throwaway namespace)")
    features = (
        ("tc netem", k.netem),
        ("tc tbf", k.tbf),
        ("tc htb", k.htb),
        ("nftables", k.nftables),
        ("nft netdev egress", k.netdev_egress),
        ("nft queue", k.nft_queue),
        ("iptables NFQUEUE", k.nfqueue),
    )
    for label, value in features:
        print(f"  {label:<20} {_mark(value)}")
    if k.probe_error:
        print(f"  ({k.probe_error})")
    print("fault mechanisms on this host")
    for field in ("link", "impairments", "loss", "corruption", "rate_limit", "acl", "routing"):
        print(f"  {field:<20} {getattr(mech, field) or 'UNSUPPORTED'}")
    for note in mech.notes:
        print(f"  note: {note}")
    clab = "available" if caps.containerlab and caps.docker_socket else "unavailable"
    print(f"containerlab backend   {clab} (needs the containerlab CLI and a Docker engine)")
    missing = caps.missing_essentials()
    if missing:
        hints = [SETUP_HINT] if [m for m in missing if m != "root privileges"] else []
        if not caps.is_root:
            hints.insert(0, "run as root (sudo)")
        print(f"NOT READY: missing {', '.join(missing)}; {'; '.join(hints)}")
        return 1
    print("ready: labs can run on this host")
    return 0
