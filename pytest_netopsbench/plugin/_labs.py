"""``LabPool``: the labs of one pytest process (one xdist worker), one per scale, deployed lazily
the first time the worker meets that scale and torn down at session end."""

from __future__ import annotations

import secrets
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LabError

if TYPE_CHECKING:
    from ..episode import LabSession
    from ..evidence import InfluxSink

__all__ = ["LabPool"]


class LabPool:
    def __init__(
        self,
        *,
        backend: str,
        run_id: str,
        worker: str,
        store_root: Path,
        keep_labs: bool,
        attach: list[str] | None = None,
        mirror: InfluxSink | None = None,
    ) -> None:
        self.backend, self.run_id, self.worker = backend, run_id, worker
        self.store_root, self.keep_labs = store_root, keep_labs
        self.attach = list(attach or [])  # --netopsbench-lab: use these labs, never create or remove any
        self._labs: dict[str, LabSession] = {}
        self._broken: dict[str, str] = {}  # scale -> why the lab must be rebuilt
        self._nonce = secrets.token_hex(2)  # distinct runs never share a lab name, whatever their ids
        self.deploys = 0
        self.mirror = mirror  # the live mirror every lab's collector streams to (or None)

    def lab_name(self, scale: str) -> str:
        from ..runtime import run_lab_name

        return run_lab_name(self.run_id, self.worker, scale, self._nonce)

    def mark_broken(self, scale: str, reason: str) -> None:
        self._broken[scale] = reason

    def acquire(self, scale: str, *, recover_timeout: float) -> tuple[LabSession, str]:
        """A healthy lab of ``scale``; deploys it on first use and rebuilds it when it was marked
        broken or does not pass its health check. Returns the lab and, when it was rebuilt, why."""
        session = self._labs.get(scale)
        rebuilt = ""
        if session is not None and scale in self._broken:
            rebuilt = self._broken.pop(scale)
            self._drop(scale)
            session = None
        if session is not None:
            health = session.check_healthy(recover_timeout)
            if health.healthy:
                return session, ""
            rebuilt = "failed its health check before the case: " + "; ".join(health.problems[:5])
            self._drop(scale)
        self._labs[scale] = self._deploy(scale)
        return self._labs[scale], rebuilt

    def _attached_name(self, scale: str) -> str:
        """Worker ``gwN`` takes the N-th given lab of ``scale`` (sorted by name), so no two workers
        share a lab."""
        from ..runtime import attach_lab

        mine = sorted(n for n in self.attach if attach_lab(n).topology.scale == scale)
        index = int(self.worker[2:]) if self.worker.startswith("gw") and self.worker[2:].isdigit() else 0
        if index >= len(mine):
            raise LabError(
                f"worker {self.worker} needs lab #{index + 1} of scale {scale}, but --netopsbench-lab gives "
                f"{len(mine)} ({', '.join(mine) or 'none'}); provision one lab of each scale per worker "
                "or lower -n",
                step="attach",
            )
        return mine[index]

    def _deploy(self, scale: str) -> LabSession:
        from ..episode import LabSession

        if self.attach:
            # A given lab is only ever re-attached (and re-checked), never rebuilt: it is not ours.
            name = self._attached_name(scale)
            self.deploys += 1
            return LabSession.attach(
                name,
                store_dir=self.store_root / name,
                mirror=self.mirror,
                worker=self.worker,
                run_id=self.run_id,
            )
        name = self.lab_name(scale)
        self.deploys += 1
        try:
            return LabSession.start(
                scale,
                backend=self.backend,
                name=name,
                run_id=self.run_id,
                worker=self.worker,
                store_dir=self.store_root / name,
                watchdog=not self.keep_labs,  # kept labs are meant to outlive this process
                mirror=self.mirror,
            )
        except LabError:
            raise
        except Exception as exc:  # surface the lab name whatever the backend raised
            raise LabError(
                f"deploying lab {name} ({scale}) failed: {type(exc).__name__}: {exc}", step="deploy"
            ) from exc

    def _drop(self, scale: str) -> None:
        session = self._labs.pop(scale, None)
        if session is not None:
            try:
                session.close(keep_lab=False)
            except Exception as exc:  # a half-dead lab must not block the rebuild
                warnings.warn(
                    f"netopsbench: tearing down broken lab {session.name} failed: {exc}",
                    RuntimeWarning,
                    stacklevel=2,
                )

    def close(self) -> list[str]:
        """Stop collectors and tear labs down (unless kept); returns errors, never raises."""
        errors: list[str] = []
        for scale in list(self._labs):
            session = self._labs.pop(scale)
            try:
                session.close(keep_lab=self.keep_labs)
            except Exception as exc:
                errors.append(f"{session.name}: {exc}")
        return errors

    @property
    def names(self) -> list[str]:
        return [s.name for s in self._labs.values()]
