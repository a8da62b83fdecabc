"""Chaos benchmark: a 20-case xs campaign on ``-n 2`` while a random xdist worker is SIGKILLed every
N seconds. Prints cases lost (target 0: every selected case is in report.json), labs leaked (target
0) and the wall-time overhead against an undisturbed run of the same cases.

Usage (root):  .venv/bin/python benchmarks/chaos.py [--every 30] [--workers 2] [--skip-baseline]

The campaign: the 18 files of scenarios/generated/xs plus two more healthy controls (copies of
xs-healthy-01 under new scenario ids), so 20 cases of every xs fault family. The agent answers
"healthy" after a short pause (``--agent-sleep``), so some kills land in the agent call (recorded
as agent_error) and the rest in the harness (infra_error). Worker pids are the controller's child
processes; xdist replaces each killed worker (``--max-worker-restart`` is raised so it never gives
up). Leaked labs are counted three ways: labs registered under the run id, namespaces named after
any lab the run's cases used, and namespaces with the run's lab-name prefix. Last, the chaos run
is finished with ``--netopsbench-resume`` (``--no-resume`` to skip): only its ``infra_error`` cases
run again, and the final report must hold all 20 cases once.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
XS = ROOT / "scenarios" / "generated" / "xs"
EXTRA_HEALTHY = ("xs-healthy-chaos-04", "xs-healthy-chaos-05")

CONFTEST = """
import time
import pytest
from pytest_netopsbench import DiagnosisResult

class SleepyHealthy:
    def diagnose(self, context):
        time.sleep({sleep})
        return DiagnosisResult(verdict="network_healthy")

@pytest.fixture(scope="session")
def netopsbench_agent():
    return SleepyHealthy()
