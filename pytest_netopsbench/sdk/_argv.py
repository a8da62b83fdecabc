"""``RunOptions``: the SDK's view of ``Settings`` (the same fields as the plugin options and the
``netopsbench run`` flags), and the one pytest command line both build with ``build_pytest_args``."""

from __future__ import annotations

from typing import Any

from ..settings import Problem, Settings, SettingsError, build_pytest_args, setting_fields

__all__ = ["RunOptions", "build_pytest_args"]

# Earlier SDK spellings: refused with the current name rather than kept as second names.
_RENAMED = {"keep_runtime": "keep_lab", "artifacts_dir": "artifacts", "agent_timeout_s": "agent_timeout"}


class RunOptions(Settings):
    """Options of one benchmark run: every ``Settings`` field except those the SDK sets itself
    (the agent, the run id, the labs), as keyword arguments. Bad values raise ``SettingsError``
    (a ``ValueError``) in one line naming the option, the value and what is accepted."""

    def __init__(self, **data: Any) -> None:
        managed = {f.name: f.opt.sdk_managed for f in setting_fields() if f.opt.sdk_managed}
        problems = [Problem(k, v, f"not a run option: {managed[k]}") for k, v in data.items() if k in managed]
        problems += [Problem(k, v, f"renamed: use {_RENAMED[k]}=") for k, v in data.items() if k in _RENAMED]
        if problems:
            raise SettingsError(problems)
        super().__init__(**data)
