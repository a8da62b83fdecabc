"""Memory preflight: a lab whose measured need exceeds what the host has free is refused before
anything is deployed, with the numbers, instead of dying half-way through an OOM kill."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import CapabilityError

__all__ = ["SCALE_MEMORY_MIB", "check_memory", "mem_available_mib", "memory_problem"]

#: Resident memory of one lab's FRR daemons, measured on converged labs (sum of the RSS of every
#: zebra, staticd and bgpd of the lab); xl is extrapolated from the s..l growth.
SCALE_MEMORY_MIB: dict[str, int] = {"xs": 129, "s": 196, "m": 417, "l": 716, "xl": 1536}


def mem_available_mib(meminfo: Path | None = None) -> int | None:
    """``MemAvailable`` in MiB, or None when the kernel does not say. ``NETOPSBENCH_MEMINFO`` names
    another file in /proc/meminfo format (a container's own limit, or a test)."""
    if meminfo is None:
        meminfo = Path(os.environ.get("NETOPSBENCH_MEMINFO", "/proc/meminfo"))
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def memory_problem(scale: str, available_mib: int | None, labs: int = 1) -> str | None:
    """Why ``labs`` labs of ``scale`` do not fit in ``available_mib`` (one line), or None."""
    need = SCALE_MEMORY_MIB.get(scale)
    if need is None or available_mib is None:
        return None
    total = need * labs
    if total <= available_mib:
        return None
    count = f"{labs} labs of scale {scale} need" if labs > 1 else f"a lab of scale {scale} needs"
    return f"{count} about {total} MiB of memory, but only {available_mib} MiB is available (MemAvailable)"


def check_memory(scale: str, labs: int = 1) -> None:
    """Raise :class:`CapabilityError` when ``labs`` labs of ``scale`` do not fit in free memory."""
    problem = memory_problem(scale, mem_available_mib(), labs)
    if problem:
        raise CapabilityError(problem, hint="use a smaller scale, fewer workers (-n) or a larger host")
