"""ScaleAffinityScheduling: which items each xdist worker is sent (scheduling logic only; the
real-lab effect is checked in test_lab_runs.py)."""

from __future__ import annotations

from typing import Any

import pytest
from plugin_helpers import scenario

from pytest_netopsbench.plugin._schedule import ScaleAffinityScheduling


class Node:
    """The part of xdist's WorkerController the scheduler talks to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.gateway = type("Gateway", (), {"id": name})()
        self.shutting_down = False
        self.sent: list[int] = []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def scheduler(pytester: pytest.Pytester, ids: list[str]) -> tuple[ScaleAffinityScheduling, list[Node]]:
    sched = ScaleAffinityScheduling(pytester.parseconfig("--tx", "2*popen"))
    nodes = [Node("gw0"), Node("gw1")]
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, ids)
    sched.schedule()
    return sched, nodes


def scales(sched: Any, node: Node) -> set[str]:
    return {sched.scale_of(i) for i in node.sent}


def test_each_worker_starts_on_its_own_scale(pytester: pytest.Pytester) -> None:
    ids = []
    for k in range(8):
        scenario(pytester, f"xs{k}.yaml", f"xs-case-{k}")
        ids.append(f"xs{k}.yaml::xs-case-{k}")
    for k in range(8):
        scenario(pytester, f"s{k}.yaml", f"s-case-{k}", topology={"scale": "s"})
        ids.append(f"s{k}.yaml::s-case-{k}")
    sched, (gw0, gw1) = scheduler(pytester, ids)
    assert scales(sched, gw0) == {"xs"} and scales(sched, gw1) == {"s"}
    # as items complete, each worker keeps to its scale while that scale has items left
    while sched.pending:
        for node in (gw0, gw1):
            for index in list(sched.node2pending[node]):
                sched.mark_test_complete(node, index)
    assert scales(sched, gw0) == {"xs"} and scales(sched, gw1) == {"s"}
    assert sorted(gw0.sent + gw1.sent) == list(range(16))


def test_a_worker_helps_with_another_scale_when_its_own_runs_out(pytester: pytest.Pytester) -> None:
    ids = []
    for k in range(10):
        scenario(pytester, f"xs{k}.yaml", f"xs-case-{k}")
        ids.append(f"xs{k}.yaml::xs-case-{k}")
    scenario(pytester, "s0.yaml", "s-case-0", topology={"scale": "s"})
    ids.append("s0.yaml::s-case-0")
    sched, (gw0, gw1) = scheduler(pytester, ids)
    while sched.pending:
        for node in (gw0, gw1):
            for index in list(sched.node2pending[node]):
                sched.mark_test_complete(node, index)
    assert scales(sched, gw0) == {"xs"}
    assert scales(sched, gw1) == {"s", "xs"}  # no idle worker: it joins the xs work after its s item
    assert sorted(gw0.sent + gw1.sent) == list(range(11))


def test_non_scenario_items_are_scheduled_too(pytester: pytest.Pytester) -> None:
    ids = [f"test_x.py::test_{k}" for k in range(6)]
    sched, (gw0, gw1) = scheduler(pytester, ids)
    while sched.pending:
        for node in (gw0, gw1):
            for index in list(sched.node2pending[node]):
                sched.mark_test_complete(node, index)
    assert sorted(gw0.sent + gw1.sent) == list(range(6))
