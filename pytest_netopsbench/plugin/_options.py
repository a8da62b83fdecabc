"""Command-line options and ini settings, read into one typed ``Settings``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

__all__ = ["Settings", "add_options", "read_settings"]

# name -> (help, type, default); every option is also an ini key named ``netopsbench_<name>``.
_OPTIONS: dict[str, tuple[str, str, str | None]] = {
    "agent": (
        "agent to benchmark: module:attr naming an object with diagnose(context), a class "
        "(built with no arguments) or a factory",
        "string",
        None,
    ),
    "runtime": ("lab backend (netns or containerlab)", "string", "netns"),
    "report": ("also write the JSON benchmark report to this path", "string", None),
    "artifacts": (
        "directory for run directories (default .netopsbench/runs under the rootdir)",
        "string",
        None,
    ),
    "agent-timeout": (
        "seconds an agent may take per case before it is abandoned (failed: agent_timeout)",
        "string",
        "300",
    ),
    "pass-score": ("a case passes when its score is at least this (0..1)", "string", "1.0"),
    "repeat": ("run every scenario N times (items get a [trialK] suffix)", "string", "1"),
    "keep-lab": (
        "leave labs running at the end (tear down later with `netopsbench runtime teardown`)",
        "bool",
        None,
    ),
    "no-trace": ("do not write agent traces (also NETOPSBENCH_TRACE=0)", "bool", None),
    # Added for the SDK/CLI: the caller names the run (so it knows the run directory up front) and
    # may hand over labs it provisioned (`runtime up`, `bench.runtimes.provision`).
    "run-id": ("name of the run directory (default run-<UTC time>-<hex>)", "string", None),
    "lab": (
        "run on this already-running lab instead of creating labs (repeat, or comma-separate; "
        "each worker takes its own lab of each scale, so give at least -n labs per scale); "
        "these labs are never torn down by the run",
        "list",
        None,
    ),
    # Reliability (docs/reliability.md): finish a cut-short run, retry harness failures.
    "resume": (
        "finish run RUN (a run id or run directory): rerun only its cases that did not finish or "
        "finished as infra_error, into the same run directory",
        "string",
        None,
    ),
    "resume-force": (
        "resume even when the agent, pass score, scales or campaign differ from the run's",
        "bool",
        None,
    ),
    "retries": (
        "retry a case that hit an infra_error up to N times on a freshly built lab (never agent "
        "failures); every attempt is kept in the case record",
        "string",
        "0",
    ),
}


class Settings(BaseModel):
    agent: str | None = None
    runtime: str = "netns"
    report: Path | None = None
    artifacts: Path | None = None
    agent_timeout: float = Field(default=300.0, gt=0)
    pass_score: float = Field(default=1.0, ge=0.0, le=1.0)
    repeat: int = Field(default=1, ge=1, le=1000)
    keep_lab: bool = False
    trace: bool = True
    run_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    labs: list[str] = Field(default_factory=list)
    resume: str | None = None
    resume_force: bool = False
    retries: int = Field(default=0, ge=0, le=10)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("netopsbench", "benchmark agents on emulated networks (pytest-netopsbench)")
    for name, (help_, kind, default) in _OPTIONS.items():
        dest = f"netopsbench_{name.replace('-', '_')}"
        if kind == "bool":
            group.addoption(f"--netopsbench-{name}", action="store_true", default=None, dest=dest, help=help_)
            parser.addini(dest, help_, type="bool", default=False)
        elif kind == "list":
            group.addoption(
                f"--netopsbench-{name}",
                action="append",
                default=None,
                dest=dest,
                metavar=name.upper(),
                help=help_,
            )
            parser.addini(dest, help_, type="args", default=[])
        else:
            suffix = f" (default {default})" if default is not None else ""
            group.addoption(
                f"--netopsbench-{name}",
                default=None,
                dest=dest,
                metavar=name.upper().replace("-", "_"),
                help=help_ + suffix,
            )
            parser.addini(dest, help_, default=default)


def _value(config: pytest.Config, name: str) -> object:
    dest = f"netopsbench_{name.replace('-', '_')}"
    value = config.getoption(dest)
    if value is None:
        value = config.getini(dest)
    return value


def _lab_names(value: object) -> list[str]:
    values = value if isinstance(value, list | tuple) else ([value] if value else [])
    return [n.strip() for v in values for n in str(v).split(",") if n.strip()]


def read_settings(config: pytest.Config) -> Settings:
    """Options win over ini values; a bad value is a usage error naming the option."""
    raw = {name: _value(config, name) for name in _OPTIONS}
    trace = not raw["no-trace"] and os.environ.get("NETOPSBENCH_TRACE", "1").strip().lower() not in (
        "0",
        "false",
        "no",
    )
    try:
        return Settings(
            agent=(str(raw["agent"]).strip() or None) if raw["agent"] else None,
            runtime=str(raw["runtime"] or "netns"),
            report=Path(str(raw["report"])) if raw["report"] else None,
            artifacts=Path(str(raw["artifacts"])) if raw["artifacts"] else None,
            agent_timeout=float(str(raw["agent-timeout"])),
            pass_score=float(str(raw["pass-score"])),
            repeat=int(str(raw["repeat"])),
            keep_lab=bool(raw["keep-lab"]),
            trace=trace,
            run_id=(str(raw["run-id"]).strip() or None) if raw["run-id"] else None,
            labs=_lab_names(raw["lab"]),
            resume=(str(raw["resume"]).strip() or None) if raw["resume"] else None,
            resume_force=bool(raw["resume-force"]),
            retries=int(str(raw["retries"] or 0)),
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        raise pytest.UsageError(f"netopsbench: invalid option value: {exc}") from None
