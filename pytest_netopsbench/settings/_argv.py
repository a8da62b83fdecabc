"""Settings back to a pytest command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr

from ._model import Settings, setting_fields

__all__ = ["build_pytest_args"]


def build_pytest_args(paths: Sequence[str | Path], settings: Settings) -> list[str]:
    """The pytest command line for ``settings``: the one place the SDK and ``netopsbench run`` make
    it, so a run started either way is the same invocation. A plugin option is written when it was
    set or differs from its default (so an ini file still supplies the rest)."""
    args = [str(p) for p in paths]
    for f in setting_fields():
        value = getattr(settings, f.name)
        if not f.opt.pytest or (f.name not in settings.model_fields_set and value == f.default):
            continue
        if isinstance(value, SecretStr):  # a secret travels in the environment, never in argv
            continue
        if f.kind == "flag":
            if value != f.default:
                args.append(f.option)
        elif f.kind == "list":
            args += [f"{f.option}={v}" for v in value]
        elif value is not None:
            args.append(f"{f.option}={value:g}" if isinstance(value, float) else f"{f.option}={value}")
    if settings.workers > 1:
        args += ["-n", str(settings.workers)]
    if settings.quiet:
        args.append("-q")
    return args + settings.pytest_args
