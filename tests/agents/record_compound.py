"""Record the reference agent on compound cases (two simultaneous faults) on a real lab, as replay
fixtures (tests/agents/data/<id>.json) whose ground truth is a compound ``GroundTruth``.

    .venv/bin/python tests/agents/record_compound.py

The campaign has no compound cases yet, so this builds each scenario (``faults:``) here and runs
its episode: both faults injected, verified and cleared together. Not collected by pytest (no
test_ prefix); needs root and FRR.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from record_fixtures import DATA, RecordingAgent

from pytest_netopsbench.episode import LabSession
from pytest_netopsbench.episode._run import Episode
from pytest_netopsbench.scenario import Scenario

#: (scenario id, scale, [(fault type, target, params), ...])
CASES: list[tuple[str, str, list[tuple[str, dict[str, str], dict[str, Any]]]]] = [
    (
        "xs-compound-netmask-h1-maximum-paths-leaf2",
        "xs",
        [("host_wrong_netmask", {"device": "h1"}, {}), ("ecmp_maximum_paths_one", {"device": "leaf2"}, {})],
    ),
    (
        "xs-compound-bgpd-crash-spine1-route-leak-leaf1",
        "xs",
        [
            ("bgpd_crash", {"device": "spine1"}, {}),
            ("more_specific_route_leak", {"device": "leaf1", "prefix": "198.19.2.0/25"}, {}),
        ],
    ),
]


def main() -> int:
    for case_id, scale, faults in CASES:
        name = f"nob-cmp{uuid.uuid4().hex[:4]}-{scale}"
        with tempfile.TemporaryDirectory() as tmp:
            session = LabSession.start(
                scale,
                backend="netns",
                name=name,
                run_id=uuid.uuid4().hex[:6],
                worker="rec",
                store_dir=Path(tmp),
            )
            try:
                scenario = Scenario.model_validate(
                    {
                        "scenario_id": case_id,
                        "name": case_id,
                        "topology": {"scale": scale},
                        "faults": [{"type": t, "target": tg, "params": p} for t, tg, p in faults],
                        "traffic": "standard",
                    }
                )
                session.use_traffic(scenario.traffic)
                ep = Episode(scenario=scenario, session=session, run_id="rec", nodeid=case_id)
                assert ep.truth is not None
                agent = RecordingAgent()
                started = time.monotonic()
                try:
                    ep.prepare()
                    ep.diagnose(agent)
                finally:
                    ep.finish()
                rec = ep.record
                took = time.monotonic() - started
                print(f"{case_id}: {rec.outcome} score={rec.score} ({took:.1f}s) {rec.message}")
                if agent.fixture:
                    agent.fixture.update(
                        scenario_id=case_id, truth=ep.truth.model_dump(mode="json"), score=rec.score
                    )
                    (DATA / f"{case_id}.json").write_text(
                        json.dumps(agent.fixture, sort_keys=True, separators=(",", ":"))
                    )
            finally:
                session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
