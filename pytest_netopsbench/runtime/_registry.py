"""Backend registry and the lab lifecycle functions everything else uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import LabError
from ..settings import DEFAULT_RUNTIME
from ..topology import Topology, build_topology
from ._protocol import Lab, LabInfo
from ._rundir import (
    age_seconds,
    check_lab_name,
    default_lab_name,
    labs_root,
    new_run_id,
    owner_alive,
    read_info,
)

__all__ = [
    "BackendFactory",
    "attach_lab",
    "available_backends",
    "create_lab",
    "list_labs",
    "register_backend",
    "teardown_all",
    "teardown_lab",
]

# factory(topology, name=..., run_id=..., worker=..., **options) -> Lab; attach passes info=LabInfo.
BackendFactory = Callable[..., Lab]
_BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    _BACKENDS[name] = factory


def available_backends() -> list[str]:
    _load_builtin()
    return sorted(_BACKENDS)


def _load_builtin() -> None:
    if "netns" not in _BACKENDS:
        from .netns import NetnsLab

        _BACKENDS["netns"] = NetnsLab
    if "containerlab" not in _BACKENDS:
        try:
            from .containerlab import ContainerlabLab
        except ImportError:  # pragma: no cover - the module ships with the package
            return
        _BACKENDS["containerlab"] = ContainerlabLab


def _factory(backend: str) -> BackendFactory:
    _load_builtin()
    try:
        return _BACKENDS[backend]
    except KeyError:
        known = ", ".join(sorted(_BACKENDS))
        raise LabError(f"unknown lab backend {backend!r}; available: {known}") from None


def create_lab(
    scale_or_topology: str | Topology,
    *,
    backend: str = DEFAULT_RUNTIME,
    name: str | None = None,
    run_id: str | None = None,
    worker: str = "master",
    **options: Any,
) -> Lab:
    """A lab object, not yet deployed: call ``lab.deploy()`` (or use it via the pytest fixtures)."""
    if isinstance(scale_or_topology, Topology):
        topology = scale_or_topology
    else:
        try:
            topology = build_topology(scale_or_topology)
        except ValueError as exc:
            raise LabError(str(exc)) from None
    run_id = run_id or new_run_id()
    name = check_lab_name(name or default_lab_name(run_id, worker))
    return _factory(backend)(topology, name=name, run_id=run_id, worker=worker, **options)


def attach_lab(name: str) -> Lab:
    """Reopen a deployed lab (from any process) using its ``lab.json``."""
    info = read_info(check_lab_name(name))
    topology = build_topology(info.scale)
    return _factory(info.backend)(topology, name=info.name, run_id=info.run_id, worker=info.worker, info=info)


def list_labs() -> list[LabInfo]:
    """Every lab with our metadata, with ``state`` set to up, deploying or stale (owner gone)."""
    root = labs_root()
    if not root.exists():
        return []
    labs: list[LabInfo] = []
    for entry in sorted(root.iterdir()):
        if not (entry / "lab.json").exists():
            continue
        try:
            info = read_info(entry.name)
        except LabError:
            continue
        if not owner_alive(info):
            info.state = "stale"
        labs.append(info)
    return labs


def teardown_lab(name: str) -> bool:
    """Remove a lab by exact name; False (not an error) when no lab of that name exists."""
    try:
        lab = attach_lab(name)
    except LabError:
        if (labs_root() / name / "lab.json").exists():
            raise  # present but unreadable: say so rather than pretend it is gone
        return False
    lab.teardown()
    return True


def teardown_all(
    stale_only: bool = True, *, run_id: str | None = None, older_than: float | None = None
) -> list[str]:
    """Tear down stale labs (or, with ``stale_only=False``, every lab of ours); returns their names.

    ``run_id``: only labs of that run (exact match). ``older_than``: only labs created more than
    that many seconds ago."""
    removed: list[str] = []
    for info in list_labs():
        if stale_only and info.state != "stale":
            continue
        if run_id is not None and info.run_id != run_id:
            continue
        if older_than is not None and age_seconds(info) <= older_than:
            continue
        teardown_lab(info.name)
        removed.append(info.name)
    return removed
