"""Sandbox tests: the adversarial agents in ``adversaries.py`` must be importable by module:attr
from inside a sandbox, so this directory is put on ``sys.path`` (and mounted read-only there)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
