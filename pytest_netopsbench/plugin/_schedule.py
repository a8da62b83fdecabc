"""Scale affinity for xdist's ``--dist load``: each worker keeps getting items of the scale it
already has a lab for, and a worker that needs a new scale takes one no other worker holds.

Only the choice of *which* pending items to send is changed (``_send_tests``); how many, when,
and everything else stay xdist's ``LoadScheduling``. Node ids are not touched (unlike
``loadgroup``), so ``-k``, JUnit names and reruns are unaffected.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScheduling

__all__ = ["ScaleAffinityScheduling"]


class ScaleAffinityScheduling(LoadScheduling):  # type: ignore[misc]  # xdist ships no types
    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self._file_scale: dict[str, str] = {}
        self._node_scale: dict[Any, str] = {}

    def scale_of(self, index: int) -> str:
        """The scale of a collected item ("" for anything that is not a scenario)."""
        assert self.collection is not None
        path = self.collection[index].split("::", 1)[0]
        if path not in self._file_scale:
            self._file_scale[path] = _scale_of_file(self.config.rootpath / path)
        return self._file_scale[path]

    def _send_tests(self, node: Any, num: int) -> None:
        if not self.pending or num <= 0:
            return
        mine = self._node_scale.get(node)
        picks = [i for i in self.pending if self.scale_of(i) == mine] if mine is not None else []
        if not picks:
            counts = Counter(self.scale_of(i) for i in self.pending)
            held = {scale for other, scale in self._node_scale.items() if other is not node}
            free = [s for s in counts if s not in held]
            # most pending first; ties by first appearance (pending is in collection order)
            target = max(free or list(counts), key=lambda s: counts[s])
            self._node_scale[node] = target
            picks = [i for i in self.pending if self.scale_of(i) == target]
        chosen = picks[:num]
        taken = set(chosen)
        self.pending[:] = [i for i in self.pending if i not in taken]
        self.node2pending[node].extend(chosen)
        node.send_runtest_some(chosen)


def _scale_of_file(path: Path) -> str:
    from ..scenario import is_scenario_file, load_scenario

    try:
        return load_scenario(path).scale if is_scenario_file(path) else ""
    except Exception:  # an invalid file never reaches scheduling; be safe anyway
        return ""
