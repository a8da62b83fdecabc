"""The one agent-spec resolver (plugin, CLI and SDK): built-in short names, module:attr, a
third-party registration through a real dist-info on sys.path, and the errors."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_netopsbench.agents import (
    AgentSpecError,
    AlwaysHealthyAgent,
    ReferenceAgent,
    WorstPairAgent,
    load_agent_spec,
    registered_agents,
)
from pytest_netopsbench.errors import AgentError
from pytest_netopsbench.plugin import _agent as plugin_agent
from pytest_netopsbench.sdk import _agents as sdk_agents

BUILT_IN = {"reference", "llm", "baseline-healthy", "baseline-worst-pair"}

ACME = """
from pytest_netopsbench.diagnosis import DiagnosisResult


class AcmeAgent:
    name = "acme"

    def diagnose(self, context):
        return DiagnosisResult(verdict="inconclusive", reasoning="acme")


def broken():
    raise RuntimeError("no licence")
"""


def test_one_resolver_everywhere() -> None:
    assert plugin_agent.load_agent_spec is load_agent_spec
    assert sdk_agents.load_agent_spec is load_agent_spec


def test_built_in_short_names() -> None:
    registered = registered_agents()
    assert set(registered) >= BUILT_IN
    assert registered["reference"] == "pytest_netopsbench.agents.reference:ReferenceAgent"
    assert isinstance(load_agent_spec("reference"), ReferenceAgent)
    assert isinstance(load_agent_spec(" baseline-healthy "), AlwaysHealthyAgent)
    assert isinstance(load_agent_spec("baseline-worst-pair"), WorstPairAgent)
    # module:attr still works, and names the same class
    assert isinstance(load_agent_spec("pytest_netopsbench.agents:ReferenceAgent"), ReferenceAgent)


def test_llm_short_name_builds_or_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "NETOPSBENCH_LLM_API_KEY", "OPENAI_BASE_URL", "NETOPSBENCH_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(AgentSpecError, match=r"building agent 'llm' failed: .*OPENAI_API_KEY"):
        load_agent_spec("llm")
    monkeypatch.setenv("NETOPSBENCH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    assert load_agent_spec("llm").base_url == "http://127.0.0.1:9/v1"


def test_unknown_name_lists_the_registered_ones() -> None:
    with pytest.raises(AgentSpecError) as info:
        load_agent_spec("refrence")
    message = str(info.value)
    assert "unknown agent 'refrence'" in message
    assert "baseline-healthy, baseline-worst-pair, llm, reference" in message
    assert "module:attr" in message
    assert isinstance(info.value, AgentError)  # what the SDK raises for any agent problem


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("mod:", "must look like module:attr"),
        (":Agent", "must look like module:attr"),
        ("no_such_module_xyz:Agent", "cannot import module 'no_such_module_xyz'"),
        ("pytest_netopsbench.agents:Nope", "has no attribute 'Nope'"),
        ("pytest_netopsbench.agents:ENTRY_POINT_GROUP", "resolved to str, which has no diagnose"),
    ],
)
def test_bad_specs(spec: str, fragment: str) -> None:
    with pytest.raises(AgentSpecError, match=fragment):
        load_agent_spec(spec)


def _install(root: Path, module: str, entries: str) -> None:
    """Lay out a minimal installed distribution: a module plus a dist-info with entry_points.txt."""
    (root / f"{module}.py").write_text(ACME)
    dist = root / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[netopsbench.agents]\n{entries}\n")


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _install(
        tmp_path,
        "acme_netagents",
        "acme = acme_netagents:AcmeAgent\nacme-broken = acme_netagents:broken\n"
        "reference = acme_netagents:AcmeAgent",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield tmp_path
    finally:
        monkeypatch.undo()
        sys.modules.pop("acme_netagents", None)
        importlib.invalidate_caches()


def test_third_party_registration(acme: Path) -> None:
    registered = registered_agents()
    assert registered["acme"] == "acme_netagents:AcmeAgent"
    agent = load_agent_spec("acme")
    assert type(agent).__module__ == "acme_netagents" and agent.name == "acme"
    with pytest.raises(
        AgentSpecError, match=r"building agent 'acme-broken' failed: RuntimeError: no licence"
    ):
        load_agent_spec("acme-broken")
    # a name two distributions claim is refused, naming both targets, rather than picked silently
    with pytest.raises(AgentSpecError, match="registered twice") as info:
        load_agent_spec("reference")
    assert "acme_netagents:AcmeAgent" in str(info.value)
    assert "pytest_netopsbench.agents.reference:ReferenceAgent" in str(info.value)


def test_registration_is_gone_with_the_distribution(tmp_path: Path) -> None:
    assert "acme" not in registered_agents()
    with pytest.raises(AgentSpecError, match="unknown agent 'acme'"):
        load_agent_spec("acme")


def test_plugin_reports_an_unknown_name_once(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        **{"scenarios/healthy": "scenario_id: healthy-xs\nname: healthy\ntopology: {scale: xs}\n"},
    )
    result = pytester.runpytest("--netopsbench-agent=refrence", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert err.count("unknown agent 'refrence'") == 1 and "baseline-worst-pair" in err
    assert "Traceback" not in err


def test_sdk_wraps_a_short_name_and_hands_it_to_workers(tmp_path: Path) -> None:
    from pytest_netopsbench.sdk import NetOpsBench

    with NetOpsBench(tmp_path) as bench:
        handle = bench.agents.wrap("baseline-worst-pair")
        assert isinstance(handle.agent, WorstPairAgent) and handle.name == "baseline-worst-pair"
        # workers resolve the same short name again rather than unpickling an object
        assert handle.plugin_spec(2, tmp_path) == "baseline-worst-pair"
        with pytest.raises(AgentError, match="unknown agent 'worst-pair'"):
            bench.agents.wrap("worst-pair")
