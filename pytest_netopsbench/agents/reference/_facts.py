"""What the reference agent learned from the tools, as typed facts, and the parsers that turn each
tool's JSON answer into them: ports, counters, packet filters, queueing, the ping mesh and logs here,
BGP and routes in ``_routing_facts``. Parsers are pure and tolerant: a missing field is "unknown",
never a crash, because a tool answer may be truncated or an error."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Fact",
    "FilterRule",
    "LogLine",
    "Port",
    "PortCounters",
    "Qdisc",
    "is_error",
    "parse_acl",
    "parse_hotspots",
    "parse_interfaces",
    "parse_logs",
    "parse_metrics",
]


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True)


class Port(Fact):
    """One interface as ``get_device_interfaces`` shows it right now."""

    device: str
    name: str
    admin_up: bool
    oper: str
    carrier: bool
    mtu: int | None = None
    addresses: tuple[str, ...] = ()  # "a.b.c.d/len" as configured on the port
    carrier_changes: int | None = None  # since the port was created (the kernel's counter)


class PortCounters(Fact):
    """Counter changes of one interface over the observation window (``get_interface_metrics``)."""

    device: str
    name: str
    oper: str = ""
    mtu: int | None = None
    state_changes: int = 0
    rx_packets: int = 0
    tx_packets: int = 0
    rx_errors: int = 0
    tx_errors: int = 0
    rx_dropped: int = 0
    tx_dropped: int = 0
    tx_mbps: float = 0.0


class FilterRule(Fact):
    """A packet-filter rule (nftables or iptables) and the port it is bound to, if any."""

    device: str
    source: str  # "nftables" | "iptables"
    table: str
    chain: str
    hook: str = ""  # ingress, egress, forward, postrouting, ...
    interface: str | None = None
    direction: str = ""  # "in" | "out" | ""
    text: str
    action: str = ""  # drop, reject, queue, accept, ...
    packets: int = 0  # cumulative hits
    window_packets: int | None = None  # hits during the observation window, when known
    gone: bool = False  # matched during the window, no longer in the ruleset


class Qdisc(Fact):
    device: str
    interface: str
    kind: str
    parent: str = "root"
    options: dict[str, Any] = Field(default_factory=dict)
    dropped: int = 0
    overlimits: int = 0
    window_dropped: int | None = None
    window_overlimits: int | None = None


class LogLine(Fact):
    device: str
    ts: float
    source: str
    message: str


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def is_error(answer: object) -> bool:
    return not isinstance(answer, dict) or ("error" in answer and len(answer) == 1)


# -- interfaces and counters ---------------------------------------------------------------------
def parse_interfaces(device: str, answer: object) -> list[Port]:
    if is_error(answer):
        return []
    assert isinstance(answer, dict)
    out = []
    for row in answer.get("interfaces") or []:
        name = str(row.get("name", ""))
        if not name or name == "lo":
            continue
        out.append(
            Port(
                device=device,
                name=name,
                admin_up=row.get("admin_state") == "up",
                oper=str(row.get("oper_state", "")).lower(),
                carrier=bool(row.get("carrier", True)),
                mtu=row.get("mtu") if isinstance(row.get("mtu"), int) else None,
                addresses=tuple(str(a) for a in row.get("addresses") or []),
                carrier_changes=_int(row["carrier_changes"])
                if row.get("carrier_changes") is not None
                else None,
            )
        )
    return out


class MetricsView(Fact):
    counters: tuple[PortCounters, ...] = ()
    protocol: dict[str, int] = Field(default_factory=dict)
    qdisc: dict[str, int] = Field(default_factory=dict)  # "<iface>.<kind>.dropped" -> delta
    rules: tuple[tuple[str, str, str, int], ...] = ()  # (table, chain, rule text, packets delta)


def parse_metrics(device: str, answer: object) -> MetricsView:
    if is_error(answer):
        return MetricsView()
    assert isinstance(answer, dict)
    counters = tuple(
        PortCounters(
            device=device,
            name=str(r.get("interface", "")),
            oper=str(r.get("oper_state", "")),
            mtu=r.get("mtu") if isinstance(r.get("mtu"), int) else None,
            state_changes=_int(r.get("state_changes")),
            rx_packets=_int(r.get("rx_packets")),
            tx_packets=_int(r.get("tx_packets")),
            rx_errors=_int(r.get("rx_errors")),
            tx_errors=_int(r.get("tx_errors")),
            rx_dropped=_int(r.get("rx_dropped")),
            tx_dropped=_int(r.get("tx_dropped")),
            tx_mbps=float(r.get("tx_mbps") or 0.0),
        )
        for r in answer.get("interfaces") or []
        if r.get("interface")
    )
    rules = tuple(
        (str(r.get("table", "")), str(r.get("chain", "")), str(r.get("rule", "")), _int(r.get("packets")))
        for r in answer.get("filter_rule_counters") or []
    )
    return MetricsView(
        counters=counters,
        protocol={str(k): _int(v) for k, v in (answer.get("protocol_counters") or {}).items()},
        qdisc={str(k): _int(v) for k, v in (answer.get("qdisc_counters") or {}).items()},
        rules=rules,
    )


# -- packet filters and queueing -----------------------------------------------------------------
_TABLE = re.compile(r"^table (\S+) (\S+) \{")
_CHAIN = re.compile(r"^\s*chain (\S+) \{")
_HOOK = re.compile(r"type \S+ hook (\S+)(?: device \"?([^\";\s]+)\"?)?")
_COUNTER = re.compile(r"\bcounter packets (\d+) bytes (\d+)")
_IFNAME = re.compile(r"\b([io])ifname \"?([^\"\s]+)\"?")
_ACTIONS = ("drop", "reject", "queue", "accept", "jump", "goto", "return", "xt target")
_DEFAULT_QDISCS = ("noqueue", "pfifo_fast", "", "mq", "pfifo", "bfifo", "fq_codel")
_IPT_COUNT = re.compile(r"^\[(\d+):(\d+)\]\s+(-A\s+(\S+)\s+.*)$")
_IPT_IF = re.compile(r"\s-([io])\s+(\S+)")
_IPT_TARGET = re.compile(r"\s-j\s+(\S+)")


def _rule_action(text: str) -> str:
    words = text.replace('"', " ").split()
    for word in reversed(words):
        if word in ("drop", "reject", "queue", "accept", "return"):
            return word
        if word in ("NFQUEUE", "QUEUE"):
            return "queue"
    return "other"


def _strip_counter(text: str) -> str:
    return " ".join(_COUNTER.sub("counter", text).split())


def parse_acl(
    device: str, answer: object, window_rules: tuple[tuple[str, str, str, int], ...] = ()
) -> tuple[list[FilterRule], list[Qdisc]]:
    """``get_device_acl`` -> rules that do something (not bare chain policies) and non-default qdiscs.
    ``window_rules`` (from ``get_interface_metrics``) gives each nft rule's hits during the window."""
    if is_error(answer):
        return [], []
    assert isinstance(answer, dict)
    deltas = {(t, c, _strip_counter(r)): n for t, c, r, n in window_rules}
    rules: list[FilterRule] = []
    table = chain = hook = ""
    hook_dev: str | None = None
    for raw in answer.get("nftables") or []:
        line = str(raw)
        if m := _TABLE.match(line):
            table, chain, hook, hook_dev = f"{m.group(1)} {m.group(2)}", "", "", None
            continue
        if m := _CHAIN.match(line):
            chain, hook, hook_dev = m.group(1), "", None
            continue
        if m := _HOOK.search(line):
            hook, hook_dev = m.group(1), m.group(2)
            continue
        text = line.strip()
        if not chain or not text or text == "}" or text.startswith(("type ", "policy ")):
            continue
        action = _rule_action(text)
        if action == "other" and "counter" not in text:
            continue
        itf, direction = (
            hook_dev,
            {
                "ingress": "in",
                "egress": "out",
                "prerouting": "in",
                "input": "in",
                "postrouting": "out",
                "output": "out",
            }.get(hook, ""),
        )
        if m := _IFNAME.search(text):
            itf, direction = m.group(2), "in" if m.group(1) == "i" else "out"
        c = _COUNTER.search(text)
        key = (table, chain, _strip_counter(text))
        rules.append(
            FilterRule(
                device=device,
                source="nftables",
                table=table,
                chain=chain,
                hook=hook,
                interface=itf,
                direction=direction,
                text=_strip_counter(text),
                action=action,
                packets=int(c.group(1)) if c else 0,
                window_packets=deltas.get(key),
            )
        )
    live = {(r.table, r.chain, r.text) for r in rules}
    rules += [_gone_rule(device, key, n) for key, n in deltas.items() if n > 0 and key not in live]
    ipt_table = ""
    for raw in answer.get("iptables") or []:
        line = str(raw).strip()
        if line.startswith("*"):
            ipt_table = line[1:]
            continue
        m = _IPT_COUNT.match(line)
        if not m:
            continue
        text = m.group(3)
        target = _IPT_TARGET.search(text)
        action = {
            "DROP": "drop",
            "REJECT": "reject",
            "NFQUEUE": "queue",
            "QUEUE": "queue",
            "ACCEPT": "accept",
        }.get(target.group(1) if target else "", "other")
        if action == "other":
            continue
        im = _IPT_IF.search(text)
        rules.append(
            FilterRule(
                device=device,
                source="iptables",
                table=ipt_table,
                chain=m.group(4),
                hook=m.group(4).lower(),
                interface=im.group(2) if im else None,
                direction=("in" if im.group(1) == "i" else "out") if im else "",
                text=text,
                action=action,
                packets=int(m.group(1)),
            )
        )
    qdiscs = []
    for q in answer.get("qdiscs") or []:
        kind = str(q.get("kind", ""))
        if kind in _DEFAULT_QDISCS or not q.get("interface"):
            continue
        qdiscs.append(
            Qdisc(
                device=device,
                interface=str(q["interface"]),
                kind=kind,
                parent=str(q.get("parent") or "root"),
                options=q.get("options") or {},
                dropped=_int(q.get("dropped")),
                overlimits=_int(q.get("overlimits")),
            )
        )
    return rules, qdiscs


