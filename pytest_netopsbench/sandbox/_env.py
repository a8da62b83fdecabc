"""The sandboxed agent's environment: an allow-list plus what the user declares, nothing else.

The harness's own environment names the run (``PYTEST_CURRENT_TEST``, ``NETOPSBENCH_*``, xdist's
variables) and may hold credentials the agent was not meant to have, so it is never inherited.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from ..errors import NetopsbenchError

__all__ = ["ALLOWED", "AgentEnvError", "agent_environment", "read_env_file"]

#: passed through when set: locale, proxies and TLS trust (so LLM endpoints keep working)
ALLOWED = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "TZ",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
)
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class AgentEnvError(NetopsbenchError):
    """An agent environment file or variable that cannot be used (names the file and the variable)."""


def read_env_file(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """A YAML mapping ``NAME: value``; ``${VAR}`` in values comes from ``environ`` (like agbench's
    ENV.yaml). A reference to an unset variable is an error, not an empty string: an agent that
    silently lost its API key fails every case for the wrong reason."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AgentEnvError(f"agent environment file {path}: cannot read it ({exc})") from None
    except yaml.YAMLError as exc:
        raise AgentEnvError(f"agent environment file {path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AgentEnvError(f"agent environment file {path}: expected a mapping NAME: value")
    out: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise AgentEnvError(f"agent environment file {path}: {name!r} is not a variable name")
        if isinstance(value, dict | list) or value is None:
            raise AgentEnvError(f"agent environment file {path}: {name} must be a string, number or bool")

        def substitute(match: re.Match[str], name: str = name) -> str:
            var = match.group(1)
            if var not in environ:
                raise AgentEnvError(
                    f"agent environment file {path}: {name} refers to ${{{var}}}, "
                    f"which is not set in the environment of this run"
                )
            return environ[var]

        out[name] = _REF.sub(substitute, str(value).lower() if isinstance(value, bool) else str(value))
    return out


def agent_environment(
    env_file: Path | None = None,
    names: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment of the sandboxed agent."""
    source = dict(os.environ if environ is None else environ)
    env = {k: source[k] for k in ALLOWED if k in source}
    env.update({k: v for k, v in source.items() if k.startswith("LC_")})
    env.setdefault("PATH", _DEFAULT_PATH)
    env["HOME"] = "/tmp"
    if env_file is not None:
        env.update(read_env_file(env_file, source))
    for name in names:
        if not _NAME.match(name):
            raise AgentEnvError(f"--netopsbench-agent-env-var {name!r} is not a variable name")
        if name not in source:
            raise AgentEnvError(
                f"--netopsbench-agent-env-var {name}: {name} is not set in the environment of this run"
            )
        env[name] = source[name]
    return env
