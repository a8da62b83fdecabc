"""``RuntimeManager``: provision, attach, list and tear down labs for ``run_on_runtime_*``."""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterable
from typing import Any

from ..errors import LabError
from ..records import new_run_id, run_token
from ..runtime import HealthReport, Lab, LabInfo, attach_lab, create_lab, list_labs, teardown_lab
from ..settings import DEFAULT_RUNTIME
from ..topology import normalize_scale

__all__ = ["RuntimeManager", "RuntimePool"]


class RuntimePool:
    """Labs provisioned together. ``keep=True`` pools survive ``NetOpsBench`` exit (and are marked
    manual, so stale-lab cleanup leaves them alone) until ``teardown()`` or
    ``netopsbench runtime teardown NAME``."""

    def __init__(self, labs: list[Lab], *, keep: bool) -> None:
        self.labs = labs
        self.keep = keep
        self.torn_down = False

    @property
    def names(self) -> list[str]:
        return [lab.name for lab in self.labs]

    @property
    def scales(self) -> list[str]:
        return sorted({lab.topology.scale for lab in self.labs})

    def status(self) -> dict[str, HealthReport]:
        return {lab.name: lab.health() for lab in self.labs}

    def teardown(self) -> None:
        errors: list[str] = []
        for lab in self.labs:
            try:
                lab.teardown()
            except Exception as exc:  # tear every lab down even if one fails
                errors.append(f"{lab.name}: {exc}")
        self.torn_down = True
        if errors:
            raise LabError("teardown failed for " + "; ".join(errors))

    def __repr__(self) -> str:
        return f"RuntimePool({self.names}, keep={self.keep})"


class RuntimeManager:
    def __init__(self, backend: str = DEFAULT_RUNTIME) -> None:
        self.backend = backend
        self._pools: list[RuntimePool] = []

    def provision(
        self,
        scale: str = "xs",
        *,
        count: int = 1,
        keep: bool = False,
        backend: str | None = None,
        prefix: str | None = None,
    ) -> RuntimePool:
        """Deploy ``count`` labs of ``scale`` in parallel and wait until each is healthy. Labs are
        named ``<prefix>-<i>`` (default ``nob-sdk<4 hex>-<i>``)."""
        if count < 1:
            raise LabError(f"count must be >= 1, got {count}")
        scale = normalize_scale(scale)
        run_id = new_run_id()  # one id for the pool: `runtime list` shows its labs together
        prefix = prefix or f"nob-sdk{run_token(run_id)[:4]}"
        extra: dict[str, Any] = {"manual": True} if keep else {}
        labs = [
            # manual: kept labs have no owner pid, so stale-lab sweeps never remove them
            create_lab(
                scale,
                backend=backend or self.backend,
                name=f"{prefix}-{i}",
                run_id=run_id,
                worker=f"sdk{i}",
                **extra,
            )
            for i in range(count)
        ]
        errors: dict[str, BaseException] = {}

        def deploy(lab: Lab) -> None:
            try:
                lab.deploy()
            except BaseException as exc:
                errors[lab.name] = exc

        threads = [threading.Thread(target=deploy, args=(lab,), name=f"deploy-{lab.name}") for lab in labs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            for lab in labs:
                if lab.name not in errors:
                    lab.teardown()
            name, exc = next(iter(errors.items()))
            raise LabError(f"provisioning {count} {scale} lab(s) failed at {name}: {exc}") from exc
        pool = RuntimePool(labs, keep=keep)
        self._pools.append(pool)
        return pool

    def attach(self, names: str | Iterable[str]) -> RuntimePool:
        """Labs that are already up (``netopsbench runtime up``, or a kept pool); never torn down
        by ``close()``."""
        labs = [attach_lab(n) for n in ([names] if isinstance(names, str) else names)]
        return RuntimePool(labs, keep=True)

    def list(self) -> list[LabInfo]:
        return list_labs()

    def get(self, name: str) -> Lab:
        return attach_lab(name)

    def teardown(self, target: str | RuntimePool) -> None:
        if isinstance(target, RuntimePool):
            target.teardown()
        else:
            teardown_lab(target)

    def pools(self) -> builtins.list[RuntimePool]:
        return list(self._pools)

    def close(self) -> None:
        """Tear down the pools this manager provisioned without ``keep``."""
        errors: list[str] = []
        for pool in self._pools:
            if pool.keep or pool.torn_down:
                continue
            try:
                pool.teardown()
            except LabError as exc:
                errors.append(str(exc))
        if errors:
            raise LabError("; ".join(errors))
