"""A case's ping mesh as a picture: leaf-pair loss (and mean RTT in each cell's tooltip), baseline
window beside observation window, read from the case's exported evidence store. Drawn after
scoring, so the fault's leaves are marked (red labels); a spine fault marks the leaf at the other
end of its link.

The windows come from the case record: the baseline is ``started`` to ``started + baseline``; the
observation starts after injection and settling and runs through observation and verification
(verification may slide the agent's window later, so the picture covers both)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..evidence import PairStats, Window
    from ..records import CaseRecord
    from ..topology import Topology

__all__ = ["case_heatmap", "case_windows", "heatmap_svg"]

Cell = tuple[float, float | None]  # (loss share 0..1, mean RTT ms)


def case_windows(case: CaseRecord) -> tuple[Window, Window] | None:
    """(baseline, observation) of a case, from its start time and phase durations."""
    from ..evidence import Window

    phases = case.phases
    if not case.started or "baseline" not in phases or "observe" not in phases:
        return None
    baseline = Window(start=case.started, end=case.started + phases["baseline"])
    start = baseline.end + phases.get("inject", 0.0)
    return baseline, Window(start=start, end=start + phases["observe"] + phases.get("verify", 0.0))


def _leaf_matrix(stats: list[PairStats]) -> dict[tuple[str, str], Cell]:
    sums: dict[tuple[str, str], list[float]] = {}
    for s in stats:
        acc = sums.setdefault((s.src_leaf, s.dst_leaf), [0.0, 0.0, 0.0, 0.0])
        acc[0] += s.sent
        acc[1] += s.lost
        if s.rtt_avg_ms is not None:
            answered = s.sent - s.lost
            acc[2] += s.rtt_avg_ms * answered
            acc[3] += answered
    return {
        k: (lost / sent if sent else 0.0, rtt / n if n else None) for k, (sent, lost, rtt, n) in sums.items()
    }


def _color(loss: float) -> str:
    if loss <= 0:
        return "#f0fff4"
    share = min(1.0, 0.25 + loss)  # any loss at all is visibly red
    r, g, b = 255, int(235 - 200 * share), int(235 - 200 * share)
    return f"#{r:02x}{g:02x}{b:02x}"


def _matrix(
    x0: float, title: str, leaves: list[str], cells: dict[tuple[str, str], Cell], marked: set[str]
) -> list[str]:
    size, label = 26, 46
    parts = [f'<text x="{x0}" y="14" font-size="12">{escape(title)}</text>']
    for i, leaf in enumerate(leaves):
        weight = ' font-weight="bold" fill="#c53030"' if leaf in marked else ""
        y = 24 + label + i * size + size / 2 + 4
        parts.append(f'<text x="{x0}" y="{y:.0f}" font-size="10"{weight}>{escape(leaf)}</text>')
        x = x0 + label + i * size + 4
        parts.append(
            f'<text x="{x:.0f}" y="{24 + label - 6}" font-size="10"{weight}>{escape(leaf[-6:])}</text>'
        )
    for i, src in enumerate(leaves):
        for j, dst in enumerate(leaves):
            cell = cells.get((src, dst))
            fill = "#edf2f7" if cell is None else _color(cell[0])
            tip = f"{src} to {dst}: no probes"
            if cell is not None:
                rtt = "-" if cell[1] is None else f"{cell[1]:.2f} ms"
                tip = f"{src} to {dst}: loss {cell[0]:.1%}, mean RTT {rtt}"
            outline = "#c53030" if src in marked or dst in marked else "#cbd5e0"
            parts.append(
                f'<rect x="{x0 + label + j * size}" y="{24 + label + i * size}" width="{size - 2}" '
                f'height="{size - 2}" fill="{fill}" stroke="{outline}"><title>{escape(tip)}</title></rect>'
            )
    return parts


def heatmap_svg(
    leaves: list[str],
    baseline: dict[tuple[str, str], Cell],
    observation: dict[tuple[str, str], Cell],
    marked: set[str],
    *,
    title: str = "",
) -> str:
    """Two leaf-by-leaf matrices (rows: source leaf, columns: destination leaf)."""
    size, label = 26, 46
    # at least as wide as the matrix title, so two leaves (xs) do not overlap the titles
    width = max(label + len(leaves) * size + 30, 200)
    height = 24 + label + len(leaves) * size + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netopsbench-heatmap" width="{max(2 * width, 500)}" '
        f'height="{height}" role="img" aria-label="{escape(title or "ping-mesh loss per leaf pair")}">',
        *_matrix(0, "baseline: loss per leaf pair", leaves, baseline, marked),
        *_matrix(width, "observation", leaves, observation, marked),
        f'<text x="0" y="{height - 6}" font-size="10">rows: from, columns: to; white-green no loss, red '
        "loss; red labels: the fault's leaves</text></svg>",
    ]
    return "".join(parts)


def _marked_leaves(case: CaseRecord, topology: Topology) -> set[str]:
    leaves = {d.name for d in topology.leaves}
    marked: set[str] = set()
    if case.expected is None:
        return marked
    places = [(case.expected.device, case.expected.interface)]
    places += [(e.device, e.interface) for e in case.expected.equivalent]
    for device, interface in places:
        if device in leaves:
            marked.add(device)
        elif interface and topology.has_device(device):
            try:
                peer = topology.peer_of(device, interface).device
            except (KeyError, ValueError):
                continue
            if peer in leaves:
                marked.add(peer)
    return marked


def case_heatmap(case: CaseRecord, run_dir: Path | None = None) -> str:
    """The case's heatmap, or "" when its evidence store or windows are not available."""
    windows = case_windows(case)
    if windows is None or not case.evidence_path:
        return ""
    path = Path(case.evidence_path)
    if not path.is_absolute() and run_dir is not None:
        path = run_dir / path
    if not path.is_file():
        return ""
    from ..evidence import EvidenceStore

    try:
        with EvidenceStore(path) as store:
            topology = store.topology()
            if topology is None:
                return ""
            base, obs = (_leaf_matrix(store.pair_stats(w)) for w in windows)
    except Exception:  # a picture is never worth failing a report over
        return ""
    leaves = [d.name for d in topology.leaves]
    return heatmap_svg(
        leaves, base, obs, _marked_leaves(case, topology), title=f"{case.scenario_id} ping mesh"
    )
