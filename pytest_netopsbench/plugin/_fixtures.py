"""The plugin's fixtures (a module registered as a plugin, so a conftest.py can override any of
them; overriding ``netopsbench_agent`` is how a user supplies an agent without the option)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from ..errors import LabError, NetopsbenchError
from ._agent import NO_AGENT_MESSAGE
from ._collect import ScenarioItem
from ._runner import CASE, RUN, SETTINGS, CaseState, case_id_for, rundir

if TYPE_CHECKING:
    from ..episode import Episode
    from ._labs import LabPool

__all__ = ["netopsbench_agent", "netopsbench_episode", "netopsbench_labs"]


@pytest.fixture(scope="session")
def netopsbench_agent(pytestconfig: pytest.Config) -> Any:
    """The agent under test, from ``--netopsbench-agent`` (override this fixture to build
    your own)."""
    settings = pytestconfig.stash[SETTINGS]
    if not settings.agent:
        raise pytest.UsageError(NO_AGENT_MESSAGE)
    agent = pytestconfig.hook.pytest_netopsbench_load_agent(config=pytestconfig, spec=settings.agent)
    if agent is None:
        raise pytest.UsageError(f"netopsbench: no plugin could load agent {settings.agent!r}")
    return agent


@pytest.fixture(scope="session")
def netopsbench_labs(pytestconfig: pytest.Config) -> Iterator[LabPool]:
    """This worker's labs, one per scale, deployed on first use and torn down at the end."""
    from ._labs import LabPool
    from ._mirror import close_mirror, open_mirror

    settings, info = pytestconfig.stash[SETTINGS], pytestconfig.stash[RUN]
    pool = LabPool(
        backend=settings.runtime,
        run_id=info.run_id,
        worker=info.worker,
        store_root=rundir(pytestconfig).root / "labs",
        keep_labs=settings.keep_lab,
        attach=settings.labs,
        mirror=open_mirror(pytestconfig),
    )
    from ._resume import POOL

    pytestconfig.stash[POOL] = pool  # retries mark a lab for rebuild through it
    try:
        yield pool
    finally:
        try:
            errors = pool.close()
        finally:
            close_mirror(pytestconfig)  # after the collectors: their last rows go out too
        if errors:
            raise LabError("tearing down labs failed: " + "; ".join(errors), step="teardown")


@pytest.fixture
def netopsbench_episode(request: pytest.FixtureRequest, netopsbench_labs: LabPool) -> Iterator[Episode]:
    """Setup: a healthy lab, baseline, injection confirmed, observation, context. Teardown:
    clear and prove the lab healthy again (rebuilt before the next case if not)."""
    from ..agents import baseline_agents
    from ..episode import Episode, EpisodeSettings
    from ..faults import get_fault

    item = request.node
    if not isinstance(item, ScenarioItem):
        raise pytest.UsageError("netopsbench_episode is only available to scenario items")
    state = item.stash.setdefault(CASE, CaseState())
    scenario, config = item.scenario, request.config
    settings, info = config.stash[SETTINGS], config.stash[RUN]
    for spec in scenario.fault_specs:
        reason = get_fault(spec.type).unsupported_reason()
        if reason:
            pytest.skip(f"{reason} (see `netopsbench doctor`)")
    from ._resume import mark_phase

    mark_phase(item, "lab")
    started = time.monotonic()
    try:
        session, rebuilt = netopsbench_labs.acquire(
            scenario.scale, recover_timeout=scenario.timing.recover_timeout_s
        )
        session.use_traffic(scenario.traffic)
    except NetopsbenchError as exc:
        harness_error(exc)
    health_s = time.monotonic() - started

    def make_context(context: Any) -> Any:
        replaced = config.hook.pytest_netopsbench_make_context(context=context, scenario=scenario, item=item)
        return context if replaced is None else replaced

    def score(truth: Any, diagnosis: Any, topology: Any) -> Any:
        return config.hook.pytest_netopsbench_score_case(
            truth=truth, diagnosis=diagnosis, topology=topology, scenario=scenario
        )

    episode = Episode(
        scenario=scenario,
        session=session,
        run_id=info.run_id,
        nodeid=item.nodeid,
        trial=item.trial,
        worker=info.worker,
        case_dir=None,
        make_context=make_context,
        score=score,
        baselines=baseline_agents() if settings.baselines else (),
        settings=EpisodeSettings(
            agent_timeout_s=settings.agent_timeout,
            pass_score=settings.pass_score,
            pass_requires_type=settings.pass_requires_type,
            trace=settings.trace,
        ),
    )
    episode.record.case_id = case_id_for(item)  # a rerun's own id (resume, retry)
    episode.on_phase = lambda phase: mark_phase(item, phase)
    episode.case_dir = rundir(config).case_dir(episode.record.case_id)
    episode.record.phases["health"] = round(health_s, 4)
    if rebuilt:
        episode.record.lab_rebuilt = True
        episode.record.message = f"lab {session.name} was rebuilt before this case: {rebuilt}"
    state.episode, state.record = episode, episode.record
    try:
        episode.prepare()
    except NetopsbenchError as exc:
        _finish(episode, netopsbench_labs, raise_on_failure=False)
        harness_error(exc)
    except BaseException:
        _finish(episode, netopsbench_labs, raise_on_failure=False)
        raise
    yield episode
    _finish(episode, netopsbench_labs, raise_on_failure=True)


def _finish(episode: Episode, pool: LabPool, *, raise_on_failure: bool) -> None:
    recovered, problem = episode.finish()
    if recovered:
        return
    pool.mark_broken(episode.scenario.scale, f"the previous case left it unhealthy ({problem})")
    from ..episode import append_message

    note = f"lab {episode.session.name} did not recover after this case ({problem}); it will be rebuilt"
    append_message(episode.record, note)
    if raise_on_failure:
        harness_error(LabError(note, step="recover"))


def harness_error(exc: NetopsbenchError) -> NoReturn:
    """Fail the current setup/teardown (a pytest *error*) with the message only: a traceback
    into the harness helps no one decide what to fix."""
    pytest.fail(f"netopsbench harness error ({type(exc).__name__}): {exc}", pytrace=False)
