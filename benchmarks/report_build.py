"""Time to build a report (summary, breakdowns, 2,000-resample bootstrap, repeats) for campaign-sized
synthetic runs. Prints one line per size; no assertions (speed targets live here, not in tests)."""

from __future__ import annotations

import random
import time

from pytest_netopsbench.faults import GroundTruth
from pytest_netopsbench.report import CaseRecord, RunMeta, build_report, render_table


def synthetic(scenarios: int, trials: int, seed: int = 1) -> list[CaseRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(scenarios):
        healthy = i % 6 == 0
        for t in range(trials):
            ok = rng.random() < 0.7
            out.append(
                CaseRecord(
                    case_id=f"c{i}-{t}",
                    scenario_id=f"s{i:03d}",
                    trial=t + (1 if trials > 1 else 0),
                    scale="l",
                    healthy=healthy,
                    difficulty=rng.choice(["easy", "medium", "hard"]),
                    expected=None
                    if healthy
                    else GroundTruth(
                        fault_type=f"f{i % 15}", device="leaf1", interface="eth1" if i % 2 else None
                    ),
                    expected_verdict="network_healthy" if healthy else "fault_detected",
                    outcome="correct" if ok else "wrong",
                    passed=ok,
                    score=1.0 if ok else 0.0,
                    verdict_correct=ok,
                    device_correct=ok,
                    interface_correct=None if healthy or not i % 2 else ok,
                    fault_type_correct=None if healthy else ok,
                    agent_seconds=rng.uniform(1, 60),
                )
            )
    return out


def main() -> None:
    for scenarios, trials in [(18, 1), (55, 1), (72, 1), (55, 5), (72, 10)]:
        cases = synthetic(scenarios, trials)
        t0 = time.perf_counter()
        report = build_report(RunMeta(run_id="bench"), cases)
        t1 = time.perf_counter()
        render_table(report)
        t2 = time.perf_counter()
        print(
            f"{scenarios:3d} scenarios x {trials:2d} trials = {len(cases):4d} cases: "
            f"build_report {t1 - t0:6.3f}s, render_table {1000 * (t2 - t1):5.1f}ms"
        )


if __name__ == "__main__":
    main()
