"""The sandbox's entry point: ``python -m pytest_netopsbench.sandbox._child``.

Reads its ``Bootstrap`` from stdin (never argv or the environment, which the agent can read back
from /proc), builds the agent (``module:attr`` through the plugin's resolver, or a pickled object),
asks the harness for the case, calls ``diagnose`` and sends what it returned. Exits with
``os._exit`` so threads the agent left behind cannot hold the process; the harness kills the whole
sandbox after the answer anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import json
import os
import pickle
import sys
import traceback
from typing import Any

from ._protocol import AGENT_SOCKET, Bootstrap, Failure, Ready, Result
from ._remote import Connection, RemoteToolkit, RemoteTrace, SandboxContext, SandboxMcp, connect

__all__ = ["main"]

_UNPICKLE_HINT = (
    "the agent object could not be rebuilt inside the sandbox ({error}); pass an importable spec "
    "--netopsbench-agent=module:attr (a class, factory or instance at module level of an importable "
    "module), or run it in the pytest process with --netopsbench-isolation=none"
)


def _load(boot: Bootstrap) -> Any:
    payload = boot.payload()
    if payload is not None:
        try:
            return pickle.loads(payload)
        except Exception as exc:
            raise _LoadError(_UNPICKLE_HINT.format(error=f"{type(exc).__name__}: {exc}")) from None
    from ..agents import load_agent_spec

    try:
        return load_agent_spec(str(boot.spec))
    except Exception as exc:  # pytest.UsageError carries the resolver's message
        raise _LoadError(str(exc).removeprefix("netopsbench: ")) from None


class _LoadError(Exception):
    pass


def _jsonable(value: Any) -> Result:
    """What ``diagnose`` returned, as JSON for the harness's coercion; never coerced here."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    try:
        return Result(value=json.loads(json.dumps(value)))
    except (TypeError, ValueError):
        return Result(unserializable=f"{type(value).__module__}.{type(value).__qualname__}")


def _context(conn: Connection, data: dict[str, Any], boot: Bootstrap) -> SandboxContext:
    from ..evidence import SymptomReport, Window
    from ..topology import Topology

    topology = Topology.model_validate(data["topology"])
    window = Window.model_validate(data["window"])
    proxy = [sys.executable, "-s", "-m", "pytest_netopsbench.sandbox._proxy", AGENT_SOCKET, boot.token]
    return SandboxContext(
        case_id=data["case_id"],
        topology=topology,
        symptoms=SymptomReport.model_validate(data["symptoms"]),
        window=window,
        tools=RemoteToolkit(conn, data["tools"], topology, window),
        mcp=SandboxMcp(url=data.get("mcp_url"), stdio_command=proxy),
        budget_s=float(data["budget_s"]),
        trace=RemoteTrace(conn),
    )


def _agent_name(agent: object) -> str:
    # episode.agent_name's rule, without importing the episode package (a second of start-up)
    name = getattr(agent, "name", None)
    if isinstance(name, str) and name:
        return name
    cls = type(agent)
    return f"{cls.__module__}.{cls.__qualname__}"


def _diagnose(agent: Any, context: SandboxContext) -> Any:
    value = agent.diagnose(context)
    if inspect.isawaitable(value):

        async def wrap() -> Any:
            return await value

        value = asyncio.run(wrap())
    return value


def main() -> None:
    boot = Bootstrap.model_validate_json(sys.stdin.buffer.readline())
    sys.stdin.close()
    sys.path[:] = [*boot.sys_path, *(p for p in sys.path if p not in boot.sys_path)]
    conn, data = connect(boot.socket, boot.token, "agent")
    try:
        agent = _load(boot)
    except _LoadError as exc:
        conn.request(Failure(kind="load", message=str(exc)))
        os._exit(3)
    except BaseException as exc:
        conn.request(
            Failure(kind="load", message=f"{type(exc).__name__}: {exc}", detail=traceback.format_exc())
        )
        os._exit(3)
    conn.request(Ready(name=_agent_name(agent)))
    if boot.mode == "check" or data is None:
        os._exit(0)
    context = _context(conn, data, boot)
    try:
        value = _diagnose(agent, context)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: all the agent's own doing
        _flush()
        conn.request(
            Failure(
                kind="error",
                message=f"diagnose() raised {type(exc).__name__}: {exc}",
                detail=traceback.format_exc(),
            )
        )
        os._exit(1)
    answer = _jsonable(value)
    _flush()  # before the answer: the harness kills the sandbox as soon as it has it
    conn.request(answer)
    os._exit(0)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the agent closed or replaced it
            stream.flush()


if __name__ == "__main__":
    main()
