"""Headless Chromium (Debian's ``chromium``) for page tests: the DOM after scripts ran, the console
messages, and screenshots. One browser process per page load, a fresh profile each time, no
network beyond the URL given (background networking, updates and sync off).

Console messages come from Chromium's own log (``--enable-logging=stderr``), where every
``console.*`` call, uncaught exception and failed resource load appears as an ``INFO:CONSOLE``
line. Screenshots are copied to ``$NETOPSBENCH_SCREENS_DIR`` too when it is set."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)\] (.*)")


@dataclass
class Page:
    url: str
    dom: str
    console: list[str] = field(default_factory=list)


def chromium() -> str:
    """The browser; tests skip without it, except in CI, where scripts/test.sh installs it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/test.sh installs it: TEST_PKGS)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="nob-chromium-") as profile:
        return subprocess.run(
            [chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def load(url: str) -> Page:
    """The page's DOM after its scripts ran, and what it wrote to the console."""
    proc = _run(["--dump-dom", url])
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [m.group(1) for line in proc.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return Page(url=url, dom=proc.stdout, console=console)


def screenshot(url: str, out: Path, *, height: int = 900) -> Path:
    proc = _run([f"--screenshot={out}", f"--window-size=1280,{height}", url])
    assert proc.returncode == 0 and out.is_file() and out.stat().st_size > 1000, proc.stderr[-2000:]
    shared = os.environ.get("NETOPSBENCH_SCREENS_DIR")
    if shared:
        Path(shared).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, Path(shared) / out.name)
    print(f"screenshot: {out}")
    return out
