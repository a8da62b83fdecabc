"""``SandboxedAgent``: the harness's handle on an agent that runs in a bubblewrap sandbox.

The pytest process never imports the agent: it holds a ``module:attr`` spec (checked once inside a
sandbox at start-up) or the pickled bytes of an object the SDK or a fixture handed over. Each case
gets a fresh sandbox, a fresh socket and token; the answer (or the lack of one) becomes an
``AgentCall`` here, so whatever the agent does, it is charged to the agent.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import os
import pickle
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from ..episode import AgentRunner
from ..errors import NetopsbenchError
from ._bwrap import code_dirs, sandbox_argv
from ._protocol import Bootstrap
from ._server import CaseServer

if TYPE_CHECKING:
    from ..episode import AgentCall

__all__ = ["AGENT_OUTPUT_CAP", "AgentLoadError", "SandboxOptions", "SandboxedAgent"]

#: bytes of the agent's stdout+stderr kept per case; the rest is dropped (and says so)
AGENT_OUTPUT_CAP = 1_000_000
_CHECK_TIMEOUT_S = 120.0
_INPROC = "pytest_netopsbench.sdk._inproc:"
_SEND_HINT = (
    "pass an importable spec --netopsbench-agent=module:attr (a class, factory or instance at module "
    "level), or run the agent in the pytest process with --netopsbench-isolation=none"
)


class AgentLoadError(NetopsbenchError):
    """The agent cannot be built inside the sandbox (import error, unpicklable object...)."""


class SandboxOptions(BaseModel):
    model_config = ConfigDict(frozen=True)
    bwrap: str
    env: dict[str, str]
    hidden: tuple[Path, ...] = ()  # run directory, scenario directories: masked if under a code dir


class _Output:
    """Copy the sandbox's stdout+stderr to ``sink`` up to ``cap`` bytes, then drain silently."""

    def __init__(self, stream: IO[bytes], sink: IO[bytes], cap: int) -> None:
        self.stream, self.sink, self.cap = stream, sink, cap
        self.written = 0
        self.thread = threading.Thread(target=self._run, name="netopsbench-agent-output", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        truncated = False
        while chunk := self.stream.read1(65536):  # type: ignore[attr-defined]
            room = self.cap - self.written
            if room > 0:
                self.sink.write(chunk[:room])
                self.written += min(room, len(chunk))
            elif not truncated:
                truncated = True
                self.sink.write(f"\n[agent output truncated at {self.cap} bytes]\n".encode())
        self.sink.flush()


def _payload_for(obj: Any) -> bytes:
    if type(obj).__module__ == "__main__" or getattr(obj, "__module__", "") == "__main__":
        raise AgentLoadError(
            f"the agent {type(obj).__qualname__} is defined in __main__ (your script or notebook), which "
            f"the sandbox cannot import; move it into a module, or {_SEND_HINT}"
        )
    try:
        return pickle.dumps(obj)
    except Exception as exc:
        raise AgentLoadError(
            f"the agent {type(obj).__qualname__} cannot be pickled into its sandbox "
            f"({type(exc).__name__}: {exc}); {_SEND_HINT}"
        ) from None


def _spec_payload(spec: str) -> bytes | None:
    """SDK specs name objects that live in this process; they travel by pickle. The SDK's hand-off
    module is looked up by the name the spec carries: the SDK sits above this package and hands
    objects down by spec, so nothing here imports it statically."""
    if not spec.startswith(_INPROC):
        return None
    _inproc = importlib.import_module(_INPROC.rstrip(":"))

    kind, _, token = spec[len(_INPROC) :].partition("_")
    if kind == "pickled":
        path = os.environ.get(_inproc.ENV_PREFIX + token.upper())
        if path and Path(path).is_file():
            return Path(path).read_bytes()
    return _payload_for(getattr(_inproc, spec[len(_INPROC) :]))


class SandboxedAgent(AgentRunner):
    """One agent, run in a fresh sandbox per case. ``name`` is known after :meth:`check`."""

    def __init__(
        self,
        options: SandboxOptions,
        *,
        spec: str | None = None,
        payload: bytes | None = None,
        name: str = "",
    ) -> None:
        self.options, self.spec, self.payload = options, spec, payload
        self.name = name or spec or "agent"
        self.load_error = ""

    @classmethod
    def for_spec(cls, spec: str, options: SandboxOptions) -> SandboxedAgent:
        return cls(options, spec=spec, payload=_spec_payload(spec))

    @classmethod
    def from_object(cls, agent: Any, options: SandboxOptions) -> SandboxedAgent:
        """An object a fixture or a plugin built in this process (pickled per case)."""
        from ..episode import agent_name

        try:
            payload = _payload_for(agent)
        except AgentLoadError as exc:
            sandboxed = cls(options, name=agent_name(agent))
            sandboxed.load_error = str(exc)
            return sandboxed
        return cls(options, payload=payload, name=agent_name(agent))

    # -- the sandbox ------------------------------------------------------------------------------
    def _bootstrap(self, mode: str, token: str) -> bytes:
        paths = [os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)]
        boot = Bootstrap(
            mode=mode,  # type: ignore[arg-type]
            token=token,
            sys_path=list(dict.fromkeys(paths)),
            spec=None if self.payload is not None else self.spec,
            pickled=base64.b64encode(self.payload).decode() if self.payload is not None else None,
        )
        return boot.model_dump_json().encode() + b"\n"

    def _start(self, mode: str, server: CaseServer) -> subprocess.Popen[bytes]:
        argv = sandbox_argv(
            self.options.bwrap, socket_path=server.path, code=code_dirs(), hidden=self.options.hidden
        )
        # bwrap reads its options from a pipe (--args): the sandbox's pid 1 is bwrap, and its
        # /proc/1/cmdline would otherwise list every mount and mask to the agent
        split = argv.index("--")
        read_fd, write_fd = os.pipe()
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(b"".join(a.encode() + b"\0" for a in argv[1:split]))
        try:
            proc = self._popen([argv[0], "--args", str(read_fd), *argv[split:]], read_fd)
        finally:
            os.close(read_fd)
        assert proc.stdin is not None
        try:
            proc.stdin.write(self._bootstrap(mode, server.token))
            proc.stdin.close()
        except OSError:  # it died at once; the exit status tells why
            pass
        return proc

    def _popen(self, argv: list[str], pass_fd: int) -> subprocess.Popen[bytes]:
        choom = shutil.which("choom")
        if choom is not None:
            # the kernel's OOM killer takes the agent first, never the pytest worker beside it
            argv = [choom, "-n", "1000", "--", *argv]
        return subprocess.Popen(
            argv,
            pass_fds=(pass_fd,),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(self.options.env),  # bwrap passes it on; secrets never appear in an argv
            start_new_session=True,
            close_fds=True,
        )

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL bwrap's process group; --die-with-parent then takes the sandbox's pid 1, and the
        kernel every process left in its pid namespace (threads, children, daemons)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def _wait(self, proc: subprocess.Popen[bytes], server: CaseServer, deadline: float) -> bool:
        """Wait for an answer, the process's end or the deadline; True when the deadline passed."""
        while not server.done.wait(0.01):
            if proc.poll() is not None:
                server.done.wait(0.2)  # a last message may still be in the socket
                return False
            if time.monotonic() >= deadline:
                return True
        return False

    def check(self) -> None:
        """Build the agent once in a sandbox; raises ``AgentLoadError`` with the child's reason."""
        if self.load_error:
            raise AgentLoadError(self.load_error)
        import io

        server = CaseServer(secrets.token_urlsafe(24))
        sink = io.BytesIO()
        proc = self._start("check", server)
        assert proc.stdout is not None
        output = _Output(proc.stdout, sink, 65536)
        try:
            self._wait(proc, server, time.monotonic() + _CHECK_TIMEOUT_S)
        finally:
            self._kill(proc)
            server.close()
            output.thread.join(5)
        if server.failure is not None:
            raise AgentLoadError(server.failure.message)
        if not server.ready.is_set():
            tail = sink.getvalue().decode(errors="replace")[-1500:].strip()
            raise AgentLoadError(
                f"the agent's sandbox ended before the agent was built ({_exit_text(proc.returncode)})"
                + (f"; its output ends with: {tail}" if tail else "")
            )
        self.name = server.agent_name or self.name

    def run(self, context: Any, timeout_s: float, output_path: Path | None) -> AgentCall:
        """One case: start the sandbox, serve ``context``, return what the agent did."""
        from ..episode import AgentCall

        if self.load_error:
            return AgentCall(kind="error", message=self.load_error)
        server = CaseServer(secrets.token_urlsafe(24), context)
        sink: IO[bytes]
        if output_path is not None:
            output_path.parent.mkdir(parents=True, exist_ok=True)
            sink = open(output_path, "wb")  # noqa: SIM115 (closed below, after the reader)
        else:
            sink = open(os.devnull, "wb")  # noqa: SIM115
        start = time.monotonic()
        try:
            proc = self._start("run", server)
            assert proc.stdout is not None
            output = _Output(proc.stdout, sink, AGENT_OUTPUT_CAP)
            try:
                timed_out = self._wait(proc, server, start + timeout_s)
            finally:
                seconds = time.monotonic() - start
                self._kill(proc)
                server.close()
                output.thread.join(5)
        finally:
            sink.close()
        if server.ready.is_set():
            self.name = server.agent_name or self.name
        if server.harness_error:
            from ..episode import InfraError

            raise InfraError(f"serving the agent's tools failed: {server.harness_error}")
        return _call(server, proc.returncode, timed_out, timeout_s, seconds, output_path)


