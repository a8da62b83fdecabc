"""FRR configuration and daemon invocation for one switch: the netns backend runs these daemons;
containerlab reuses the BGP config, capability probing the daemon list.

Everything a device shows (hostname, descriptions, peer-group names) reads like an ordinary
operator's config. Daemons see the run directory only through a neutral alias
(``/run/frr-instances/<id>/<device>``), because paths show up in ``show logging``,
``show running-config`` (``log file``) and the process list.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..topology import Device, Role, Topology

__all__ = ["DAEMONS", "FRR_DIR", "config_errors", "daemon_argv", "render_configs", "vtysh_argv"]

FRR_DIR = Path(os.environ.get("NETOPSBENCH_FRR_DIR", "/usr/lib/frr"))
DAEMONS = ("zebra", "staticd", "bgpd")
# zebra logs at debug level with only `debug zebra events` on: that records interface up/down and
# address changes (about 9 lines per link event, nothing in steady state) for the FRR log tool.
LOG_LEVELS = {"zebra": "debugging", "staticd": "informational", "bgpd": "informational"}
# FRR keeps running after a bad config line and only logs it; such a lab would silently differ from
# the topology, so deploy treats these log lines as a failed start.
_CONFIG_ERROR = re.compile(
    r"(on config line \d+.*|Can't open configuration file.*|Configuration file.*not found.*)"
)


def _header(dev: Device, daemon: str, log_dir: Path | None) -> list[str]:
    lines = [f"hostname {dev.name}"]
    if log_dir is not None:
        # In the config rather than --log on the command line: only config targets honour the
        # millisecond timestamp precision that evidence timelines need.
        lines.append(f"log file {log_dir / daemon}.log {LOG_LEVELS[daemon]}")
    return [*lines, "log timestamp precision 3", "!"]


def zebra_conf(topo: Topology, dev: Device, log_dir: Path | None = None) -> str:
    lines = _header(dev, "zebra", log_dir)
    # FRR 8.4 leaves kernel nexthop groups broken after a link flap; classic multipath routes recover.
    lines += ["no zebra nexthop kernel enable", "!", "debug zebra events", "!"]
    for itf in dev.interfaces:
        peer = topo.device(itf.peer_device)
        lines += [f"interface {itf.name}", f" description {peer.name} {itf.peer_interface}", "exit", "!"]
    return "\n".join(lines) + "\n"


def staticd_conf(dev: Device, log_dir: Path | None = None) -> str:
    return "\n".join(_header(dev, "staticd", log_dir)) + "\n"


def bgpd_conf(topo: Topology, dev: Device, log_dir: Path | None = None) -> str:
    assert dev.asn is not None and dev.loopback is not None, dev.name
    router_id = dev.loopback.split("/")[0]
    lines = [
        *_header(dev, "bgpd", log_dir),
        f"router bgp {dev.asn}",
        f" bgp router-id {router_id}",
        " bgp log-neighbor-changes",
        " no bgp ebgp-requires-policy",
        " no bgp network import-check",
        # Spines share one ASN, so paths via different spines differ in AS path; relax to keep ECMP.
        " bgp bestpath as-path multipath-relax",
        " timers bgp 3 9",
        # The 1000 ms default delays the first update exchange by about a second.
        " coalesce-time 100",
        " neighbor FABRIC peer-group",
        " neighbor FABRIC remote-as external",
        " neighbor FABRIC advertisement-interval 0",
        # A first connect often hits a peer whose bgpd is not listening yet; retry quickly.
        " neighbor FABRIC timers connect 1",
    ]
    fabric = [i for i in dev.interfaces if topo.device(i.peer_device).is_switch]
    for itf in fabric:
        peer_ip = topo.device(itf.peer_device).interface(itf.peer_interface).ip
        lines += [
            f" neighbor {peer_ip} peer-group FABRIC",
            f" neighbor {peer_ip} description {itf.peer_device}",
        ]
    lines += [" !", " address-family ipv4 unicast", f"  network {dev.loopback}"]
    if dev.role is Role.LEAF:
        lines += [f"  network {h.subnet}" for h in topo.hosts if h.leaf == dev.name]
    lines += ["  maximum-paths 64", " exit-address-family", "exit", "!"]
    return "\n".join(lines) + "\n"


def render_configs(
    topo: Topology,
    dev: Device,
    extra: Mapping[str, str] | None = None,
    *,
    log_dir: Path | None = None,
) -> dict[str, str]:
    """daemon (and "vtysh") -> config text; ``extra`` (daemon -> text) is appended to that daemon's.

    ``log_dir``: where the daemons write ``<daemon>.log`` (None: no log file line).
    """
    confs = {
        "zebra": zebra_conf(topo, dev, log_dir),
        "staticd": staticd_conf(dev, log_dir),
        "bgpd": bgpd_conf(topo, dev, log_dir),
    }
    for daemon, text in (extra or {}).items():
        if daemon not in confs:
            raise ValueError(
                f"extra config for unknown daemon {daemon!r} on {dev.name}; use one of {DAEMONS}"
            )
        confs[daemon] += text.rstrip("\n") + "\n"
    # vtysh's own section: without it `show running-config` adds the build host's hostname.
    confs["vtysh"] = f"hostname {dev.name}\n"
    return confs


def daemon_argv(daemon: str, ddir: Path) -> list[str]:
    argv = [
        str(FRR_DIR / daemon),
        "-d",
        "-F",
        "datacenter",
        "-f",
        str(ddir / f"{daemon}.conf"),
        "-i",
        str(ddir / f"{daemon}.pid"),
        "-z",
        str(ddir / "zserv.api"),
        "--vty_socket",
        str(ddir),
        "-P",
        "0",  # no TCP vty: the unix sockets in ddir are the only way in
    ]
    if daemon == "zebra":
        argv += ["-s", "90000000"]  # netlink receive buffer; route bursts at l/xl overflow the default
    return argv


def config_errors(log: Path) -> list[str]:
    try:
        text = log.read_text(errors="replace")
    except FileNotFoundError:
        return []
    return [m.group(0).strip() for m in _CONFIG_ERROR.finditer(text)]


def vtysh_argv(ddir: Path) -> list[str]:
    """vtysh bound to one switch's daemons and its own vtysh.conf (not the system-wide /etc/frr)."""
    return ["vtysh", "--vty_socket", str(ddir), "--config_dir", str(ddir)]
