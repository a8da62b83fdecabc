"""The hidden wire: every link runs through a per-lab namespace no device can see.

Device end ``A:ethX`` is a veth whose peer ``pNa`` lives in the wire namespace; a per-link bridge
``bN`` joins it to ``pNb``, the peer of ``B:ethY``. Devices keep their names, addresses and MTUs
and see a plain point-to-point port, yet the physical layer (capacity, loss, delay, corruption, a
cut cable) now has a place to live that is not any device's configuration: an impairment on the
wire changes what the ports count, never a device's ruleset, qdiscs or process list.

A bridge per link rather than ``tc mirred`` between the two wire ports: the bridge is what the
nftables ``bridge`` family and ``br_netfilter`` hook into, which is where loss and the NFQUEUE
shaper attach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...topology import LinkEnd, Role, Topology
from .._proc import run
from .._protocol import CommandResult

__all__ = ["ACCESS_MBIT", "CAPACITY_MBIT", "Wire", "capacity_mbit", "wire_namespace"]

#: leaf -> spine capacity per scale, Mbit/s: the oversubscribed direction, where congestion happens.
#: Background traffic is paced at <= 20 Mbit/s per flow (``evidence/_traffic.py``), so a healthy lab
#: never queues; a TCP load hashed onto one uplink fills it and the queue shows as drops, latency
#: and a TX/RX gap between the link's two ends. Small figures on purpose: a lab shares two cores.
CAPACITY_MBIT = {"xs": 50, "s": 50, "m": 50, "l": 50, "xl": 50}
#: host -> leaf is faster than the leaf's uplinks together (one host can fill an uplink).
ACCESS_MBIT = {"xs": 200, "s": 200, "m": 400, "l": 400, "xl": 400}
#: spine -> leaf and leaf -> host run at this multiple of the uplink figure: more than one uplink
#: delivers (a full uplink never queues further down its path), less than two (flows arriving over
#: several uplinks can fill a host's port without queueing anywhere on the fabric).
DOWNSTREAM_FACTOR = 1.5
#: the wire's queue holds this much time at line rate; past it the wire drops (as a switch would)
_QUEUE_MS = 50
#: wire ports accept frames larger than any device MTU: the receiving device's own MTU decides
_WIRE_MTU = 9500
_WIRE_SYSCTLS = (
    # The wire never speaks: no IPv6 autoconfiguration, router solicitations or MLD on its ports.
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
    # iptables (physdev + NFQUEUE) sees bridged IPv4: the shaper's delay and corruption hook in here.
    "net.bridge.bridge-nf-call-iptables=1",
    "net.bridge.bridge-nf-call-arptables=0",
    "net.bridge.bridge-nf-call-ip6tables=0",
)


def wire_namespace(lab_name: str) -> str:
    return f"{lab_name}-wire"


def capacity_mbit(scale: str) -> int:
    return CAPACITY_MBIT.get(scale, max(CAPACITY_MBIT.values()))


class Wire:
    """The wire of one lab: names of its ports and bridges, and commands run inside it."""

    def __init__(self, topology: Topology, lab_name: str) -> None:
        self.topology = topology
        self.ns = wire_namespace(lab_name)
        self.capacity_mbit = capacity_mbit(topology.scale)
        self.access_mbit = ACCESS_MBIT.get(topology.scale, max(ACCESS_MBIT.values()))
        self._ports: dict[tuple[str, str], str] = {}
        self._index: dict[tuple[str, str], int] = {}
        self._rate: dict[str, int] = {}
        for n, link in enumerate(topology.links):
            for side, end in (("a", link.a), ("b", link.b)):
                self._ports[(end.device, end.interface)] = f"p{n}{side}"
                self._index[(end.device, end.interface)] = 2 * n + (side == "b")
                # this port's egress goes toward ``end``: up toward a spine, down toward a leaf or host
                role = topology.device(end.device).role
                if role is Role.SPINE:
                    rate = self.capacity_mbit
                elif role is Role.LEAF and link.kind == "access":
                    rate = self.access_mbit
                else:
                    rate = round(self.capacity_mbit * DOWNSTREAM_FACTOR)
                self._rate[f"p{n}{side}"] = rate

    def capacity(self, device: str, interface: str) -> int:
        """Mbit/s of what ``device:interface`` sends (the egress of the wire's far port)."""
        return self._rate[self.far_port(device, interface)]

    def port(self, device: str, interface: str) -> str:
        """The wire port facing ``device:interface``: frames that device sends enter the wire here,
        frames toward it leave the wire here."""
        try:
            return self._ports[(device, interface)]
        except KeyError:
            raise KeyError(
                f"{device}:{interface} is on no link of the {self.topology.scale} fabric"
            ) from None

    def far_port(self, device: str, interface: str) -> str:
        """The wire port at the other end: frames ``device:interface`` sends leave the wire there."""
        peer = self.topology.peer_of(device, interface)
        return self.port(peer.device, peer.interface)

    def bridge(self, device: str, interface: str) -> str:
        return "b" + self.port(device, interface)[1:-1]

    def slot(self, device: str, interface: str) -> int:
        """A small number unique to this link end (NFQUEUE queue numbers, table names)."""
        return self._index[(device, interface)]

    def exec(self, argv: Sequence[str], *, timeout: float = 10.0, input: str | None = None) -> CommandResult:
        return run(["ip", "netns", "exec", self.ns, *argv], timeout=timeout, input=input)

    def check(self, argv: Sequence[str], *, timeout: float = 10.0, input: str | None = None) -> str:
        from ...errors import LabError

        res = self.exec(argv, timeout=timeout, input=input)
        if not res.ok:
            raise LabError(
                f"wire: `{' '.join(argv)}` exited {res.returncode}: "
                + (res.stderr or res.stdout).strip()[:300],
                step="wire",
            )
        return res.stdout

    # -- capacity ---------------------------------------------------------------------------------
    def shaper_line(self, port: str, mbit: float) -> str:
        """``tc -batch`` line for the egress capacity of one wire port."""
        burst_kb = max(32, int(mbit * 1000 / 8 / 250))  # 4 ms of line rate, at least a few GSO frames
        return f"qdisc replace dev {port} root tbf rate {mbit:g}mbit burst {burst_kb}kb latency {_QUEUE_MS}ms"

    def set_capacity(self, device: str, interface: str, mbit: float | None) -> None:
        """Capacity of the direction ``device:interface`` sends in; None restores the scale's."""
        port = self.far_port(device, interface)
        self.check(["tc", "-batch", "-"], input=self.shaper_line(port, mbit or self._rate[port]) + "\n")

    # -- building ---------------------------------------------------------------------------------
    def root_lines(self, ns: Callable[[str], str]) -> list[str]:
        """``ip -batch`` lines that create the wire namespace and both veths of every link."""
        lines = [f"netns add {self.ns}"]
        for link in self.topology.links:
            for end in (link.a, link.b):
                lines.append(self._veth(end, ns))
        return lines

    def _veth(self, end: LinkEnd, ns: Callable[[str], str]) -> str:
        return (
            f"link add name {end.interface} netns {ns(end.device)} type veth "
            f"peer name {self.port(end.device, end.interface)} netns {self.ns}"
        )

    def sysctls(self) -> tuple[str, ...]:
        return _WIRE_SYSCTLS

    def batch(self) -> str:
        """``ip -batch`` lines run inside the wire namespace: one bridge per link, ports up."""
        lines = []
        for n in range(len(self.topology.links)):
            br = f"b{n}"
            # No STP, no learning delay: a cable has no spanning tree and forwards from the first frame.
            lines.append(f"link add {br} type bridge stp_state 0 forward_delay 0 mcast_snooping 0")
            for side in ("a", "b"):
                port = f"p{n}{side}"
                lines += [f"link set {port} mtu {_WIRE_MTU} master {br}", f"link set {port} up"]
            lines.append(f"link set {br} up")
        return "\n".join(lines) + "\n"

    def tc_batch(self) -> str:
        """Every wire port's capacity (its egress is one direction of its link)."""
        return "".join(self.shaper_line(p, rate) + "\n" for p, rate in self._rate.items())

    def build_command(self) -> list[str]:
        """One process that configures the wire (run in parallel with the devices'): sysctls, the
        bridges (``batch()`` on stdin), then every port's capacity (``tc_batch()`` in ``$WIRE_TC``)."""
        script = 'sysctl -q -w "$@" && ip -batch - && printf "%s" "$WIRE_TC" | tc -batch -'
        return ["ip", "netns", "exec", self.ns, "sh", "-c", script, "sh", *self.sysctls()]
