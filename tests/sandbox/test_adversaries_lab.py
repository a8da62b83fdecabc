"""The adversarial suite of docs/isolation.md on a real xs lab (root + FRR): one small agent per
channel an in-process agent could use to learn or change its result (memory, the raw lab, thread
and process names, the scorer and report builder, ``interrupt_main``, an exception injected into
the main thread, lingering threads and processes, huge and secret-laden answers). Each must earn
nothing it did not diagnose, be recorded against itself (never as a harness error), leave nothing
behind and not disturb the next case. One run, one lab (``-p no:xdist``)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
from adversaries import LINGER_MARKER, SECRETS
from sandbox_helpers import HERE, needs_bwrap

sys.path.insert(0, str(HERE.parents[1] / "tests" / "plugin"))
from plugin_helpers import FAST_TIMING, run_dir, scenario

pytestmark = [pytest.mark.lab, needs_bwrap]

CONFTEST = """
import pytest
import adversaries

@pytest.fixture
def netopsbench_agent(request):
    kind = request.node.scenario.scenario_id.split("-", 1)[1]
    return {
        "cheat": adversaries.Cheater(),
        "patch": adversaries.PatchesScorer(),
        "interrupt": adversaries.InterruptsMain(),
        "inject": adversaries.InjectsException(),
        "linger": adversaries.Lingers(),
        "leaky": adversaries.Leaky(),
        "after": adversaries.Healthy(),
    }[kind]
"""
LINK_DOWN = {"type": "link_down", "target": {"device": "spine1", "interface": "eth2"}}
KINDS = ("cheat", "patch", "interrupt", "inject", "linger", "leaky")


def test_every_channel_earns_nothing(pytester: pytest.Pytester) -> None:
    # the file names order the cases: every adversary runs before the healthy control case
    for i, kind in enumerate(KINDS):
        scenario(pytester, f"scenarios/{i}_{kind}.yaml", f"case-{kind}", timing=FAST_TIMING, fault=LINK_DOWN)
    scenario(pytester, "scenarios/9_after.yaml", "case-after", timing=FAST_TIMING)
    pytester.makeini(f"[pytest]\npythonpath = {HERE}\n")
    pytester.makeconftest(CONFTEST)
    started = time.monotonic()
    result = pytester.runpytest_subprocess(
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        "--netopsbench-seed=0",
        "--netopsbench-agent-timeout=20",
        timeout=900,
    )
    took = time.monotonic() - started
    run = run_dir(pytester)
    data = json.loads((run / "report.json").read_text())
    cases: dict[str, dict[str, Any]] = {c["scenario_id"]: c for c in data["cases"]}
    outcomes = {k: c["outcome"] for k, c in cases.items()}
    # nothing is charged to the harness, nothing scores, the next case is untouched
    assert "infra_error" not in outcomes.values(), outcomes
    assert not any(cases[f"case-{k}"]["score"] for k in KINDS), outcomes
    assert outcomes["case-after"] == "correct" and not cases["case-after"]["lab_rebuilt"], outcomes
    assert outcomes["case-patch"] == "wrong"  # its own copy of the scorer, not the harness's
    assert outcomes["case-interrupt"] in ("agent_error", "wrong")
    assert outcomes["case-inject"] in ("agent_error", "wrong")
    result.assert_outcomes(passed=1, failed=len(KINDS))

    seen = json.loads(cases["case-cheat"]["diagnosis"]["reasoning"])
    assert seen["gc_hits"] == [] and seen["raw"].startswith("no lab")
    words = ("spine1", "eth2", "link", "flap", "shaper", "netns", "nob-")
    assert not [n for n in seen["thread_names"] if any(w in n for w in words)], seen["thread_names"]
    assert seen["case_id"].startswith("case-") and len(seen["case_id"]) == len("case-") + 12

    # the lingering thread did not hold the run, its detached process did not survive the case
    assert took < 300
    left = subprocess.run(["pgrep", "-f", f"sleep {LINGER_MARKER}"], capture_output=True, text=True)
    assert left.returncode == 1, f"the lingering agent's process survived: {left.stdout}"

    # answers are capped and every artifact is redacted
    leaky = cases["case-leaky"]["diagnosis"]
    assert len(leaky["reasoning"]) < 21_000 and len(leaky["evidence"]) <= 100
    for path in run.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl"):
            text = path.read_text(errors="replace")
            assert path.stat().st_size < 2_000_000, path
            for secret in SECRETS:
                assert secret not in text, (secret, path)
