"""docs/agents.md is executable: its Python blocks run in order in one namespace. Blocks after a
``<!-- needs a lab -->`` line run only in the lab test (they start a real benchmark)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from _replay import replay_context

from pytest_netopsbench.runtime import list_labs, teardown_lab

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "agents.md"
_BLOCK = re.compile(r"(<!-- needs a lab -->\n)?```python\n(.*?)```", re.DOTALL)


def blocks(*, with_lab: bool) -> list[str]:
    found = [(bool(m.group(1)), m.group(2)) for m in _BLOCK.finditer(GUIDE.read_text())]
    assert len(found) >= 5, "the guide lost its code blocks"
    return [code for lab, code in found if with_lab or not lab]


def run_guide(with_lab: bool, monkeypatch: pytest.MonkeyPatch, workdir: Path) -> dict[str, object]:
    # The guide's paths are relative to a checkout; a copy of its scenarios keeps the run's
    # workspace (.netopsbench/runs) out of the real checkout.
    shutil.copytree(REPO / "scenarios", workdir / "scenarios", dirs_exist_ok=True)
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {"__name__": "docs_agents_guide"}
    for index, code in enumerate(blocks(with_lab=with_lab)):
        exec(compile(code, f"{GUIDE}:block{index}", "exec"), namespace)
    return namespace


def test_guide_blocks_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ns = run_guide(False, monkeypatch, tmp_path)
    agent = ns["LinkCheckAgent"]()  # type: ignore[operator]
    assert agent.name == "link-check"
    assert ns["llm_agent"].max_tool_calls == 24  # type: ignore[attr-defined]


def test_checkout_example_is_the_guides_agent() -> None:
    """agents/link_check.py is the guide's first block verbatim, and it solves a recorded link-down
    (the case the guide's lab block runs) from the real tool answers."""
    first = blocks(with_lab=False)[0]
    assert "class LinkCheckAgent" in first
    assert first in (REPO / "agents" / "link_check.py").read_text()

    from agents.link_check import LinkCheckAgent

    fx = json.loads((REPO / "tests" / "agents" / "data" / "xs-link-down-leaf1-eth2.json").read_text())
    ctx, _ = replay_context(fx)
    result = LinkCheckAgent().diagnose(ctx)
    assert (result.verdict, result.device, result.interface) in {
        ("fault_detected", "leaf1", "eth2"),
        ("fault_detected", "spine2", "eth1"),  # the other end of the same link
    }, result.reasoning


@pytest.mark.lab
@pytest.mark.skipif(not Path("/usr/lib/frr/bgpd").exists(), reason="needs FRR")
def test_guide_runs_on_a_lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before = {i.name for i in list_labs()}
    try:
        run_guide(True, monkeypatch, tmp_path)
    finally:
        from pytest_netopsbench.sdk import ArtifactManager

        ours = {r.run_id for r in ArtifactManager(tmp_path / ".netopsbench" / "runs").runs(limit=3)}
        for info in list_labs():
            if info.name not in before and info.run_id in ours:
                teardown_lab(info.name)