"""


class Outcome(BaseModel):
    run_id: str
    wall_s: float
    exit_code: int
    selected: int
    in_report: int
    lost: list[str]
    kills: int
    outcomes: dict[str, int]
    leaked: list[str]
    accounting: dict[str, Any] | None = None


def prepare(workdir: Path, agent_sleep: float) -> list[str]:
    """The 20 scenario files in ``workdir/scenarios``; returns their scenario ids."""
    target = workdir / "scenarios"
    target.mkdir(parents=True)
    for path in sorted(XS.glob("*.yaml")):
        shutil.copy(path, target / path.name)
    source = yaml.safe_load((XS / "xs-healthy-01.yaml").read_text())
    for sid in EXTRA_HEALTHY:
        (target / f"{sid}.yaml").write_text(yaml.safe_dump({**source, "scenario_id": sid}, sort_keys=False))
    (workdir / "conftest.py").write_text(CONFTEST.format(sleep=agent_sleep))
    (workdir / "pytest.ini").write_text("[pytest]\n")
    ids = [yaml.safe_load(p.read_text())["scenario_id"] for p in sorted(target.glob("*.yaml"))]
    assert len(ids) == 20, ids
    return ids


def worker_pids(controller: int) -> list[int]:
    """Live xdist workers: the controller's direct children (execnet popen gateways), without the
    zombies of killed workers that execnet has not reaped yet (killing one again is a no-op)."""
    pids: set[int] = set()
    for task in Path(f"/proc/{controller}/task").glob("*"):
        try:
            pids.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    live = []
    for pid in sorted(pids):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            live.append(pid)
    return live


def leaked_labs(run_id: str, lab_names: set[str]) -> list[str]:
    from pytest_netopsbench.runtime import list_labs

    leaked = {f"registered:{i.name}" for i in list_labs() if i.run_id == run_id}
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    prefix = f"nob-{run_id.rsplit('-', 1)[-1][:6]}-"
    for line in out.splitlines():
        ns = line.split()[0] if line.split() else ""
        if ns.startswith(prefix) or any(ns.startswith(f"{lab}-") for lab in lab_names if lab):
            leaked.add(f"netns:{ns}")
    return sorted(leaked)


def run(workdir: Path, ids: list[str], *, workers: int, every: float | None, seed: int) -> Outcome:
    run_id = f"chaos-{'kill' if every else 'base'}-{os.urandom(3).hex()}"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-n",
        str(workers),
        "--max-worker-restart=1000",
        f"--netopsbench-run-id={run_id}",
        "scenarios",
    ]
    rng = random.Random(seed)
    started = time.monotonic()
    log = (workdir / f"{run_id}.log").open("wb")
    proc = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    kills = 0
    next_kill = started + (every or 0)
    while proc.poll() is None:
        time.sleep(0.5)
        if every and time.monotonic() >= next_kill:
            next_kill += every
            pids = worker_pids(proc.pid)
            if pids:
                victim = rng.choice(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills += 1
                    print(f"  t={time.monotonic() - started:6.1f}s killed worker pid {victim}", flush=True)
                except ProcessLookupError:
                    pass
    wall = time.monotonic() - started
    log.close()
    report_path = workdir / ".netopsbench" / "runs" / run_id / "report.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {"cases": []}
    cases = report["cases"]
    got = {c["scenario_id"] for c in cases}
    outcomes: dict[str, int] = {}
    for case in cases:
        outcomes[case["outcome"]] = outcomes.get(case["outcome"], 0) + 1
    time.sleep(2)  # the controller's sweep has run; give a dying worker's children a moment
    return Outcome(
        run_id=run_id,
        wall_s=round(wall, 1),
        exit_code=proc.returncode,
        selected=len(ids),
        in_report=len(cases),
        lost=sorted(set(ids) - got),
        kills=kills,
        outcomes=outcomes,
        leaked=leaked_labs(run_id, {c.get("lab", "") for c in cases}),
        accounting=report.get("accounting"),
    )


class Resumed(BaseModel):
    wall_s: float
    rerun: int
    cases: int
    complete: bool
    infra_errors: int


def resume(workdir: Path, run_id: str, workers: int) -> Resumed:
    """Finish the chaos run with --netopsbench-resume: only its infra_error cases run again."""
    report_path = workdir / ".netopsbench" / "runs" / run_id / "report.json"
    cases_path = report_path.with_name("cases.jsonl")
    lines_before = len(cases_path.read_text().splitlines())
    started = time.monotonic()
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", str(workers)]
    with (workdir / f"{run_id}-resume.log").open("wb") as log:
        subprocess.run(
            [*argv, f"--netopsbench-resume={run_id}", "scenarios"],
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    report = json.loads(report_path.read_text())
    acc = report.get("accounting") or {}
    return Resumed(
        wall_s=round(time.monotonic() - started, 1),
        rerun=len(cases_path.read_text().splitlines()) - lines_before,
        cases=len(report["cases"]),
        complete=not acc.get("not_run") and acc.get("interrupted") is None,
        infra_errors=sum(1 for c in report["cases"] if c["outcome"] == "infra_error"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--every", type=float, default=30.0, help="seconds between worker kills")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--agent-sleep", type=float, default=3.0, help="seconds the agent takes per case")
    parser.add_argument("--skip-baseline", action="store_true", help="no undisturbed run (no overhead)")
    parser.add_argument(
        "--baseline-wall", type=float, help="wall seconds of an earlier undisturbed run (skips it)"
    )
    parser.add_argument("--no-resume", action="store_true", help="do not finish the chaos run afterwards")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="netopsbench-chaos-"))
    try:
        ids = prepare(workdir, args.agent_sleep)
        base = None
        if args.baseline_wall is not None:
            base = Outcome(
                run_id="given",
                wall_s=args.baseline_wall,
                exit_code=0,
                selected=len(ids),
                in_report=len(ids),
                lost=[],
                kills=0,
                outcomes={},
                leaked=[],
            )
        elif not args.skip_baseline:
            print(f"undisturbed run: {len(ids)} xs cases, -n {args.workers}", flush=True)
            base = run(workdir, ids, workers=args.workers, every=None, seed=args.seed)
            print(f"  {base.wall_s:.1f}s, outcomes {base.outcomes}, lost {len(base.lost)}", flush=True)
        print(f"chaos run: a worker SIGKILLed every {args.every:g}s", flush=True)
        chaos = run(workdir, ids, workers=args.workers, every=args.every, seed=args.seed)
        overhead = (chaos.wall_s / base.wall_s - 1.0) if base else None
        print()
        print(f"cases selected        {chaos.selected}")
        print(f"workers killed        {chaos.kills}")
        print(f"cases lost            {len(chaos.lost)}  (target 0) {' '.join(chaos.lost)}")
        print(f"labs leaked           {len(chaos.leaked)}  (target 0) {' '.join(chaos.leaked)}")
        print(f"outcomes              {chaos.outcomes}")
        if base is not None and overhead is not None:
            walls = f"{chaos.wall_s:.1f}s vs {base.wall_s:.1f}s undisturbed"
            print(f"wall time             {walls}: {overhead:+.0%}")
        if chaos.accounting:
            acc = chaos.accounting
            print(
                f"accounting            selected {acc['selected']}, finished {acc['finished']}, "
                f"not run {len(acc['not_run'])}, crashes {len(acc['crashes'])}"
            )
        resumed = None
        if not args.no_resume:
            resumed = resume(workdir, chaos.run_id, args.workers)
            print(
                f"resume                reran {resumed.rerun} case(s) in {resumed.wall_s:.1f}s; final report "
                f"{resumed.cases} cases, complete {resumed.complete}, infra_error {resumed.infra_errors}"
            )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "baseline": base.model_dump() if base else None,
                        "chaos": chaos.model_dump(),
                        "overhead": overhead,
                        "resume": resumed.model_dump() if resumed else None,
                    },
                    indent=2,
                )
            )
        return 0 if not chaos.lost and not chaos.leaked else 1
    finally:
        if args.keep:
            print(f"scratch directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
