"""SIGTERM and SIGHUP run the same teardown as Ctrl-C, in the controller and in every xdist worker.

GNU ``timeout``, a CI cancel and ``docker stop`` send SIGTERM to the whole process group; by default
that kills each process on the spot and leaks its labs. Here the first SIGTERM/SIGHUP raises
``KeyboardInterrupt`` in the main thread, so pytest finishes the session as after Ctrl-C: session
fixtures (the lab pool) are torn down and the report is written. Further SIGTERM/SIGHUP are then
ignored so they cannot cut that teardown short; a SIGKILL is left to the labs' owner watchdogs.

Handlers are installed only where the signal still has its default action (an embedding program's
own handler wins) and restored at unconfigure (pytester runs pytest in-process). Until the session
has scenarios (``activate``), the handler keeps the default behaviour (the process dies of the
signal), so pytest sessions without scenarios are unaffected by the plugin being installed.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType
from typing import Any

import pytest

__all__ = ["SIGNAL", "activate", "install", "restore"]

#: name of the signal that interrupted this process (``"SIGTERM"``), set once it arrived
SIGNAL = pytest.StashKey[str]()
_SAVED = pytest.StashKey[dict[int, Any]]()
_ACTIVE = pytest.StashKey[bool]()
_HANDLED = (signal.SIGTERM, signal.SIGHUP)


def install(config: pytest.Config) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    saved: dict[int, Any] = {}

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if not config.stash.get(_ACTIVE, False):
            signal.signal(signum, signal.SIG_DFL)  # no scenarios here: die of it, as without us
            os.kill(os.getpid(), signum)
            return
        name = signal.Signals(signum).name
        config.stash[SIGNAL] = name
        for sig in _HANDLED:  # the teardown this starts must not be cut short by a second one
            if sig in saved:
                signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt(f"netopsbench: received {name}; tearing down labs")

    for sig in _HANDLED:
        if signal.getsignal(sig) is signal.SIG_DFL:
            saved[sig] = signal.signal(sig, interrupt)
    config.stash[_SAVED] = saved


def activate(config: pytest.Config) -> None:
    """This session runs scenarios (it may own labs, or its workers do): interrupt gracefully."""
    config.stash[_ACTIVE] = True


def restore(config: pytest.Config) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig, previous in config.stash.get(_SAVED, {}).items():
        signal.signal(sig, previous)
    config.stash[_SAVED] = {}
