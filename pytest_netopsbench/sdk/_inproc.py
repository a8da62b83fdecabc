"""How an agent *object* reaches the pytest plugin, which only knows ``--netopsbench-agent
module:attr``: this module resolves attributes lazily (PEP 562), so the SDK can name an object
as ``pytest_netopsbench.sdk._inproc:agent_<token>``.

- one worker (``pytest.main`` in this process): the object is kept in a dict and looked up by
  token, so the plugin gets the very instance the user wrapped;
- several workers (xdist subprocesses): the object (or factory) is pickled to a file whose path
  travels in the environment variable ``NETOPSBENCH_SDK_AGENT_<TOKEN>`` (workers inherit the
  controller's environment); each worker unpickles its own copy once.
"""

from __future__ import annotations

import os
import pickle
import threading
import uuid
from pathlib import Path
from types import FunctionType
from typing import Any

__all__ = ["ENV_PREFIX", "forget", "publish_object", "publish_pickle"]

ENV_PREFIX = "NETOPSBENCH_SDK_AGENT_"
_OBJECTS: dict[str, Any] = {}
_UNPICKLED: dict[str, Any] = {}
_LOCK = threading.Lock()


def publish_object(agent: Any) -> str:
    """Register ``agent`` for this process; returns the ``module:attr`` spec naming it."""
    token = uuid.uuid4().hex[:12]
    with _LOCK:
        _OBJECTS[token] = agent
    return f"{__name__}:agent_{token}"


def publish_pickle(agent: Any, directory: Path) -> str:
    """Pickle ``agent`` (an instance or a zero-argument factory) for worker processes; returns the
    spec. Raises ``TypeError`` naming the type when it cannot be pickled. Workers import the
    agent's module from the ``sys.path`` the controller had when pytest-xdist was imported
    (installed packages, the script's directory, ``PYTHONPATH`` at start-up)."""
    # a class or factory function carries its own module; an instance, its class's
    is_factory = isinstance(agent, type | FunctionType)
    module = getattr(agent, "__module__", "") if is_factory else type(agent).__module__
    if module == "__main__":
        # pickle would record "__main__.X", and a worker's __main__ is xdist's, not your script
        raise TypeError(
            f"the agent {type(agent).__qualname__} is defined in your script (__main__), which pytest-xdist "
            "workers cannot import; move it into a module (e.g. myagent.py next to the script) and import "
            "it from there, pass a spec 'module:attr', or run with workers=1"
        )
    try:
        data = pickle.dumps(agent)
        pickle.loads(data)  # fail here, not in every worker, when the agent does not round-trip
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError(
            f"the agent {type(agent).__qualname__} cannot be sent to pytest-xdist workers ({exc}); "
            "pass an importable spec 'module:attr' (a class, factory or instance at module level), "
            "a picklable agent or factory (no lambdas, local classes, open sockets or clients), "
            "or run with workers=1"
        ) from exc
    token = uuid.uuid4().hex[:12]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"agent-{token}.pickle"
    path.write_bytes(data)
    os.environ[ENV_PREFIX + token.upper()] = str(path)
    return f"{__name__}:pickled_{token}"


def forget(spec: str) -> None:
    """Drop what :func:`publish_object`/:func:`publish_pickle` registered for ``spec``."""
    attr = spec.rpartition(":")[2]
    token = attr.partition("_")[2]
    with _LOCK:
        _OBJECTS.pop(token, None)
        _UNPICKLED.pop(token, None)
    path = os.environ.pop(ENV_PREFIX + token.upper(), None)
    if path:
        Path(path).unlink(missing_ok=True)


def __getattr__(name: str) -> Any:
    kind, _, token = name.partition("_")
    with _LOCK:
        if kind == "agent" and token in _OBJECTS:
            return _OBJECTS[token]
        if kind == "pickled":
            if token not in _UNPICKLED:
                path = os.environ.get(ENV_PREFIX + token.upper())
                if not path or not Path(path).is_file():
                    raise AttributeError(
                        f"agent {name} is not available in this process: the SDK run that published it "
                        "has ended, or this worker did not inherit its environment"
                    )
                _UNPICKLED[token] = pickle.loads(Path(path).read_bytes())
            return _UNPICKLED[token]
    raise AttributeError(
        f"{__name__} has no agent {name!r}: objects published in one process are not visible in another; "
        "for several workers use an importable 'module:attr' spec or a picklable agent"
    )
