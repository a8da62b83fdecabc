"""Lab integrity between cases on a real xs lab: a stray nft rule that drops UDP (pings still pass)
is caught by the post-case check, the lab is rebuilt, and the next case says so."""

from __future__ import annotations

import json

import pytest
from plugin_helpers import FAST_TIMING, run_dir, scenario

pytestmark = pytest.mark.lab

CONFTEST = '''
import pytest
from pytest_netopsbench import DiagnosisResult
from pytest_netopsbench.plugin._runner import CASE

STRAY = """table inet filter {
  chain forward_x {
    type filter hook forward priority 0; policy accept;
    meta l4proto udp drop
  }
}
"""
poisoned = []

class Healthy:
    def diagnose(self, context):
        return DiagnosisResult(verdict="network_healthy")

@pytest.fixture
def netopsbench_agent():
    return Healthy()

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    # after the first case, before its clear and health check: what raw lab access could leave
    if not poisoned:
        lab = item.stash[CASE].episode.session.lab
        lab.exec("spine1", ["nft", "-f", "-"], input=STRAY, check=True)
        poisoned.append(item.name)
'''


def test_stray_udp_drop_rule_rebuilds_the_lab_for_the_next_case(pytester: pytest.Pytester) -> None:
    timing = {**FAST_TIMING, "recover_timeout_s": 5}
    for name in ("one", "two"):
        scenario(pytester, f"scenarios/{name}.yaml", f"healthy-{name}", timing=timing)
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", timeout=400)
    out = result.stdout.str()
    # the poisoned case is an error at teardown, never charged to an agent
    result.assert_outcomes(passed=2, errors=1)
    assert "did not recover after this case" in out
    records = [json.loads(x) for x in (run_dir(pytester) / "cases.jsonl").read_text().splitlines()]
    first, second = records
    assert first["outcome"] == "correct" and not first["lab_rebuilt"]
    assert "spine1 nft differs" in first["message"] or "UDP" in first["message"], first["message"]
    assert second["outcome"] == "correct" and second["score"] == 1.0
    assert second["lab_rebuilt"] and "was rebuilt before this case" in second["message"]
