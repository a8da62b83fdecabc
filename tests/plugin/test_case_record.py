"""``new_case_record``: the one constructor of a case's record, for cases that ran and cases that
never reached their agent alike (no lab needed)."""

from __future__ import annotations

from pathlib import Path

from pytest_netopsbench.episode import append_message, new_case_id, new_case_record, scenario_truth
from pytest_netopsbench.scenario import load_scenario

XS = Path(__file__).resolve().parents[2] / "scenarios" / "generated" / "xs"


def test_fault_case_record_carries_scenario_fields_and_truth() -> None:
    scenario = load_scenario(XS / "xs-device-down-leaf2.yaml")
    truth = scenario_truth(scenario)
    assert truth is not None and truth.device == "leaf2"
    rec = new_case_record(scenario, run_id="run-x", nodeid="a.yaml::id", trial=2, worker="gw1", truth=truth)
    assert rec.case_id.startswith("case-") and rec.case_id != new_case_id()  # random, not derived
    assert (rec.scenario_id, rec.scale, rec.fault_type) == (scenario.scenario_id, "xs", "device_down")
    assert (rec.expected_verdict, rec.outcome, rec.worker, rec.trial) == (
        "fault_detected",
        "infra_error",
        "gw1",
        2,
    )
    assert rec.expected == truth and rec.started == rec.ended == 0.0


def test_placeholder_for_a_skipped_healthy_case() -> None:
    scenario = load_scenario(XS / "xs-healthy-01.yaml")
    assert scenario_truth(scenario) is None
    rec = new_case_record(
        scenario, run_id="r", nodeid="n", outcome="skipped", message="no lab", finished=True
    )
    assert (rec.healthy, rec.expected_verdict, rec.fault_type) == (True, "network_healthy", None)
    assert rec.outcome == "skipped" and rec.started == rec.ended > 0
    append_message(rec, "")
    append_message(rec, "retried")
    assert rec.message == "no lab; retried"


def test_record_carries_the_campaign_tier() -> None:
    standard = load_scenario(XS / "xs-healthy-01.yaml")
    hard = load_scenario(next((XS.parent / "hard" / "xs").glob("xs-hard-bgpd-crash-*.yaml")))
    assert new_case_record(standard, run_id="r", nodeid="n").tier == "standard"
    rec = new_case_record(hard, run_id="r", nodeid="n", truth=scenario_truth(hard))
    assert (rec.tier, rec.fault_type, rec.campaign) == ("hard", "bgpd_crash", hard.campaign)
