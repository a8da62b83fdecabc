"""What the evidence already explains, and what it leaves open.

- A BGP session reset by hand during the window (both ends log it going down and coming back, and
  it is Established now) withdraws its routes for a second or two: flows hashed across that spine
  toward that leaf go missing meanwhile. Mesh loss on exactly those paths is that reset, over
  before anyone looked, not a fault.
- A fault on one spine (or one fabric link) costs a host pair only the flows hashed across it, the
  other spines still carry the rest: a pair that lost every flow has another cause, and when that
  is all the findings name, the hosts of such pairs are worth a look of their own.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from ...evidence import Anomaly
from ._collect import Survey
from ._rules import Finding

__all__ = ["SessionReset", "reset_explaining", "session_resets", "unexplained_unreachable_hosts"]

_ADJCHANGE = re.compile(r"%ADJCHANGE: neighbor \S+?\((?P<peer>[^)]+)\).*? (?P<state>Up|Down)\b")
#: the logs reach this far before the window (``log_horizon``); a reset that long before it could
#: still have cost the window's first probes
_BEFORE_S = 3.0
#: a reset costs a pair a few seconds of the flows across one spine, never most of its probes
_RESET_LOSS_PCT = 50.0


class SessionReset(BaseModel):
    model_config = ConfigDict(frozen=True)
    leaf: str
    spine: str
    down_ts: float
    up_ts: float

    def describe(self) -> str:
        return (
            f"BGP session {self.leaf}-{self.spine} went down and came back up within "
            f"{self.up_ts - self.down_ts:.0f} s in the window (Established now)"
        )


def session_resets(s: Survey) -> list[SessionReset]:
    """Leaf-spine sessions that went down and came back up around the window and are up now."""
    w = s.window
    spines = {d.name for d in s.topology.spines}
    leaves = {d.name for d in s.topology.leaves}
    seen: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for line in s.logs:
        m = _ADJCHANGE.search(line.message)
        if m is None or not w.start - _BEFORE_S <= line.ts <= w.end:
            continue
        names = {line.device, m.group("peer")}
        leaf, spine = next(iter(names & leaves), None), next(iter(names & spines), None)
        if leaf and spine:
            seen.setdefault((leaf, spine), []).append((line.ts, m.group("state")))
    down_now = {dev for dev, rows in s.sessions_down.items() if rows}
    out = []
    for (leaf, spine), events in sorted(seen.items()):
        downs = [ts for ts, state in events if state == "Down"]
        ups = [ts for ts, state in events if state == "Up"]
        if not downs or not ups or max(ups) < min(downs) or {leaf, spine} & down_now:
            continue
        out.append(SessionReset(leaf=leaf, spine=spine, down_ts=min(downs), up_ts=max(ups)))
    return out


def reset_explaining(a: Anomaly, resets: list[SessionReset]) -> SessionReset | None:
    """The reset that explains a loss anomaly: the pair starts or ends on the reset leaf, its lossy
    flows crossed the reset spine, and it lost only part of its probes."""
    if a.kind != "packet_loss" or a.value >= _RESET_LOSS_PCT or not a.spines:
        return None
    for r in resets:
        if r.leaf in (a.src_leaf, a.dst_leaf) and set(a.spines) <= {r.spine}:
            return r
    return None


def unexplained_unreachable_hosts(s: Survey, findings: list[Finding]) -> list[str]:
    """Hosts of pairs that lost every flow when every finding sits on a spine or a fabric link of a
    fabric with several spines (such a fault cannot cut a pair off): the host every such pair
    shares, else all of their hosts."""
    topo = s.topology
    spines = {d.name for d in topo.spines}
    fabric = {(e.device, e.interface) for link in topo.links if link.kind == "fabric" for e in link.ends()}
    if not findings or len(spines) < 2:
        return []
    if not all(f.device in spines or (f.device, f.interface) in fabric for f in findings):
        return []
    pairs = {(a.src, a.dst) for a in s.symptoms.anomalies if a.kind == "path_unreachable"}
    if not pairs:
        return []
    hosts = {h for p in pairs for h in p}
    common = sorted(h for h in hosts if all(h in p for p in pairs))
    return common if len(common) == 1 else sorted(hosts)