def _exit_text(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        oom = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{oom}"
    return f"exit code {code}"


def _tail(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 2000))
        return fh.read().decode(errors="replace").strip()


def _call(
    server: CaseServer,
    code: int | None,
    timed_out: bool,
    timeout_s: float,
    seconds: float,
    output: Path | None,
) -> AgentCall:
    from ..episode import AgentCall, result_call

    if server.result is not None:
        result = server.result
        if result.unserializable:
            return AgentCall(
                kind="invalid",
                seconds=seconds,
                message=f"diagnose() returned {result.unserializable}, which cannot leave the sandbox; "
                "expected a DiagnosisResult or a mapping with verdict, device, interface, fault_type",
            )
        return result_call(result.value, seconds)
    if server.failure is not None:
        failure = server.failure
        prefix = "the agent could not be built in its sandbox: " if failure.kind == "load" else ""
        return AgentCall(
            kind="error", seconds=seconds, message=prefix + failure.message, detail=failure.detail
        )
    if timed_out:
        return AgentCall(
            kind="timeout",
            seconds=seconds,
            message=f"the agent did not answer within the {timeout_s:g} s budget "
            "(--netopsbench-agent-timeout); its sandbox was killed",
        )
    tail = _tail(output)
    why = server.violation or f"its process ended ({_exit_text(code)}) without returning a result"
    return AgentCall(
        kind="error",
        seconds=seconds,
        message=f"the agent's sandbox gave no answer: {why}",
        detail=f"last agent output:\n{tail}" if tail else "",
    )
