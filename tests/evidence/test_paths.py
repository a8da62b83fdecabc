"""Path-discovery scheduling: full passes on a refresh period, quick retries of lost answers."""

from __future__ import annotations

import time

import pytest

from pytest_netopsbench.evidence._paths import PathJob, PathMapper

JOBS: list[PathJob] = [(d, 0, 1, f) for f in range(4) for d in ("fwd", "rev")]
ROUTERS = {"198.18.8.0": "spine1", "198.18.8.2": "spine2"}


def test_batches_retries_and_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    m = PathMapper(JOBS, ROUTERS, refresh_s=60, retry_s=1)
    assert m.batch(5) == JOBS[:5] and m.batch(5) == JOBS[5:]
    assert m.batch(5) == [], "nothing until the retry time"
    for job in JOBS[:6]:
        m.answer(job, "198.18.8.0", 11)
    m.answer(JOBS[6], "198.19.9.9", 11)  # not a spine address: ignored
    m.answer(JOBS[7], "198.18.8.2", 3)  # not time-exceeded: ignored
    assert len(m.found) == 6 and len(m.take_updates()) == 6 and m.take_updates() == []
    clock[0] += 1.5
    assert m.batch(10) == JOBS[6:], "only the unanswered flows are asked again"
    for job in JOBS[6:]:
        m.answer(job, "198.18.8.2", 11)
    assert m.complete and len(m.take_updates()) == 2
    clock[0] += 5
    assert m.batch(10) == [], "a complete map waits for the refresh"
    clock[0] += 60
    assert m.batch(100) == JOBS, "full pass after refresh_s"
    m.answer(JOBS[0], "198.18.8.2", 11)  # the path moved: one update, the newer answer wins
    assert m.take_updates() == [(*JOBS[0], "spine2")]
