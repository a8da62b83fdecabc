"""Inside the sandbox: the agent's context, with tools and trace that talk to the harness.

``SandboxContext`` has the fields of ``DiagnosticContext`` (``case_id``, ``topology``,
``symptoms``, ``window``, ``budget_s``, ``tools``, ``mcp``, ``trace``); ``RemoteToolkit`` has the
Toolkit's tool methods (errors raise), ``call(name, args)`` (errors come back as data) and
``tool_specs()``. Nothing here holds a path, a run id, a lab name or the ground truth: the harness
never sends them.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import LabError, NetopsbenchError, ToolInputError
from ..evidence import SymptomReport, Window
from ..topology import Topology
from ._protocol import Channel, Hello, LlmCall, Message, Reply, Specs, ToolCall, Totals

__all__ = ["Connection", "RemoteToolkit", "RemoteTrace", "SandboxContext", "SandboxMcp", "connect"]


class Connection:
    """A request/reply channel to the harness, safe to share between the agent's threads."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self._lock = threading.Lock()

    def request(self, message: BaseModel) -> Any:
        with self._lock:
            self.channel.send(message)
            reply = Reply.model_validate_json(self.channel.receive())
        if not reply.ok:
            raise NetopsbenchError(f"the harness refused the request: {reply.error}")
        return reply.value


def connect(path: str, token: str, role: Literal["agent", "proxy"]) -> tuple[Connection, Any]:
    """Open the harness's socket; returns the connection and the case data (``None`` at check)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    channel = Channel(sock)
    channel.send(Hello(token=token, role=role))
    reply = Reply.model_validate_json(channel.receive())
    return Connection(channel), reply.value


def _raise_for(name: str, value: object) -> object:
    """The in-process Toolkit's methods raise; so do these, with the same message."""
    if isinstance(value, dict) and set(value) == {"error"} and isinstance(value["error"], dict):
        kind, message = value["error"].get("type"), str(value["error"].get("message", ""))
        if kind in ("refused", "invalid_arguments"):
            raise ToolInputError(message)
        if kind == "unknown_tool":
            raise AttributeError(message)
        raise LabError(message)
    return value


class RemoteToolkit:
    """The case's tools, served by the harness. Same method names and arguments as ``Toolkit``."""

    def __init__(self, conn: Connection, specs: list[dict[str, Any]], topology: Topology, window: Window):
        self._conn = conn
        self._specs = {s["name"]: s for s in specs}
        self.topology, self.window = topology, window
        for name, spec in self._specs.items():
            setattr(self, name, self._method(name, spec))

    def _method(self, name: str, spec: dict[str, Any]) -> Callable[..., object]:
        order = list(spec.get("parameters", {}).get("properties", {}))

        def method(*args: Any, **kwargs: Any) -> object:
            if len(args) > len(order):
                raise TypeError(f"{name}() takes {len(order)} positional arguments, {len(args)} given")
            for pname, value in zip(order, args, strict=False):
                if pname in kwargs:
                    raise TypeError(f"{name}() got multiple values for argument {pname!r}")
                kwargs[pname] = value
            return _raise_for(name, self.call(name, kwargs))

        method.__name__ = name
        method.__doc__ = spec.get("description", "")
        return method

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> object:
        """Run a tool by name; any refusal or failure comes back as ``{"error": {...}}``."""
        return self._conn.request(ToolCall(name=str(name), args=dict(arguments or {})))

    def tool_specs(self) -> list[Any]:
        from ..toolkit import ToolSpec

        return [ToolSpec.model_validate(s) for s in self._conn.request(Specs())]

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._specs})


class RemoteTrace:
    """``record_llm_call`` / ``record_message``, forwarded to the case's recorder (tool calls are
    recorded by the harness as it serves them)."""

    enabled = True

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record_llm_call(
        self, model: str, messages: Any, response: Any, usage: Any = None, seconds: float = 0.0
    ) -> None:
        from ..trace import response_text, usage_counts

        inp, out, cost = usage_counts(usage)
        self._conn.request(
            LlmCall(
                model=str(model),
                messages=json.loads(json.dumps(messages, default=str)),
                response=response_text(response),
                input_tokens=inp,
                output_tokens=out,
                cost_usd=cost,
                seconds=float(seconds),
            )
        )

    def record_message(self, role: str, content: Any) -> None:
        self._conn.request(Message(role=str(role), content=json.loads(json.dumps(content, default=str))))

    @property
    def totals(self) -> Any:
        from ..trace import TraceTotals

        return TraceTotals.model_validate(self._conn.request(Totals()))


class SandboxMcp(BaseModel):
    """``McpAccess`` inside the sandbox: the case's HTTP endpoint (loopback is shared) and a stdio
    command that runs a proxy to the harness's socket."""

    model_config = ConfigDict(frozen=True)
    transport: Literal["streamable-http"] = "streamable-http"
    url: str | None = None
    stdio_command: list[str] = Field(default_factory=list)


class SandboxContext(BaseModel):
    """The ``DiagnosticContext`` an agent gets in sandbox mode (same fields, same meaning)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    case_id: str
    topology: Topology
    symptoms: SymptomReport
    window: Window
    tools: RemoteToolkit
    mcp: SandboxMcp = Field(default_factory=SandboxMcp)
    budget_s: float
    trace: RemoteTrace
