"""A run's identity: its id and where run directories go by default.

The id is chosen before anything runs (the SDK and the CLI name the run directory before pytest
starts; a lab created outside a run still needs one for its name), so every caller takes it from
here and the format is the same everywhere."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["DEFAULT_RUNS_DIR", "new_run_id", "run_token"]

#: relative to the rootdir / workspace: ``<root>/.netopsbench/runs/<run_id>/``
DEFAULT_RUNS_DIR = Path(".netopsbench") / "runs"


def new_run_id() -> str:
    """``run-YYYYmmddTHHMMSSZ-<6 hex>``: sortable by time, unique without a lock."""
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}"


def run_token(run_id: str) -> str:
    """The short random part of a run id (its last ``-`` field, at most 6 characters), which lab
    names carry: ``run-20260101T000000Z-3fa2c1`` -> ``3fa2c1``."""
    return run_id.rsplit("-", 1)[-1][:6]
