"""Pictures for reports, as inline SVG (no files, no scripts): the leaf-spine topology of a case
with the fault's place and the agent's answer marked, and the per-fault-type bar chart.

The topology picture is drawn after scoring: red is where the fault was (every place that counts
as right), blue dashed is where the agent pointed. A healthy case has no red."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..records import CaseRecord
    from ..topology import Topology

__all__ = ["case_picture", "chart_svg", "topology_svg"]

_FAULT, _ANSWER, _LINE, _BOX = "#c53030", "#2b6cb0", "#a0aec0", "#4a5568"


def chart_svg(rows: list[tuple[str, float, float, int]]) -> str:
    """Horizontal bars of pass rate and mean score per fault type: (name, pass_rate, mean, n)."""
    bar_w, label_w, row_h = 260, 190, 34
    height = row_h * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netopsbench-chart" width="{label_w + bar_w + 120}" '
        f'height="{height}" role="img" aria-label="pass rate and mean score per fault type">',
        f'<text x="{label_w}" y="14" font-size="11">pass rate (dark) / mean score (light)</text>',
    ]
    for i, (name, rate, mean, n) in enumerate(rows):
        y = 24 + i * row_h
        parts += [
            f'<text x="0" y="{y + 14}" font-size="12">{escape(name)} (n={n})</text>',
            f'<rect x="{label_w}" y="{y}" width="{bar_w * rate:.1f}" height="12" fill="#2b6cb0">'
            f"<title>pass rate {rate:.0%}</title></rect>",
            f'<rect x="{label_w}" y="{y + 14}" width="{bar_w * mean:.1f}" height="12" fill="#90cdf4">'
            f"<title>mean score {mean:.2f}</title></rect>",
            f'<text x="{label_w + bar_w + 6}" y="{y + 11}" font-size="11">{rate:.0%}</text>',
            f'<text x="{label_w + bar_w + 6}" y="{y + 25}" font-size="11">{mean:.2f}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _norm(name: str | None) -> str:
    return (name or "").strip().lower()


def topology_svg(
    topology: Topology,
    fault: list[tuple[str, str | None]],
    answer: tuple[str, str | None] | None,
    *,
    title: str = "",
) -> str:
    """Spines on top, leaves in the middle, hosts below. ``fault``: the (device, interface) places
    of the fault; ``answer``: the place the agent named. A place with an interface marks that link,
    one without marks the device."""
    rows = [topology.spines, topology.leaves, topology.hosts]
    box_w, box_h, gap, row_gap = 56, 22, 14, 70
    # at least as wide as the legend line (xs has only two devices per row)
    width = max(max(len(r) for r in rows) * (box_w + gap) + gap, 240)
    pos: dict[str, tuple[float, float]] = {}
    for level, devices in enumerate(rows):
        span = len(devices) * (box_w + gap) - gap
        x0 = (width - span) / 2
        for i, dev in enumerate(devices):
            pos[dev.name] = (x0 + i * (box_w + gap) + box_w / 2, 30 + level * row_gap + box_h / 2)
    height = 30 + 2 * row_gap + box_h + 26

    def marked(places: Sequence[tuple[str, str | None]], device: str, interface: str) -> bool:
        return any(_norm(d) == _norm(device) and _norm(i) == _norm(interface) for d, i in places)

    answer_places = [answer] if answer and answer[0] else []
    link_places = [(d, i) for d, i in fault if i]
    answer_links = [(d, i) for d, i in answer_places if i]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netopsbench-topology" width="{width:.0f}" '
        f'height="{height}" role="img" aria-label="{escape(title or "topology")}">',
    ]
    if title:
        parts.append(f'<text x="4" y="14" font-size="12">{escape(title)}</text>')
    for link in topology.links:
        a, b = link.a, link.b
        if a.device not in pos or b.device not in pos:
            continue
        (x1, y1), (x2, y2) = pos[a.device], pos[b.device]
        ends = ((a.device, a.interface), (b.device, b.interface))
        is_fault = any(marked(link_places, d, i) for d, i in ends)
        is_answer = any(marked(answer_links, d, i) for d, i in ends)
        name = f"{a.device}:{a.interface} - {b.device}:{b.interface}"
        if is_fault:
            parts.append(_line(x1, y1, x2, y2, _FAULT, 4, "", f"fault: {name}"))
        if is_answer:
            parts.append(_line(x1, y1, x2, y2, _ANSWER, 2.5, "5,3", f"answer: {name}"))
        if not (is_fault or is_answer):
            parts.append(_line(x1, y1, x2, y2, _LINE, 1, "", name))
    for dev_name, (cx, cy) in pos.items():
        parts.append(_box(dev_name, cx, cy, box_w, box_h, fault, answer_places))
    y = height - 8
    parts.append(
        f'<text x="4" y="{y}" font-size="10"><tspan fill="{_FAULT}">red: the fault</tspan>  '
        f'<tspan fill="{_ANSWER}">blue dashed: the answer</tspan></text></svg>'
    )
    return "".join(parts)


def _box(
    name: str,
    cx: float,
    cy: float,
    w: int,
    h: int,
    fault: list[tuple[str, str | None]],
    answer: list[tuple[str, str | None]],
) -> str:
    key = _norm(name)
    at_fault = any(_norm(d) == key and not i for d, i in fault)
    answered = any(_norm(d) == key and not i for d, i in answer)
    stroke = _FAULT if at_fault else _ANSWER if answered else _BOX
    width = 3.0 if at_fault else 2.5 if answered else 1.0
    dash = ' stroke-dasharray="4,2"' if answered else ""
    return (
        f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w}" height="{h}" rx="4" fill="#fff" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}><title>{escape(name)}</title></rect>'
        f'<text x="{cx:.1f}" y="{cy + 4:.1f}" font-size="10" text-anchor="middle">{escape(name)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, color: str, width: float, dash: str, title: str) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        f'stroke-width="{width}"{dash_attr}><title>{escape(title)}</title></line>'
    )


@cache
def _topology(scale: str) -> Topology:
    from ..topology import build_topology

    return build_topology(scale)


def case_picture(case: CaseRecord) -> str:
    """The case's topology with the fault's place(s) and the agent's answer marked ("" when the
    scale has no built-in topology)."""
    try:
        topology = _topology(case.scale)
    except Exception:  # a picture is never worth failing a report over
        return ""
    fault: list[tuple[str, str | None]] = []
    if case.expected is not None:
        fault.append((case.expected.device, case.expected.interface))
        fault += [(e.device, e.interface) for e in case.expected.equivalent]
    d = case.diagnosis
    answer = None
    if d is not None and d.verdict == "fault_detected" and d.device:
        device, interface = d.device, d.interface
        if not interface and ":" in device:
            device, _, interface = device.partition(":")
        answer = (device, interface)
    verdict = d.verdict if d is not None else case.outcome
    return topology_svg(topology, fault, answer, title=f"{case.scenario_id}: {verdict}")