_HOOK_CHAIN = re.compile(r"^(ingress|egress)_(\S+)$")


def _gone_rule(device: str, key: tuple[str, str, str], hits: int) -> FilterRule:
    """A rule that matched packets during the window but is no longer in the ruleset: one that comes
    and goes. Its port is read from the rule (``iifname``) or its chain's name (``ingress_eth2``),
    the ruleset no longer holding the chain's hook."""
    table, chain, text = key
    itf, direction, hook = None, "", ""
    if m := _HOOK_CHAIN.match(chain):
        hook, itf, direction = m.group(1), m.group(2), "in" if m.group(1) == "ingress" else "out"
    if m := _IFNAME.search(text):
        itf, direction = m.group(2), "in" if m.group(1) == "i" else "out"
    return FilterRule(
        device=device,
        source="nftables",
        table=table,
        chain=chain,
        hook=hook,
        interface=itf,
        direction=direction,
        text=text,
        action=_rule_action(text),
        packets=hits,
        window_packets=hits,
        gone=True,
    )


def parse_hotspots(answer: object) -> list[str]:
    """``get_pingmesh_hotspots`` -> one line per leaf pair that shows anything (the tool lists all)."""
    if is_error(answer):
        return []
    assert isinstance(answer, dict)
    out = []
    for r in answer.get("leaf_pairs") or []:
        loss, df = float(r.get("loss_pct") or 0), float(r.get("df_loss_pct") or 0)
        p99, bad = r.get("rtt_p99_ms"), int(r.get("pairs_unreachable") or 0)
        if not (loss or df or bad or (p99 or 0) > 5):
            continue
        out.append(
            f"{r.get('src_leaf')}->{r.get('dst_leaf')}: {bad} unreachable, loss {loss:g}%, "
            f"DF loss {df:g}%, p99 {p99 if p99 is not None else '-'} ms"
        )
    return out


def parse_logs(device: str, answer: object) -> list[LogLine]:
    if is_error(answer):
        return []
    assert isinstance(answer, dict)
    return [
        LogLine(
            device=device,
            ts=float(r.get("ts") or 0.0),
            source=str(r.get("source", "")),
            message=str(r.get("message", "")),
        )
        for r in answer.get("lines") or []
    ]
