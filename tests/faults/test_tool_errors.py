"""Tool errors read like a device's, never a harness path, lab name or step (no lab needed: a lab
that was never deployed is a network where every device is down)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from pytest_netopsbench.evidence import EvidenceStore, Window
from pytest_netopsbench.runtime import create_lab
from pytest_netopsbench.toolkit import Toolkit
from pytest_netopsbench.toolkit._commands import NO_DAEMON, NO_RESPONSE, _vty_problem, device_text

from ._tool_errors import harness_words, tool_errors


@pytest.mark.parametrize("device", ["leaf1", "spine2", "h1"])
def test_every_tool_against_an_unreachable_device_answers_like_the_device(
    tmp_path: Path, device: str
) -> None:
    lab = create_lab("xs", name=f"nob-u-{uuid.uuid4().hex[:6]}")
    store = EvidenceStore(tmp_path / "e.db")
    try:
        toolkit = Toolkit(lab, store, Window(start=time.time() - 10, end=time.time()))
        errors = tool_errors(toolkit, device, "198.19.2.10")
    finally:
        store.close()
    assert errors, "no tool failed against a device that does not exist"
    assert not harness_words(errors, lab.name), harness_words(errors, lab.name)
    for tool, text in errors.items():
        if tool != "get_all_bgp_status" and not text.startswith("argument "):  # refusals name the argument
            assert text.startswith(f"{device}: "), (tool, text)
    if device != "h1":
        assert errors["get_bgp_neighbors"] == f"{device}: {NO_DAEMON}"


def test_device_wording_rules() -> None:
    assert device_text("ping: connect: Network is unreachable\n", "nob-x") == (
        "ping: connect: Network is unreachable"
    )
    assert device_text('Cannot open network namespace "nob-x-h1": No such file', "nob-x") is None
    assert device_text("cat: /sys/class/net/eth9/carrier_changes: No such file", "nob-x") is None
    assert _vty_problem("daemon not reachable at /run/x/bgpd.vty (Connection refused); is the lab up?") == (
        NO_DAEMON
    )
    assert _vty_problem("'show bgp x json' failed: unknown command: % Unknown command") == "% unknown command"
    assert NO_RESPONSE.endswith("(timed out)")
