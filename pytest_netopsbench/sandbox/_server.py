"""The harness side of the wire: a unix socket that serves one case's tools to its sandbox.

One socket per case, in a fresh 0700 directory; each connection must open with the case's
random token (``hmac.compare_digest``); the socket is closed at the deadline or when the result
arrives, and every open connection is shut down with it. Tool calls go through
``Toolkit.call`` (argument validation, the allow-list, caps, the recorder) like in-process calls.
"""

from __future__ import annotations

import contextlib
import hmac
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._protocol import (
    CaseData,
    Channel,
    Failure,
    Hello,
    LlmCall,
    Message,
    Ready,
    Reply,
    Result,
    Specs,
    ToolCall,
    Totals,
    decode_request,
)

__all__ = ["CaseServer"]


class CaseServer:
    """Serves ``context`` (a ``DiagnosticContext``, or ``None`` for the start-up check)."""

    def __init__(self, token: str, context: Any = None) -> None:
        self.token = token
        self.context = context
        self.dir = Path(tempfile.mkdtemp(prefix="nob-agent-"))
        self.path = self.dir / "tools.sock"
        self.ready = threading.Event()  # the agent was built
        self.done = threading.Event()  # a result or a failure arrived
        self.agent_name = ""
        self.result: Result | None = None
        self.failure: Failure | None = None
        self.violation = ""  # the first protocol violation on the agent's connection
        self.harness_error = ""  # an exception in the harness while serving (never the agent's fault)
        self._lock = threading.Lock()
        self._channels: list[Channel] = []
        self._closed = False
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.path))
        self._listener.listen(16)
        self._thread = threading.Thread(target=self._accept, name="netopsbench-agent-io", daemon=True)
        self._thread.start()

    # -- lifecycle ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop accepting and cut every connection (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            channels, self._channels = self._channels, []
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for ch in channels:
            with contextlib.suppress(OSError):
                ch.sock.shutdown(socket.SHUT_RDWR)
            ch.close()
        self._thread.join(2.0)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closed:
                    sock.close()
                    return
                channel = Channel(sock)
                self._channels.append(channel)
            threading.Thread(
                target=self._serve, args=(channel,), name="netopsbench-agent-io", daemon=True
            ).start()

    # -- one connection -----------------------------------------------------------------------------
    def _serve(self, ch: Channel) -> None:
        role = ""
        try:
            hello = Hello.model_validate_json(ch.receive())
            if not hmac.compare_digest(hello.token.encode(), self.token.encode()):
                return
            role = hello.role
            ch.send(Reply(value=self._case_data()))
            while not self._closed:
                try:
                    request = decode_request(ch.receive())
                except (ValidationError, ValueError) as exc:
                    if role == "agent" and not self.violation:
                        self.violation = f"the agent process sent a malformed message ({str(exc)[:300]})"
                    ch.send(Reply(ok=False, error="malformed request"))
                    continue
                try:
                    reply = self._handle(request)
                except Exception as exc:  # a harness bug: the case is void, not the agent's failure
                    self.harness_error = self.harness_error or f"{type(exc).__name__}: {exc}"
                    reply = Reply(ok=False, error="the harness failed to serve this request")
                ch.send(reply)
        except (ConnectionError, OSError, ValidationError, ValueError):
            return
        finally:
            ch.close()

    def _case_data(self) -> dict[str, Any] | None:
        ctx = self.context
        if ctx is None:
            return None
        return CaseData(
            case_id=ctx.case_id,
            topology=ctx.topology.model_dump(mode="json"),
            symptoms=ctx.symptoms.model_dump(mode="json"),
            window=ctx.window.model_dump(mode="json"),
            budget_s=ctx.budget_s,
            mcp_url=ctx.mcp.url,
            tools=[s.model_dump(mode="json") for s in ctx.tools.tool_specs()],
        ).model_dump(mode="json")

    def _handle(self, request: Any) -> Reply:
        ctx = self.context
        if isinstance(request, Ready):
            self.agent_name = request.name[:200]
            self.ready.set()
            return Reply()
        if isinstance(request, Result | Failure):
            with self._lock:
                if not self.done.is_set():  # the first answer counts
                    if isinstance(request, Result):
                        self.result = request
                    else:
                        self.failure = request
                    self.done.set()
            return Reply()
        if ctx is None:
            return Reply(ok=False, error="no case is being served")
        if isinstance(request, ToolCall):
            return Reply(value=ctx.tools.call(request.name, request.args))
        if isinstance(request, Specs):
            return Reply(value=[s.model_dump(mode="json") for s in ctx.tools.tool_specs()])
        if isinstance(request, Totals):
            return Reply(value=ctx.trace.totals.model_dump(mode="json"))
        if isinstance(request, LlmCall):
            usage = {
                "input_tokens": request.input_tokens,
                "output_tokens": request.output_tokens,
                "cost_usd": request.cost_usd,
            }
            ctx.trace.record_llm_call(
                request.model, request.messages, request.response, usage, request.seconds
            )
            return Reply()
        if isinstance(request, Message):
            ctx.trace.record_message(request.role, request.content)
            return Reply()
        return Reply(ok=False, error="unsupported request")
