"""The wire between the harness and the sandboxed agent: JSON lines over a unix socket.

Every message is a pydantic model, so a malformed or forged line is rejected at the boundary
instead of reaching the toolkit or the recorder. The first line of every connection is a
``Hello`` carrying the case's random token; the socket dies with the case's deadline.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "AGENT_SOCKET",
    "MAX_LINE",
    "Bootstrap",
    "CaseData",
    "Channel",
    "Failure",
    "Hello",
    "LlmCall",
    "Message",
    "Ready",
    "Reply",
    "Request",
    "Result",
    "Specs",
    "ToolCall",
    "Totals",
    "decode_request",
]

#: where the tool socket appears inside the sandbox (a neutral path: no run id, no lab)
AGENT_SOCKET = "/run/agent/tools.sock"
#: longest accepted line (a tool answer or a result); a longer one is a protocol violation
MAX_LINE = 32 * 1024 * 1024


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bootstrap(_Msg):
    """What the child reads from its stdin before anything else (never from argv or env)."""

    mode: Literal["check", "run"]
    socket: str = AGENT_SOCKET
    token: str
    sys_path: list[str]
    spec: str | None = None
    pickled: str | None = None  # base64 of a pickled agent (SDK-wrapped or fixture-provided objects)

    def payload(self) -> bytes | None:
        return base64.b64decode(self.pickled) if self.pickled else None


class Hello(_Msg):
    op: Literal["hello"] = "hello"
    token: str
    role: Literal["agent", "proxy"]


class ToolCall(_Msg):
    op: Literal["tool"] = "tool"
    name: str = Field(max_length=200)
    args: dict[str, Any] = Field(default_factory=dict)


class Specs(_Msg):
    op: Literal["specs"] = "specs"


class Totals(_Msg):
    op: Literal["totals"] = "totals"


class LlmCall(_Msg):
    op: Literal["llm"] = "llm"
    model: str
    messages: Any = None
    response: str = ""
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cost_usd: float | None = None
    seconds: float = 0.0


class Message(_Msg):
    op: Literal["message"] = "message"
    role: str
    content: Any = None


class Ready(_Msg):
    """The agent was imported (or unpickled) and built; ``name`` is what reports call it."""

    op: Literal["ready"] = "ready"
    name: str


class Result(_Msg):
    """What ``diagnose`` returned, as JSON; the harness coerces it (one coercion, on its side).
    ``unserializable`` names the type when the value was not JSON at all."""

    op: Literal["result"] = "result"
    value: Any = None
    unserializable: str | None = None


class Failure(_Msg):
    op: Literal["failure"] = "failure"
    kind: Literal["load", "error"]
    message: str
    detail: str = ""


Request = Annotated[
    ToolCall | Specs | Totals | LlmCall | Message | Ready | Result | Failure, Field(discriminator="op")
]
_REQUEST: TypeAdapter[Any] = TypeAdapter(Request)


def decode_request(line: bytes) -> Any:
    """One request line -> its model; raises ``ValueError`` (pydantic's) on anything else."""
    return _REQUEST.validate_json(line)


class CaseData(_Msg):
    """The case as the agent sees it: the harness's answer to the agent's ``Hello``."""

    case_id: str
    topology: dict[str, Any]
    symptoms: dict[str, Any]
    window: dict[str, Any]
    budget_s: float
    mcp_url: str | None = None
    tools: list[dict[str, Any]]


class Reply(_Msg):
    ok: bool = True
    value: Any = None
    error: str = ""


class Channel:
    """One connection, one request at a time (a lock makes it safe for threads of the agent)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._file = sock.makefile("rb")

    def send(self, message: BaseModel | dict[str, Any]) -> None:
        if isinstance(message, BaseModel):
            data = message.model_dump_json().encode()
        else:
            data = json.dumps(message, default=str).encode()
        self.sock.sendall(data + b"\n")

    def receive(self) -> bytes:
        line = self._file.readline(MAX_LINE + 1)
        if not line:
            raise ConnectionError("the other side closed the connection")
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise ValueError(f"a message longer than {MAX_LINE} bytes")
        return line

    def close(self) -> None:
        for closer in (self._file.close, self.sock.close):
            with contextlib.suppress(OSError):
                closer()
