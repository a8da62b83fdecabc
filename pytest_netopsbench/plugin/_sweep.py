"""Controller side: remove this run's stale labs at session start and at session end.

A lab is stale when the process that owns it is gone (a worker killed by SIGKILL, an earlier
attempt at the same run id). The owner watchdog normally removes such a lab within a second; the
sweeps catch what it could not (a watchdog killed too, a host without pidfd). Labs are matched by
exact run id, so other runs' labs are never touched, and nothing is swept with
``--netopsbench-keep-lab``, whose labs are meant to outlive their workers. The end sweep runs even
when no case finished.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["Sweeper", "sweep_stale_labs"]


def sweep_stale_labs(run_id: str) -> tuple[list[str], list[str]]:
    """Tear down every stale lab of ``run_id``; returns (removed names, errors). Never raises."""
    from ..runtime import list_labs, teardown_lab

    removed: list[str] = []
    errors: list[str] = []
    try:
        labs = list_labs()
    except Exception as exc:  # an unreadable labs root must not fail the run
        return [], [f"listing labs failed: {exc}"]
    for info in labs:
        if info.run_id != run_id or info.state != "stale":
            continue
        try:
            teardown_lab(info.name)
            removed.append(info.name)
        except Exception as exc:  # report, never fail the run over cleanup
            errors.append(f"{info.name}: {exc}")
    return removed, errors


class Sweeper:
    def __init__(self, run_id: str, *, enabled: bool) -> None:
        self.run_id, self.enabled = run_id, enabled
        self.at_start: list[str] = []
        self.at_end: list[str] = []
        self.errors: list[str] = []

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.enabled:
            self.at_start, errors = sweep_stale_labs(self.run_id)
            self.errors += errors

    @pytest.hookimpl(trylast=True)  # after xdist has shut its workers down
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.enabled:
            self.at_end, errors = sweep_stale_labs(self.run_id)
            self.errors += errors

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.at_start:
            terminalreporter.write_line(
                f"netopsbench: removed stale labs of run {self.run_id} left by an earlier attempt: "
                + ", ".join(self.at_start)
            )
        if self.at_end:
            terminalreporter.write_line(
                f"netopsbench: removed labs left by crashed workers: {', '.join(self.at_end)}"
            )
        for problem in self.errors:
            terminalreporter.write_line(f"netopsbench: could not remove a stale lab: {problem}", yellow=True)
