"""Compound, intermittent and red-herring scenarios without a lab: the model, its properties, every
refusal naming file and field, the record's kind fields, markers and the generator's rendering."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pytest_netopsbench.campaign._generate import render_scenario
from pytest_netopsbench.episode._record import new_case_record, scenario_truth
from pytest_netopsbench.errors import ScenarioError
from pytest_netopsbench.faults import all_faults
from pytest_netopsbench.scenario import Scenario, load_scenario, validate_scenario

HEAD = "scenario_id: hard-one\nname: Hard one\ntopology: {scale: xs}\n"
LOSS = "{type: packet_loss, target: {device: leaf1, interface: eth1}, params: {loss_pct: 30}}"
CRASH = "{type: bgpd_crash, target: {device: spine2}}"


def load(tmp_path: Path, body: str) -> Scenario:
    path = tmp_path / "case.yaml"
    path.write_text(HEAD + body)
    scenario = load_scenario(path)
    validate_scenario(scenario, path)
    return scenario


def refused(tmp_path: Path, body: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, body)
    assert str(tmp_path / "case.yaml") in str(info.value)
    return info.value


def test_compound_case(tmp_path: Path) -> None:
    s = load(tmp_path, f"faults:\n  - {LOSS}\n  - {CRASH}\n")
    assert s.compound and not s.healthy and not s.intermittent and s.fault is None
    assert [f.type for f in s.fault_specs] == ["packet_loss", "bgpd_crash"]
    truth = scenario_truth(s)
    assert truth is not None and truth.is_compound
    assert [(t.fault_type, t.device, t.interface) for t in truth.faults()] == [
        ("packet_loss", "leaf1", "eth1"),
        ("bgpd_crash", "spine2", None),
    ]
    rec = new_case_record(s, run_id="r", nodeid="n", truth=truth)
    assert rec.compound and rec.fault_type == "packet_loss" and rec.expected_verdict == "fault_detected"
    assert not rec.intermittent and rec.red_herrings == []


def test_single_and_healthy_cases_keep_their_shape(tmp_path: Path) -> None:
    single = load(tmp_path, f"fault: {LOSS}\n")
    assert single.fault_specs == [single.fault] and not single.compound and not single.healthy
    healthy = load(tmp_path, "")
    assert healthy.fault_specs == [] and healthy.healthy and not healthy.compound
    # a generated file without the new fields renders exactly as before: no `schedule: null`
    text = render_scenario(single)
    assert "schedule" not in text and "faults" not in text and "red_herrings" not in text


def test_intermittent_fault(tmp_path: Path) -> None:
    s = load(
        tmp_path,
        "fault:\n  type: packet_loss\n  target: {device: leaf1, interface: eth1}\n"
        "  schedule: {on_s: 3, off_s: 4}\n",
    )
    assert s.intermittent and s.fault is not None and s.fault.schedule is not None
    assert (s.fault.schedule.on_s, s.fault.schedule.off_s) == (3.0, 4.0)
    assert new_case_record(s, run_id="r", nodeid="n").intermittent
    assert yaml.safe_load(render_scenario(s))["fault"]["schedule"] == {"on_s": 3.0, "off_s": 4.0}


def test_red_herrings(tmp_path: Path) -> None:
    s = load(
        tmp_path,
        "red_herrings:\n"
        "  - {type: bgp_session_reset, target: {device: spine1}, params: {peer: 198.18.8.5}}\n"
        "  - {type: counter_burst, target: {device: leaf2, interface: eth2}, params: {seconds: 3}}\n"
        "  - {type: link_flap_recovered, target: {device: leaf2, interface: eth1}}\n",
    )
    assert s.healthy and [h.type for h in s.red_herrings] == [
        "bgp_session_reset",
        "counter_burst",
        "link_flap_recovered",
    ]
    rec = new_case_record(s, run_id="r", nodeid="n")
    assert rec.red_herrings == ["bgp_session_reset", "counter_burst", "link_flap_recovered"] and rec.healthy
    assert len(yaml.safe_load(render_scenario(s))["red_herrings"]) == 3


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (f"fault: {LOSS}\nfaults:\n  - {LOSS}\n  - {CRASH}\n", "faults", "not both"),
        (f"faults:\n  - {LOSS}\n", "faults", "2 to 3 faults (got 1)"),
        (f"faults: [{LOSS}, {CRASH}, {CRASH}, {CRASH}]\n", "faults", "2 to 3 faults (got 4)"),
        (
            f"faults:\n  - {CRASH}\n  - {{type: bgpd_crash, target: {{device: spine2}}}}\n",
            "faults",
            "same target",
        ),
        # the same link from its other end
        (
            f"faults:\n  - {LOSS}\n  - {{type: link_down, target: {{device: spine1, interface: eth1}}}}\n",
            "faults.1.target",
            "same place as faults.0",
        ),
        (
            f"faults:\n  - {LOSS}\n  - {{type: bgpd_crash, target: {{device: spine9}}}}\n",
            "faults.1.target.device",
            "spine9",
        ),
        (
            f"faults:\n  - {LOSS}\n  - {{type: solar_flare, target: {{device: spine2}}}}\n",
            "faults.1.type",
            "solar_flare",
        ),
        (
            f"faults:\n  - {CRASH}\n  - {{type: packet_loss, target: {{device: leaf1, interface: eth1}}, "
            "params: {loss_pct: 300}}\n",
            "faults.1.params.loss_pct",
            "100",
        ),
        (
            "fault:\n  type: bgpd_crash\n  target: {device: spine2}\n  schedule: {on_s: 3, off_s: 3}\n",
            "fault.schedule",
            "bgpd_crash cannot be intermittent",
        ),
        (
            f"faults:\n  - {LOSS}\n  - {{type: link_down, target: {{device: leaf2, interface: eth1}}, "
            "schedule: {on_s: 2, off_s: 2}}\n",
            "faults.1.schedule",
            "link_down cannot be intermittent",
        ),
        (
            "fault:\n  type: packet_loss\n  target: {device: leaf1, interface: eth1}\n"
            "  schedule: {on_s: 3, off_s: 0.2}\n",
            "fault.schedule.off_s",
            "greater than or equal to 1",
        ),
        (
            "fault:\n  type: packet_loss\n  target: {device: leaf1, interface: eth1}\n"
            "  schedule: {on_s: 3, off_s: 9}\n",
            "fault.schedule.off_s",
            "shorter than timing.observe_s",
        ),
        (
            "fault:\n  type: packet_loss\n  target: {device: leaf1, interface: eth1}\n"
            "  schedule: {on_s: 3}\n",
            "fault.schedule.off_s",
            "required field is missing",
        ),
        (
            "red_herrings:\n  - {type: solar_wind, target: {device: leaf1}}\n",
            "red_herrings.0.type",
            "solar_wind",
        ),
        (
            "red_herrings:\n  - {type: counter_burst, target: {device: leaf1, interface: eth3}}\n",
            "red_herrings.0.target.interface",
            "leads to a host",
        ),
        (
            "red_herrings:\n  - {type: bgp_session_reset, target: {device: spine1}, "
            "params: {peer: 198.18.9.9}}\n",
            "red_herrings.0.params.peer",
            "no BGP neighbor 198.18.9.9",
        ),
        (
            "red_herrings:\n  - {type: link_flap_recovered, target: {device: leaf1, interface: eth1}, "
            "params: {down_s: 60}}\n",
            "red_herrings.0.params.down_s",
            "less than or equal to 10",
        ),
        (
            "red_herrings:\n  - {type: link_flap_recovered, target: {device: leaf1, interface: eth1}, "
            "x: 1}\n",
            "red_herrings.0.x",
            "unknown field",
        ),
        # a herring on the faulty link (either end), or on a session of a device whose bgpd is down
        (
            f"fault: {LOSS}\nred_herrings:\n  - {{type: link_flap_recovered, target: {{device: spine1, "
            "interface: eth1}}\n",
            "red_herrings.0.target",
            "touches fault",
        ),
        (
            f"fault: {CRASH}\nred_herrings:\n  - {{type: bgp_session_reset, target: {{device: leaf2, "
            "interface: eth2}}\n",
            "red_herrings.0.target",
            "touches fault",
        ),
    ],
)
def test_refusals_name_file_and_field(tmp_path: Path, body: str, field: str, fragment: str) -> None:
    err = refused(tmp_path, body)
    assert err.field == field, str(err)
    assert fragment in str(err)


def test_intermittent_faults_are_the_quick_repeatable_ones() -> None:
    able = {f.name for f in all_faults() if f.intermittent_ok}
    assert {"packet_loss", "high_latency", "packet_corruption", "ecmp_member_drop", "cable_cut"} <= able
    # faults with slow or one-way mechanisms (a daemon crash, a hold timer) are refused a schedule
    assert not able & {"bgpd_crash", "bgp_hold_timer_expiry", "link_down", "link_flapping", "congestion"}


def test_reports_break_scores_down_by_case_kind(tmp_path: Path) -> None:
    from pytest_netopsbench.report import RunMeta, build_report, render_table
    from pytest_netopsbench.scoring import case_kind

    plain = load(tmp_path, f"fault: {LOSS}\n")
    compound = load(tmp_path, f"faults:\n  - {LOSS}\n  - {CRASH}\n")
    herrings = load(
        tmp_path, "red_herrings:\n  - {type: link_flap_recovered, target: {device: leaf2, interface: eth1}}\n"
    )
    records = []
    for n, (s, passed) in enumerate([(plain, True), (compound, False), (herrings, True)]):
        rec = new_case_record(s, run_id="r", nodeid=f"n{n}", truth=scenario_truth(s), outcome="wrong")
        rec.outcome, rec.passed, rec.score = ("correct", True, 1.0) if passed else ("wrong", False, 0.0)
        records.append(rec)
    assert [case_kind(r) for r in records] == ["single", "compound", "healthy+red_herrings"]
    report = build_report(RunMeta(run_id="r"), records, resamples=50)
    kinds = report.breakdowns["kind"]
    assert kinds["compound"].pass_rate == 0 and kinds["healthy+red_herrings"].pass_rate == 1
    assert "pass rate by case kind" in render_table(report)
