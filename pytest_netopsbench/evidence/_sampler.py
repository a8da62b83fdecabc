"""Periodic device state sampling: interface counters and state, protocol error counters, BGP peers,
FRR log lines and link state changes (as log events) every tick; packet-filter rule counters, qdisc
drops, kernel FIB and FRR RIB on a slower cadence (routes stored only on change)."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ..runtime import Lab, in_netns, open_socket, run_in
from ._kernel import iface_state, parse_net_dev, parse_nft_counters, parse_snmp
from ._models import BgpPeerRecord, LogRecord, RuleCounter
from ._store import EvidenceStore

__all__ = ["Sampler", "parse_bgp_summary"]

_FRR_DAEMONS = ("zebra", "bgpd", "staticd")
_LOG_LINE_MAX = 500


def parse_bgp_summary(text: str) -> dict[str, dict[str, Any]]:
    """``show bgp ipv4 unicast summary json`` -> peer address -> its fields (FRR nests them once or twice)."""
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    if isinstance(data, dict) and "peers" not in data:
        data = data.get("ipv4Unicast", data)
    peers = data.get("peers", {}) if isinstance(data, dict) else {}
    return {str(k): v for k, v in peers.items() if isinstance(v, dict)}


def _frr_time(line: str, default: float) -> float:
    try:
        return datetime.strptime(line[:19], "%Y/%m/%d %H:%M:%S").timestamp()
    except ValueError:
        return default


class Sampler:
    def __init__(self, lab: Lab, store: EvidenceStore) -> None:
        self.lab, self.store = lab, store
        self.ticks = 0
        self.devices = [d.name for d in lab.topology.devices]
        self.switches = [d.name for d in lab.topology.switches]
        self._socks: dict[str, socket.socket] = {}
        self._state: dict[tuple[str, str], tuple[str, int]] = {}
        self._log_pos: dict[Path, int] = {}
        self.last_seconds = 0.0
        self.last_slow_seconds = 0.0

    def close(self) -> None:
        for s in self._socks.values():
            s.close()
        self._socks.clear()

    def tick(self) -> None:
        """The every-interval part: counters, protocol errors, link events, BGP, logs (no forks)."""
        started = time.monotonic()
        now = time.time()
        samples, events = [], []
        for dev in self.devices:
            rows, snmp, dev_events = self._kernel(dev, now)
            samples.append((dev, rows, snmp))
            events += dev_events
        self.store.add_device_samples(now, samples)
        if events:
            self.store.add_logs(events)
        self._bgp(now)
        self._logs(now)
        self.ticks += 1
        self.last_seconds = time.monotonic() - started

    def slow_tick(self) -> None:
        """The part that forks per switch (nft, tc, ip route) plus the RIB; run on a slower cadence
        from its own thread so the every-interval part keeps its schedule."""
        started = time.monotonic()
        self._slow(time.time())
        self.last_slow_seconds = time.monotonic() - started

    # -- kernel counters -------------------------------------------------------------------------
    def _kernel(self, dev: str, now: float) -> tuple[list[tuple[Any, ...]], dict[str, int], list[LogRecord]]:
        ns = self.lab.ns(dev)
        sock = self._socks.get(dev)
        if sock is None:
            sock = self._socks[dev] = open_socket(ns)
        with in_netns(ns):
            with open("/proc/thread-self/net/dev") as f:
                counters = parse_net_dev(f.read())
            with open("/proc/thread-self/net/snmp") as f:
                snmp = parse_snmp(f.read())
        rows: list[tuple[Any, ...]] = []
        events: list[LogRecord] = []
        for name, c in sorted(counters.items()):
            if name == "lo":
                continue
            oper, mtu = iface_state(sock, name)
            prev = self._state.get((dev, name))
            if prev is not None and prev[0] != oper:
                events.append(
                    LogRecord(
                        ts=now,
                        device=dev,
                        source="kernel",
                        message=f"{name}: link state changed from {prev[0]} to {oper}",
                    )
                )
            if prev is not None and prev[1] != mtu:
                events.append(
                    LogRecord(
                        ts=now,
                        device=dev,
                        source="kernel",
                        message=f"{name}: mtu changed from {prev[1]} to {mtu}",
                    )
                )
            self._state[(dev, name)] = (oper, mtu)
            rows.append((name, oper, mtu, *c))
        return rows, snmp, events

    # -- FRR -------------------------------------------------------------------------------------
    def _bgp(self, now: float) -> None:
        rows: list[BgpPeerRecord] = []
        for dev in self.switches:
            try:
                peers = parse_bgp_summary(
                    self.lab.vty_show(dev, "show bgp ipv4 unicast summary json", daemon="bgpd", timeout=2.0)
                )
            except Exception:  # a stopped bgpd is itself evidence: every peer of the device is gone
                peers = {}
                rows.append(BgpPeerRecord(ts=now, device=dev, peer="*", state="NoDaemon"))
            for peer, p in sorted(peers.items()):
                rows.append(
                    BgpPeerRecord(
                        ts=now,
                        device=dev,
                        peer=peer,
                        state=str(p.get("state", "")),
                        remote_as=p.get("remoteAs") if isinstance(p.get("remoteAs"), int) else None,
                        prefixes_received=p.get("pfxRcd") if isinstance(p.get("pfxRcd"), int) else None,
                        uptime=str(p.get("peerUptime", "")),
                    )
                )
        self.store.add_bgp(rows)

    def _slow(self, now: float) -> None:
        rules: list[RuleCounter] = []
        for dev in self.switches:
            ns = self.lab.ns(dev)
            rc, out = run_in(ns, ["nft", "list", "ruleset"])
            if rc == 0:
                rules += [
                    RuleCounter(device=dev, table=t, chain=c, rule=r, packets=p, bytes=b)
                    for t, c, r, p, b in parse_nft_counters(out)
                ]
            rc, out = run_in(ns, ["tc", "-s", "-j", "qdisc", "show"])
            if rc == 0:
                self.store.add_netstat(now, dev, _qdisc_drops(out))
            rc, out = run_in(ns, ["ip", "-j", "route", "show", "table", "main"])
            if rc == 0:
                self.store.put_route_snapshot(now, dev, "fib", out.strip())
            try:
                rib = self.lab.vty_show(dev, "show ip route json", daemon="zebra", timeout=3.0)
                self.store.put_route_snapshot(now, dev, "rib", rib.strip())
            except Exception:
                self.store.put_route_snapshot(now, dev, "rib", "{}")
        if rules:
            self.store.add_rule_counters(now, rules)

    def _logs(self, now: float) -> None:
        rows: list[LogRecord] = []
        for dev in self.switches:
            for daemon in _FRR_DAEMONS:
                path = self.lab.run_dir / dev / f"{daemon}.log"
                pos = self._log_pos.get(path, 0)
                try:
                    with open(path, "rb") as f:
                        f.seek(pos)
                        chunk = f.read(1 << 20)
                except FileNotFoundError:
                    continue
                end = chunk.rfind(b"\n") + 1  # keep a half-written last line for the next tick
                self._log_pos[path] = pos + end
                for raw in chunk[:end].decode(errors="replace").splitlines():
                    if raw.strip():
                        rows.append(
                            LogRecord(
                                ts=_frr_time(raw, now), device=dev, source=daemon, message=raw[:_LOG_LINE_MAX]
                            )
                        )
        if rows:
            self.store.add_logs(rows)


def _qdisc_drops(text: str) -> dict[str, int]:
    """``tc -s -j qdisc`` -> qdisc.<iface>.<kind>.dropped / .overlimits for non-default qdiscs."""
    try:
        data = json.loads(text or "[]")
    except json.JSONDecodeError:
        return {}
    out: dict[str, int] = {}
    for q in data if isinstance(data, list) else []:
        kind, dev = str(q.get("kind", "")), str(q.get("dev", ""))
        if kind in ("noqueue", "pfifo_fast", "") or not dev:
            continue
        out[f"qdisc.{dev}.{kind}.dropped"] = int(q.get("drops", 0))
        out[f"qdisc.{dev}.{kind}.overlimits"] = int(q.get("overlimits", 0))
    return out
