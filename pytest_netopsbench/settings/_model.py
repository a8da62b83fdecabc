"""The ``Settings`` model, its defaults and its one-line errors.

Adding an option is adding one field here (plus its row in docs/plugin.md, which a test checks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ..errors import NetopsbenchError
from ._field import Opt, SettingField, base_type

__all__ = [
    "DEFAULT_AGENT_TIMEOUT_S",
    "DEFAULT_PASS_SCORE",
    "DEFAULT_RUNTIME",
    "RUN_ID_PATTERN",
    "Problem",
    "Settings",
    "SettingsError",
    "setting_field",
    "setting_fields",
]

DEFAULT_RUNTIME = "netns"
DEFAULT_AGENT_TIMEOUT_S = 300.0
DEFAULT_PASS_SCORE = 1.0
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class Settings(BaseModel):
    """The settings of one benchmark run. Construction errors are one-line ``SettingsError``s."""

    model_config = ConfigDict(extra="forbid")

    agent: Annotated[
        str | None,
        Opt(
            "agent to benchmark: module:attr naming an object with diagnose(context), a class "
            "(built with no arguments) or a factory",
            metavar="MODULE:ATTR",
            sdk_managed="pass agent= to bench.sessions.run_*()",
        ),
    ] = None
    runtime: Annotated[
        str,
        Opt("lab backend (netns or containerlab)", metavar="NAME"),
    ] = DEFAULT_RUNTIME
    report: Annotated[
        Path | None,
        Opt("also write the JSON benchmark report to this path", metavar="PATH"),
    ] = None
    artifacts: Annotated[
        Path | None,
        Opt("directory for run directories (default .netopsbench/runs under the rootdir)", metavar="DIR"),
    ] = None
    agent_timeout: Annotated[
        float,
        Opt(
            "seconds an agent may take per case before it is abandoned (failed: agent_timeout)",
            metavar="SECONDS",
        ),
    ] = Field(default=DEFAULT_AGENT_TIMEOUT_S, gt=0)
    pass_score: Annotated[
        float,
        Opt("a case passes when its score is at least this (0..1)", metavar="SCORE"),
    ] = Field(default=DEFAULT_PASS_SCORE, ge=0.0, le=1.0)
    pass_requires_type: Annotated[
        bool,
        Opt(
            "a fault case passes only when its fault type is also right (default: the type is its own "
            "KPI and does not decide pass/fail)"
        ),
    ] = False
    repeat: Annotated[
        int,
        Opt("run every scenario N times (items get a [trialK] suffix)", metavar="N"),
    ] = Field(default=1, ge=1, le=1000)
    keep_lab: Annotated[
        bool,
        Opt("leave labs running at the end (tear down later with `netopsbench runtime teardown`)"),
    ] = False
    trace: Annotated[
        bool,
        Opt("do not write agent traces (also NETOPSBENCH_TRACE=0)", flag="no-trace", env="NETOPSBENCH_TRACE"),
    ] = True
    baselines: Annotated[
        bool,
        Opt(
            "do not score the trivial baselines (baseline-healthy, baseline-worst-pair) on each case's "
            "episode after the agent",
            flag="no-baselines",
        ),
    ] = True
    # The SDK and `netopsbench run` name the run, so they know its directory before pytest starts.
    run_id: Annotated[
        str | None,
        Opt(
            "name of the run directory (default run-<UTC time>-<hex>)",
            metavar="ID",
            accepts="must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit",
            sdk_managed="the SDK names every run itself (RunHandle.id)",
        ),
    ] = Field(default=None, pattern=RUN_ID_PATTERN)
    labs: Annotated[
        list[str],
        Opt(
            "run on this already-running lab instead of creating labs (repeat, or comma-separate; "
            "each worker takes its own lab of each scale, so give at least -n labs per scale); "
            "these labs are never torn down by the run",
            flag="lab",
            metavar="NAME",
            sdk_managed="use bench.sessions.run_on_runtime_*(runtime=...)",
        ),
    ] = Field(default_factory=list)
    # Hand-off order must not follow the sorted file order (an agent could count its way to the
    # answer); the seed makes a shuffled run reproducible.
    seed: Annotated[
        int | None,
        Opt(
            "seed of the case order (cases are shuffled within each scale; default: a random seed, "
            "printed and stored in report.json)",
            metavar="N",
        ),
    ] = Field(default=None, ge=0, lt=2**63)
    # Reliability (docs/reliability.md): finish an interrupted run, retry harness failures.
    resume: Annotated[
        str | None,
        Opt(
            "finish this earlier run (run id or directory): only cases that did not finish or hit an "
            "infra_error run again, into the same run directory",
            metavar="RUN",
        ),
    ] = None
    resume_force: Annotated[
        bool,
        Opt("with resume: resume even when agent, pass score, scales or campaign differ"),
    ] = False
    retries: Annotated[
        int,
        Opt("retry infra_error cases up to N times on a fresh lab (never agent failures)", metavar="N"),
    ] = Field(default=0, ge=0, le=10)
    # Where the agent runs and what environment it gets there (docs/isolation.md).
    isolation: Annotated[
        Literal["sandbox", "none"],
        Opt(
            "where the agent runs: sandbox (a bubblewrap sandbox per case: no run directory, scenario "
            "files, host processes or harness environment) or none (in the pytest process, for debugging)",
            metavar="MODE",
        ),
    ] = "sandbox"
    agent_env: Annotated[
        Path | None,
        Opt(
            "YAML file NAME: value of variables for the sandboxed agent (${VAR} is taken from this "
            "environment); nothing else from the environment reaches it",
            metavar="FILE",
        ),
    ] = None
    agent_env_vars: Annotated[
        list[str],
        Opt(
            "pass this environment variable to the sandboxed agent (repeat, or comma-separate)",
            flag="agent-env-var",
            metavar="NAME",
        ),
    ] = Field(default_factory=list)
    # The live mirror of every worker's evidence to an InfluxDB v2 write API (observability/).
    influx_url: Annotated[
        str | None,
        Opt(
            "stream each worker's evidence live to this InfluxDB v2 write API (InfluxDB 2, "
            "VictoriaMetrics), e.g. http://127.0.0.1:8428",
            metavar="URL",
            accepts="must be http(s)://host[:port]",
            env="NETOPSBENCH_INFLUX_URL",
        ),
    ] = Field(default=None, pattern=r"^https?://[^/\s]+(/\S*)?$")
    influx_token: Annotated[
        SecretStr | None,
        Opt(
            "API token for --netopsbench-influx-url (never written to reports, logs or JUnit; prefer "
            "the environment variable)",
            metavar="TOKEN",
            env="NETOPSBENCH_INFLUX_TOKEN",
            cli=False,
            sdk_managed="set NETOPSBENCH_INFLUX_TOKEN in the environment (never on a command line)",
        ),
    ] = None
    influx_org: Annotated[
        str | None,
        Opt("InfluxDB organisation of the live mirror", metavar="ORG", env="NETOPSBENCH_INFLUX_ORG"),
    ] = None
    influx_bucket: Annotated[
        str,
        Opt("InfluxDB bucket of the live mirror", metavar="BUCKET", env="NETOPSBENCH_INFLUX_BUCKET"),
    ] = "netopsbench"
    # -- pytest's own arguments: set by `netopsbench run` and the SDK, not plugin options ----------
    workers: Annotated[
        int,
        Opt(
            "parallel workers (pytest-xdist -n); one lab per scale each",
            short="-n",
            metavar="N",
            pytest=False,
        ),
    ] = Field(default=1, ge=1)
    scale: Annotated[
        str | None,
        Opt(
            "only scenarios of this scale (xs, s, m, l, xl); without paths, scenarios/generated/<scale>",
            pytest=False,
        ),
    ] = None
    quiet: Annotated[
        bool,
        Opt("pytest's verbose output instead of -q", flag="verbose", short="-v", pytest=False),
    ] = True
    pytest_args: Annotated[
        list[str],
        Opt(
            "extra pytest arguments, e.g. ['-k', 'bgp'] (after `--` on the command line)",
            pytest=False,
            cli=False,
        ),
    ] = Field(default_factory=list)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise SettingsError.from_validation(exc, data) from None

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str | None) -> str | None:
        if v is None:
            return None
        from ..topology import normalize_scale

        return normalize_scale(v)


class Problem(NamedTuple):
    field: str
    value: object
    accepts: str


class SettingsError(NetopsbenchError, ValueError):
    """Bad setting values. ``describe(label)`` spells each field the way its front end does."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.describe())

    def describe(self, label: Callable[[str], str] = str) -> str:
        return "; ".join(f"{label(p.field)}={_show(p.value, p.field)}: {p.accepts}" for p in self.problems)

    @classmethod
    def from_validation(cls, exc: ValidationError, data: Mapping[str, Any]) -> SettingsError:
        problems: list[Problem] = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            if name in {p.field for p in problems}:
                continue  # one line per field: a union reports each member's complaint
            if err["type"] == "extra_forbidden":
                known = ", ".join(f.name for f in setting_fields())
                problems.append(Problem(name, data.get(name), f"not a setting (known: {known})"))
            elif err["type"] == "value_error":
                problems.append(
                    Problem(name, data.get(name), str(err.get("ctx", {}).get("error", err["msg"])))
                )
            else:
                accepts = setting_field(name).accepts if name in Settings.model_fields else err["msg"]
                problems.append(Problem(name, data.get(name), accepts))
        return cls(problems)


def _show(value: object, name: str = "") -> str:
    info = Settings.model_fields.get(name)
    if info is not None and base_type(info.annotation) is SecretStr:
        return "***"  # an error message is printed and logged: never with a secret in it
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return str(value)


def setting_fields() -> list[SettingField]:
    out = []
    for name, info in Settings.model_fields.items():
        opt = next((m for m in info.metadata if isinstance(m, Opt)), None)
        if opt is None:
            raise TypeError(f"Settings.{name} has no Opt(...) metadata")
        if info.annotation is bool and info.default is True and not opt.flag:
            raise TypeError(
                f"Settings.{name} defaults to True: name the flag that turns it off (flag='no-...')"
            )
        out.append(SettingField(name, info, opt))
    return out


def setting_field(name: str) -> SettingField:
    for f in setting_fields():
        if f.name == name:
            return f
    raise KeyError(name)
