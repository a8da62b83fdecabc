"""What an episode runs beside its faults: the toggling of an intermittent fault (``schedule``)
and the scenario's red herrings, each on a harness thread.

Threads rather than processes in the lab, named ``worker`` like every harness thread (their names
are visible in ``/proc/<pid>/task/*/comm``), so nothing an agent can read tells that a fault is
being toggled or that an event was staged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..errors import FaultError, LabError
from ..faults import Fault, Verification
from ..faults.herrings import Herring
from ..runtime import Lab
from ..scenario import Schedule

if TYPE_CHECKING:
    from ..evidence import Window
    from ._lab import LabSession


def where(fault: Fault) -> str:
    """``packet_loss on leaf1:eth1``: a fault and its target, for messages."""
    t = fault.target
    return f"{fault.name} on {':'.join(p for p in (t.device, t.interface, t.prefix) if p)}"


__all__ = ["HerringRun", "Toggler", "confirm_faults", "where"]


class Toggler:
    """Keeps an injected fault intermittent: cleared ``off_s`` after being active ``on_s``, injected
    again, and so on until :meth:`stop` (the episode then clears it for good)."""

    def __init__(self, fault: Fault, schedule: Schedule, lab: Lab) -> None:
        self.fault, self.schedule, self.lab = fault, schedule, lab
        self.errors: list[str] = []
        self.cycles = 0
        self._stop = threading.Event()
        # held by each transition and by a verification: the fault does not change under it
        self._hold = threading.Lock()
        self._active = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """The fault was injected just now: it is in its first on-period."""
        self._active = True
        self._thread = threading.Thread(target=self._cycle, name="worker", daemon=True)
        self._thread.start()

    def _cycle(self) -> None:
        on_s, off_s = self.schedule.on_s, self.schedule.off_s
        try:
            while not self._stop.wait(on_s):
                with self._hold:
                    self._active = False
                    self.fault.clear(self.lab)
                if self._stop.wait(off_s):
                    return
                with self._hold:
                    self.fault.inject(self.lab)
                    self._active = True
                self.cycles += 1
        except (FaultError, LabError) as exc:  # the lab went away; finish() reports it
            self.errors.append(f"toggling {self.fault.name}: {exc}")

    @contextmanager
    def held_active(self, timeout: float) -> Iterator[bool]:
        """Wait (up to ``timeout``) for an on-period and keep the fault active while the block runs
        (yields False if none came): a verification that probes for a few seconds sees the fault
        throughout; the on-period it falls into lasts that much longer."""
        deadline = time.monotonic() + timeout
        while True:
            self._hold.acquire()
            if self._active:
                try:
                    yield True
                finally:
                    self._hold.release()
                return
            self._hold.release()
            if time.monotonic() >= deadline or not self.running:
                yield False
                return
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop toggling (the fault may be either on or off afterwards; the caller clears it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            if self._thread.is_alive():
                self.errors.append(f"toggling {self.fault.name} did not stop within 30 s")
            self._thread = None


class HerringRun:
    """The scenario's red herrings, one after another on one thread, from the end of the
    baseline. Each proves its recovery before the next starts."""

    def __init__(self, herrings: list[Herring], lab: Lab) -> None:
        self.herrings, self.lab = herrings, lab
        self.evidence: list[str] = []
        self.errors: list[str] = []
        self.ended = 0.0  # wall-clock end of the last herring (0 until all are done)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.herrings:
            return
        self._thread = threading.Thread(target=self._play, name="worker", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        for herring in self.herrings:
            try:
                self.evidence += herring.run(self.lab)
            except (FaultError, LabError) as exc:
                self.errors.append(f"red herring {herring.describe()} failed: {exc}")
                return
        self.ended = time.time()

    def wait(self, timeout: float) -> bool:
        """Wait until every herring has run and recovered; False if one failed or time ran out."""
        if self._thread is not None:
            self._thread.join(timeout=max(0.0, timeout))
            if self._thread.is_alive():
                self.errors.append(f"the red herrings had not finished {timeout:g} s after the window")
                return False
        return not self.errors

    def close(self) -> list[str]:
        """Wait for a herring still running, then undo what a failed one may have left (a link
        left down, traffic left running). Returns problems."""
        problems: list[str] = []
        if self._thread is not None:
            self._thread.join(timeout=60)
            if self._thread.is_alive():
                problems.append("a red herring was still running at the end of the case")
        if self.errors or problems:
            for herring in self.herrings:
                try:
                    herring.restore(self.lab)
                except (FaultError, LabError) as exc:
                    problems.append(f"restoring after {herring.describe()} failed: {exc}")
        return problems


def confirm_faults(
    faults: list[Fault], togglers: list[Toggler], session: LabSession, window: Window, timeout: float
) -> Window:
    """Confirm every fault from evidence, polling until ``timeout``; the window the agent sees
    keeps its length and ends at the last confirmation (so it shows the symptoms). An intermittent
    fault is checked while it is active (the window covers its on-periods). FaultError names each
    fault not confirmed."""
    from ..evidence import Window

    length = window.end - window.start
    deadline = window.start + timeout
    pending = list(faults)
    last: dict[str, list[str]] = {}
    while pending:
        for fault in list(pending):
            toggler = next((t for t in togglers if t.fault is fault), None)
            result: Verification | None
            if toggler is None:
                result = fault.verify(session.lab, session.store, window)
            else:
                wait = max(0.0, min(deadline - time.time(), toggler.schedule.off_s + 1.0))
                with toggler.held_active(wait) as active:
                    result = fault.verify(session.lab, session.store, window) if active else None
                if result is None:
                    last.setdefault(where(fault), ["no on-period came", *toggler.errors])
                    continue
            if result.confirmed:
                pending.remove(fault)
            else:
                last[where(fault)] = result.evidence
        if not pending or time.time() >= deadline:
            break
        time.sleep(1.0)
        now = time.time()
        window = Window(start=now - length, end=now)
    if not pending:
        return window
    unconfirmed = "; ".join(
        f"{where(f)} (last evidence: {'; '.join(last.get(where(f), [])[:3]) or 'none'})" for f in pending
    )
    raise FaultError(
        f"the injected {unconfirmed} could not be confirmed from evidence within {timeout:g} s; "
        "the case was not shown to the agent"
    )
