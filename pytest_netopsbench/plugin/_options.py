"""Command-line options and ini keys, registered from and read into the one ``Settings`` model."""

from __future__ import annotations

import os

import pytest

from ..settings import Settings, SettingsError, setting_fields

__all__ = ["Settings", "add_options", "read_settings"]


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("netopsbench", "benchmark agents on emulated networks (pytest-netopsbench)")
    for f in setting_fields():  # the ini key doubles as the option's dest
        if not f.opt.pytest:
            continue
        group.addoption(f.option, dest=f.ini, **f.argparse_kwargs())
        if f.kind == "flag":
            parser.addini(f.ini, f.help, type="bool", default=False)
        elif f.kind == "list":
            parser.addini(f.ini, f.help, type="args", default=[])
        else:
            parser.addini(f.ini, f.help, default="")


def read_settings(config: pytest.Config) -> Settings:
    """Option, else ini key, else environment (where the field names one), else the model default.
    A bad value is one usage error line naming where it came from and what is accepted."""
    values: dict[str, object] = {}
    labels: dict[str, str] = {}
    for f in setting_fields():
        if not f.opt.pytest:
            continue
        for label, raw in (
            (f.option, config.getoption(f.ini)),
            (f"ini {f.ini}", config.getini(f.ini)),
        ):
            value = f.clean(raw)
            if value is not None:
                values[f.name], labels[f.name] = value, label
                break
        else:
            if f.opt.env and os.environ.get(f.opt.env, "").strip():
                values[f.name], labels[f.name] = os.environ[f.opt.env].strip(), f.opt.env
    try:
        return Settings(**values)
    except SettingsError as exc:
        raise pytest.UsageError(f"netopsbench: {exc.describe(lambda name: labels.get(name, name))}") from None
