"""The one place that turns run options into a pytest command line. The SDK and ``netopsbench
run`` both go through it, so a benchmark started either way is the same pytest invocation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["RunOptions", "build_pytest_args"]


class RunOptions(BaseModel):
    """Options of one benchmark run (SDK keyword arguments; CLI flags map onto the same names)."""

    model_config = ConfigDict(extra="forbid")
    workers: int = Field(default=1, ge=1, description="pytest-xdist workers (-n); one lab per scale each")
    keep_runtime: bool = Field(default=False, description="leave the labs the run created up afterwards")
    artifacts_dir: Path | None = Field(
        default=None, description="runs root (default <workspace>/.netopsbench/runs)"
    )
    scale: str | None = Field(default=None, description="only scenarios of this scale")
    trace: bool = Field(default=True, description="write per-case trajectories")
    agent_timeout_s: float | None = Field(default=None, gt=0, description="per-case agent budget")
    runtime: str | None = Field(default=None, description="lab backend (default netns)")
    pytest_args: list[str] = Field(
        default_factory=list, description="extra pytest arguments, e.g. ['-k', 'bgp']"
    )
    quiet: bool = Field(default=True, description="pass -q to pytest")
    resume: str | None = Field(
        default=None,
        description="finish this earlier run (run id or directory): only its unfinished and "
        "infra_error cases run, into its run directory (docs/reliability.md)",
    )
    resume_force: bool = Field(
        default=False, description="resume even when agent, pass score, scales or campaign differ"
    )
    retries: int = Field(default=0, ge=0, le=10, description="retry infra_error cases on a fresh lab")

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: str | None) -> str | None:
        if v is None:
            return None
        from ..topology import normalize_scale

        return normalize_scale(v)


def build_pytest_args(
    paths: Sequence[str | Path],
    *,
    agent: str | None,
    options: RunOptions,
    run_id: str | None = None,
    report: Path | None = None,
    labs: Sequence[str] = (),
) -> list[str]:
    args = [str(p) for p in paths]
    if agent:
        args.append(f"--netopsbench-agent={agent}")
    if options.workers > 1:
        args += ["-n", str(options.workers)]
    if options.resume:
        args.append(f"--netopsbench-resume={options.resume}")
        if options.resume_force:
            args.append("--netopsbench-resume-force")
    elif run_id:
        args.append(f"--netopsbench-run-id={run_id}")
    if options.retries:
        args.append(f"--netopsbench-retries={options.retries}")
    if report is not None:
        args.append(f"--netopsbench-report={report}")
    if options.artifacts_dir is not None:
        args.append(f"--netopsbench-artifacts={options.artifacts_dir}")
    if options.keep_runtime:
        args.append("--netopsbench-keep-lab")
    if not options.trace:
        args.append("--netopsbench-no-trace")
    if options.agent_timeout_s is not None:
        args.append(f"--netopsbench-agent-timeout={options.agent_timeout_s:g}")
    if options.runtime:
        args.append(f"--netopsbench-runtime={options.runtime}")
    for lab in labs:
        args.append(f"--netopsbench-lab={lab}")
    if options.quiet:
        args.append("-q")
    args += options.pytest_args
    return args
