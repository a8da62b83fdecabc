"""Memory preflight for a whole run: refused as one usage error before any lab is deployed when the
selected scales cannot fit in the host's free memory (``NetnsLab.deploy`` checks each lab again)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest

from ._collect import SCENARIO
from ._options import Settings

__all__ = ["check_run_memory"]


def check_run_memory(config: pytest.Config, settings: Settings, items: Sequence[pytest.Item]) -> None:
    """Each worker holds one lab per scale it meets, and up to one worker per case of a scale runs
    that scale at once: the need of a scale is its per-lab figure times min(workers, its cases)."""
    if settings.labs or settings.runtime != "netns":
        return  # given labs exist already; other backends' memory figures were not measured
    from ..runtime import mem_available_mib, memory_problem

    workerinput = getattr(config, "workerinput", None)
    workers = int(workerinput.get("workercount", 1)) if workerinput else 1
    cases = Counter(s.scale for i in items if (s := i.stash.get(SCENARIO, None)) is not None)
    available = mem_available_mib()
    for scale, count in cases.items():
        problem = memory_problem(scale, available, labs=min(workers, count))
        if problem:
            raise pytest.UsageError(
                f"netopsbench: {problem}; refused before deploying anything "
                "(use a smaller scale, fewer workers with -n, or a larger host)"
            )
