"""Helpers for the sandbox tests. pytest puts this directory on ``sys.path`` (rootdir-less test
directories are prepended), so ``adversaries`` is importable by module:attr inside a sandbox too:
the sandbox mounts every ``sys.path`` directory read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
