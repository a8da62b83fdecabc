"""What an operator (or an agent) can see on every device, for leak and leftover checks."""

from __future__ import annotations

import os
import re

from pytest_netopsbench.runtime import Lab

Snapshot = dict[str, dict[str, str]]  # device -> view name -> text

FORBIDDEN = re.compile(
    r"netopsbench|\bnob-|\bfault|\binject|bench|\btest|harness|pytest|shaper|impair|chaos|scenario",
    re.IGNORECASE,
)

_VIEWS = {
    "nft": ["nft", "list", "ruleset"],
    "iptables": ["iptables-save"],
    "tc": ["tc", "qdisc", "show"],
    "link": ["ip", "-d", "link", "show"],
    "route": ["ip", "route", "show"],
}
_FRR_VIEWS = ("show running-config", "show ip route", "show bgp ipv4 unicast summary")


# One-shot read commands the evidence sampler (and this snapshot) run in every device: caught
# mid-run they are noise, not a process a fault left behind.
_SAMPLER_COMMANDS = {
    "nft",
    "iptables-save",
    "ip6tables-save",
    "iptables",
    "ip",
    "tc",
    "nstat",
    "cat",
    "vtysh",
}


def _forked_by_us(pid: str, cmdline: bytes, own: bytes) -> bool:
    """A child of this process between fork and exec: it still wears our command line (the
    sampler's threads fork ``nft``/``tc`` inside a device), so it is not a process in the lab."""
    if cmdline != own:
        return False
    with open(f"/proc/{pid}/stat", "rb") as fh:
        ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
    return ppid == os.getpid()


def _processes(lab: Lab, device: str) -> str:
    ns = lab.ns(device)
    ino = os.stat(f"/run/netns/{ns}").st_ino
    lines = []
    with open("/proc/self/cmdline", "rb") as fh:
        own = fh.read()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino != ino:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                raw = fh.read()
            line = raw.replace(b"\0", b" ").decode(errors="replace").strip()
            if _forked_by_us(pid, raw, own):
                continue
            if line and os.path.basename(line.split()[0]) not in _SAMPLER_COMMANDS:
                lines.append(line)
        except OSError:
            continue
    return "\n".join(sorted(lines))


def snapshot(lab: Lab) -> Snapshot:
    out: Snapshot = {}
    for dev in lab.topology.devices:
        views = {name: lab.exec(dev.name, argv).stdout for name, argv in _VIEWS.items()}
        if dev.is_switch:
            for cmd in _FRR_VIEWS:
                try:
                    views[cmd] = lab.vtysh(dev.name, [cmd])
                except Exception as exc:  # a stopped device (device_down) answers nothing
                    views[cmd] = f"<{exc}>"
        views["processes"] = _processes(lab, dev.name)
        out[dev.name] = views
    return out


def new_lines(base: Snapshot, now: Snapshot) -> dict[str, list[str]]:
    """Lines visible now that were not in the baseline, per device/view."""
    diff: dict[str, list[str]] = {}
    for dev, views in now.items():
        for view, text in views.items():
            before = set(base.get(dev, {}).get(view, "").splitlines())
            added = [ln for ln in text.splitlines() if ln not in before]
            if added:
                diff[f"{dev}/{view}"] = added
    return diff


def leaks(lines: dict[str, list[str]]) -> list[str]:
    return [
        f"{where}: {ln.strip()}" for where, found in lines.items() for ln in found if FORBIDDEN.search(ln)
    ]
