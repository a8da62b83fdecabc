"""Real sandboxes without a lab: the case's tools are a real ``Toolkit`` on an empty evidence store
and a lab stand-in (tools that need a device fail as data), served over the real socket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from adversaries import SLEEP_MARKER
from sandbox_helpers import needs_bwrap

from pytest_netopsbench.episode import McpAccess
from pytest_netopsbench.evidence import EvidenceStore, Window, detect
from pytest_netopsbench.sandbox import (
    AGENT_OUTPUT_CAP,
    AgentEnvError,
    AgentLoadError,
    SandboxedAgent,
    SandboxOptions,
    agent_environment,
    bwrap_path,
)
from pytest_netopsbench.toolkit import Toolkit
from pytest_netopsbench.topology import build_topology
from pytest_netopsbench.trace import TraceRecorder

pytestmark = needs_bwrap


@pytest.fixture
def context(tmp_path: Path) -> Any:
    topo = build_topology("xs")
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    now = time.time()
    window, baseline = Window(start=now - 10, end=now), Window(start=now - 20, end=now - 10)
    recorder = TraceRecorder()
    tools = Toolkit(SimpleNamespace(topology=topo), store, window, topology=topo, recorder=recorder)
    return SimpleNamespace(
        case_id="case-0123456789ab",
        topology=topo,
        symptoms=detect(store, topo, baseline, window),
        window=window,
        budget_s=30.0,
        mcp=McpAccess(),
        tools=tools,
        trace=recorder,
    )


def _options(tmp_path: Path, **env: str) -> SandboxOptions:
    bwrap = bwrap_path()
    assert bwrap is not None
    environ = {**os.environ, "PYTEST_CURRENT_TEST": "tests/x.py::case-link-down", "NETOPSBENCH_X": "1", **env}
    return SandboxOptions(bwrap=bwrap, env=agent_environment(environ=environ), hidden=(tmp_path,))


def _run(spec: str, context: Any, tmp_path: Path, timeout: float = 20.0) -> tuple[Any, Path]:
    agent = SandboxedAgent.for_spec(spec, _options(tmp_path))
    output = tmp_path / "agent-output.log"
    return agent.run(context, timeout, output), output


def test_the_agent_sees_its_case_and_nothing_of_the_host(context: Any, tmp_path: Path) -> None:
    secret = tmp_path / "ground-truth.txt"
    secret.write_text("leaf2 eth1 link_down")
    paths = [str(secret), str(tmp_path), "/run/netopsbench", "/root", str(Path.cwd() / "scenarios")]
    agent = SandboxedAgent.from_object(__import__("adversaries").Snoop(paths), _options(tmp_path))
    call = agent.run(context, 20.0, tmp_path / "out.log")
    assert call.kind == "ok", call.message
    assert call.diagnosis is not None
    seen = json.loads(call.diagnosis.reasoning)
    assert not [k for k in seen["env"] if k.startswith(("PYTEST", "NETOPSBENCH", "PYTHON"))], seen["env"]
    assert seen["env"]["HOME"] == "/tmp"
    assert seen["uid"] == 65534
    if shutil.which("choom"):
        assert seen["oom_score_adj"] == "1000"  # out of memory, the agent dies, not the worker
    assert set(seen["pids"]) <= {1, 2, 3}  # bwrap, the child, nothing of the host
    # pid 1 is bwrap reading its mounts from a pipe: no host path, mount or run word in any argv
    assert all(str(tmp_path) not in c and "scenarios" not in c for c in seen["cmdlines"]), seen["cmdlines"]
    readable = seen["readable"]
    assert readable.pop(str(Path.cwd() / "scenarios")) == []  # masked by an empty tmpfs
    assert readable.pop("/root") in ([], [".pyenv"])  # only the mount point of the interpreter, if any
    assert not any(readable.values()), readable
    assert seen["topology_tool_ok"] and seen["case_id"] == "case-0123456789ab"
    assert set(seen["context_attrs"]) >= {
        "case_id",
        "topology",
        "symptoms",
        "window",
        "tools",
        "mcp",
        "trace",
    }
    assert "lab" not in seen["tools_attrs"] and "store" not in seen["tools_attrs"]
    # the harness counted the tool call it served, and the agent's note reached the recorder
    assert context.trace.totals.tool_calls == 1
    assert [e.kind for e in context.trace.events] == ["tool", "message"]
    assert (tmp_path / "out.log").read_text().strip() == "snoop ran"
    assert agent.name == "snoop"


def test_exit_without_answer_is_an_agent_error(context: Any, tmp_path: Path) -> None:
    call, _ = _run("adversaries:ExitsQuietly", context, tmp_path)
    assert call.kind == "error" and "without returning a result" in call.message, call.message


def test_timeout_kills_everything_the_agent_started(context: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    call, _ = _run("adversaries:Hangs", context, tmp_path, timeout=3.0)
    assert call.kind == "timeout", call.message
    assert time.monotonic() - started < 8
    left = subprocess.run(["pgrep", "-f", f"sleep {SLEEP_MARKER}"], capture_output=True, text=True)
    assert left.returncode == 1, f"left behind: {left.stdout}"


@pytest.mark.parametrize(
    ("spec", "kind", "words"),
    [
        ("adversaries:Garbage", "invalid", "cannot leave the sandbox"),
        ("adversaries:Raises", "error", "RuntimeError: model quota exhausted"),
    ],
)
def test_bad_answers_are_charged_to_the_agent(
    spec: str, kind: str, words: str, context: Any, tmp_path: Path
) -> None:
    call, _ = _run(spec, context, tmp_path)
    assert call.kind == kind and words in call.message, call.message


def test_output_is_capped(context: Any, tmp_path: Path) -> None:
    call, output = _run("adversaries:Chatty", context, tmp_path)
    assert call.kind == "ok", call.message
    text = output.read_bytes()
    assert AGENT_OUTPUT_CAP <= len(text) < AGENT_OUTPUT_CAP + 200
    assert text.endswith(b"[agent output truncated at 1000000 bytes]\n")


def test_async_agent_and_tool_specs(context: Any, tmp_path: Path) -> None:
    call, _ = _run("adversaries:Async", context, tmp_path)
    assert call.kind == "ok", call.message
    assert call.diagnosis is not None
    assert set(call.diagnosis.reasoning.split(",")) == {s.name for s in context.tools.tool_specs()}


def test_stdio_mcp_command_runs_a_proxy_inside(context: Any, tmp_path: Path) -> None:
    call, output = _run("adversaries:McpStdio", context, tmp_path, timeout=60.0)
    assert call.kind == "ok", f"{call.message}\n{output.read_text()[-2000:]}"
    assert call.diagnosis is not None
    seen = json.loads(call.diagnosis.reasoning)
    assert seen["tools"] == len(context.tools.tool_specs()) and seen["topology"]
    assert "/run/agent/tools.sock" in seen["cmd"] and not any("--lab" in c for c in seen["cmd"])
    assert context.trace.totals.tool_calls == 1  # counted by the harness as it served it


def test_unimportable_agents_fail_the_check_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(AgentLoadError, match="cannot import module 'no_such_agent_module'"):
        SandboxedAgent.for_spec("no_such_agent_module:Agent", _options(tmp_path)).check()
    with pytest.raises(AgentLoadError, match="no diagnose"):
        SandboxedAgent.for_spec("adversaries:NotAnAgent", _options(tmp_path)).check()


def test_unpicklable_object_names_both_ways_out(context: Any, tmp_path: Path) -> None:
    class Local:
        def diagnose(self, context: Any) -> None:
            return None

    agent = SandboxedAgent.from_object(Local(), _options(tmp_path))
    call = agent.run(context, 10.0, None)
    assert call.kind == "error"
    assert "module:attr" in call.message and "--netopsbench-isolation=none" in call.message, call.message
    with pytest.raises(AgentLoadError):
        agent.check()


def test_environment_is_an_allow_list_plus_declared(tmp_path: Path) -> None:
    environ = {
        "PATH": "/bin",
        "OPENAI_API_KEY": "sk-1",
        "PYTEST_CURRENT_TEST": "x",
        "LC_ALL": "C",
        "TOKEN": "t",
    }
    env_file = tmp_path / "agent-env.yaml"
    env_file.write_text("OPENAI_API_KEY: ${OPENAI_API_KEY}\nMODEL: gpt-x\nDEBUG: true\n")
    env = agent_environment(env_file, ["TOKEN"], environ)
    assert env == {
        "PATH": "/bin",
        "LC_ALL": "C",
        "HOME": "/tmp",
        "OPENAI_API_KEY": "sk-1",
        "MODEL": "gpt-x",
        "DEBUG": "true",
        "TOKEN": "t",
    }
    env_file.write_text("KEY: ${MISSING_VAR}\n")
    with pytest.raises(AgentEnvError, match=rf"{env_file}.*KEY.*MISSING_VAR"):
        agent_environment(env_file, [], environ)
    with pytest.raises(AgentEnvError, match="NOPE"):
        agent_environment(None, ["NOPE"], environ)


def test_garbage_on_the_socket_is_an_agent_error(context: Any, tmp_path: Path) -> None:
    call, _ = _run("adversaries:Garbles", context, tmp_path)
    assert call.kind == "error" and "malformed message" in call.message, call.message


def test_the_socket_wants_the_case_token(context: Any) -> None:
    import socket

    from pytest_netopsbench.sandbox._protocol import Channel, Hello, Reply
    from pytest_netopsbench.sandbox._server import CaseServer

    server = CaseServer("the-right-token", context)
    try:
        for token, served in (("a-wrong-token", False), ("the-right-token", True)):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(str(server.path))
            channel = Channel(sock)
            channel.send(Hello(token=token, role="proxy"))
            if served:
                assert Reply.model_validate_json(channel.receive()).value["case_id"] == context.case_id
            else:
                with pytest.raises(ConnectionError):
                    channel.receive()
            channel.close()
    finally:
        server.close()
    assert not server.path.exists()  # the socket and its directory go with the case


def test_broad_sys_path_entries_are_never_mounted(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_netopsbench.sandbox._bwrap import code_dirs

    monkeypatch.syspath_prepend("/")
    monkeypatch.syspath_prepend("/tmp")
    dirs = code_dirs()
    assert Path("/") not in dirs and Path("/tmp") not in dirs
    assert Path(__file__).resolve().parent in dirs or any(d in Path(__file__).resolve().parents for d in dirs)
