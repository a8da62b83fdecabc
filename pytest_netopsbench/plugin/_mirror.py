"""The live mirror on the plugin side: one sink per pytest process that runs scenarios, opened with
its lab pool and closed after it; its counts travel to the controller (xdist ``workeroutput``)
and end up in report.json's ``run.telemetry``. The token never leaves ``Settings``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import SecretStr

from ..settings import Settings, setting_field
from ._item import SETTINGS

if TYPE_CHECKING:
    from ..evidence import InfluxSink
    from ..records import MirrorCounts, Telemetry

__all__ = ["WORKER_KEY", "close_mirror", "local_counts", "open_mirror", "redact_argv", "telemetry"]

#: the ``workeroutput`` key carrying a worker's ``MirrorCounts``
WORKER_KEY = "netopsbench_telemetry"
_SINK = pytest.StashKey["InfluxSink"]()
_COUNTS = pytest.StashKey["MirrorCounts"]()


def open_mirror(config: pytest.Config) -> InfluxSink | None:
    settings = config.stash[SETTINGS]
    if not settings.influx_url:
        return None
    from ..evidence import InfluxSink, MirrorTarget

    target = MirrorTarget(
        url=settings.influx_url,
        bucket=settings.influx_bucket,
        org=settings.influx_org or "",
        token=settings.influx_token or SecretStr(""),
    )
    sink = InfluxSink(target)
    config.stash[_SINK] = sink
    return sink


def close_mirror(config: pytest.Config) -> None:
    """Flush for a bounded time (a dead sink costs at most a few seconds at session end)."""
    sink = config.stash.get(_SINK, None)
    if sink is None:
        return
    del config.stash[_SINK]
    from ..records import MirrorCounts

    config.stash[_COUNTS] = MirrorCounts.model_validate(sink.close().model_dump())
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = config.stash[_COUNTS].model_dump()


def local_counts(config: pytest.Config) -> MirrorCounts | None:
    return config.stash.get(_COUNTS, None)


def telemetry(settings: Settings, workers: dict[str, Any]) -> Telemetry | None:
    """report.json's ``run.telemetry``: per-worker counts (raw ``workeroutput`` dicts or models)."""
    if not settings.influx_url:
        return None
    from ..evidence import public_url
    from ..records import MirrorCounts, Telemetry

    counts = {w: MirrorCounts.model_validate(c) for w, c in sorted(workers.items())}
    return Telemetry(
        url=public_url(settings.influx_url),
        bucket=settings.influx_bucket,
        org=settings.influx_org or "",
        sent=sum(c.sent for c in counts.values()),
        dropped=sum(c.dropped for c in counts.values()),
        errors=sum(c.errors for c in counts.values()),
        last_error=next((c.last_error for c in counts.values() if c.last_error), ""),
        workers=counts,
    )


def redact_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` for report.json: the token's value replaced, user info dropped from the URL."""
    from ..evidence import public_url

    token, url = setting_field("influx_token").option, setting_field("influx_url").option
    out: list[str] = []
    hide_next = show_url_next = False
    for word in argv:
        if hide_next:
            out.append("***")
        elif show_url_next:
            out.append(public_url(word))
        elif word.startswith(token + "="):
            out.append(token + "=***")
        elif word.startswith(url + "="):
            out.append(url + "=" + public_url(word.split("=", 1)[1]))
        else:
            out.append(word)
        hide_next, show_url_next = word == token, word == url
    return out
