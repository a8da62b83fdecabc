"""How a setting is spelled outside Python: the ``Opt`` a field carries, and ``SettingField``, which
derives every front end's spelling (option, ini key, flag, help, what a good value looks like)
from the field and its ``Opt``. Knows nothing of the ``Settings`` model itself."""

from __future__ import annotations

import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic.fields import FieldInfo

__all__ = ["Kind", "Opt", "SettingField", "base_type"]


@dataclass(frozen=True)
class Opt:
    """How a field appears outside Python. ``flag``: the option word when it is not the field name
    (a bool defaulting to True is switched off by its flag, e.g. ``trace`` by ``no-trace``)."""

    help: str
    flag: str = ""
    short: str = ""  # a one-letter `netopsbench run` alias, e.g. -n
    metavar: str = ""
    accepts: str = ""  # what a good value looks like, when the type and bounds do not say it
    env: str = ""  # an environment variable read when neither the option nor the ini key is set
    pytest: bool = True  # a plugin option (--netopsbench-*) and ini key; False: pytest's own args
    cli: bool = True  # a `netopsbench run` flag
    sdk_managed: str = ""  # not an SDK keyword: how the SDK sets it instead


Kind = Literal["value", "flag", "list"]


@dataclass(frozen=True)
class SettingField:
    """One field with every spelling derived from it."""

    name: str
    info: FieldInfo
    opt: Opt

    @property
    def word(self) -> str:
        return self.opt.flag or self.name.replace("_", "-")

    @property
    def option(self) -> str:
        return f"--netopsbench-{self.word}"

    @property
    def ini(self) -> str:
        return f"netopsbench_{self.word.replace('-', '_')}"

    @property
    def cli_flags(self) -> list[str]:
        return [f for f in (self.opt.short, f"--{self.word}") if f]

    @property
    def default(self) -> Any:
        return self.info.get_default(call_default_factory=True)

    @property
    def kind(self) -> Kind:
        base = base_type(self.info.annotation)
        if base is bool:
            return "flag"
        return "list" if get_origin(base) is list else "value"

    @property
    def metavar(self) -> str:
        return self.opt.metavar or self.word.upper().replace("-", "_")

    @property
    def help(self) -> str:
        default = self.default
        if self.kind != "value" or default is None:
            return self.opt.help
        return (
            f"{self.opt.help} (default {default:g})"
            if isinstance(default, float)
            else (f"{self.opt.help} (default {default})")
        )

    @property
    def accepts(self) -> str:
        if self.opt.accepts:
            return self.opt.accepts
        base = base_type(self.info.annotation)
        bounds = {
            type(m).__name__: getattr(m, type(m).__name__.lower())
            for m in self.info.metadata
            if isinstance(m, at.Ge | at.Gt | at.Le | at.Lt)
        }
        if base is bool:
            return "must be true or false (1/0, yes/no)"
        if base is float or base is int:
            what = "a number" if base is float else "a whole number"
            ge, le, gt = bounds.get("Ge"), bounds.get("Le"), bounds.get("Gt")
            if ge is not None and le is not None:
                return f"must be {what} between {ge:g} and {le:g}"
            if ge is not None:
                return f"must be {what} of at least {ge:g}"
            return f"must be {what} greater than {gt:g}" if gt is not None else f"must be {what}"
        if base is Path:
            return "must be a path"
        if get_origin(base) is Literal:
            return "must be one of " + ", ".join(map(str, get_args(base)))
        return "must be a list of names" if get_origin(base) is list else "must be text"

    def argparse_kwargs(self) -> dict[str, Any]:
        """``add_argument`` keywords (pytest's ``addoption`` takes the same). Nothing given stays
        ``None``, so the next source (ini key, model default) decides."""
        if self.kind == "flag":
            return {"action": "store_true", "default": None, "help": self.help}
        action = "append" if self.kind == "list" else "store"
        return {"action": action, "default": None, "metavar": self.metavar, "help": self.help}

    def clean(self, value: object) -> object | None:
        """A raw value from an option, ini key or flag; ``None`` when it says nothing."""
        if value is None or value is False:
            return None
        if self.kind == "flag":
            return not self.default if value is True else value  # the flag flips the default
        if self.kind == "list":
            values = value if isinstance(value, list | tuple) else [value]
            names = [n.strip() for v in values for n in str(v).split(",") if n.strip()]
            return names or None
        text = str(value).strip()
        return text or None


def base_type(annotation: Any) -> Any:
    """``X`` from ``X | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
