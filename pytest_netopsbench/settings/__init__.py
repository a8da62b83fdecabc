"""Every run setting, described once.

``Settings`` is the one model behind the pytest options and ini keys (``plugin/_options.py``), the
``netopsbench run`` flags (``cli/_run.py``) and the SDK's ``RunOptions`` (``sdk/_argv.py``). Each
field carries an :class:`Opt` in its ``Annotated`` metadata; from the field name (or ``Opt.flag``)
every front end derives its spelling:

=============  ==============================  ===========================  ====================
field          pytest option / ini key         ``netopsbench run``          SDK keyword
=============  ==============================  ===========================  ====================
agent_timeout  --netopsbench-agent-timeout     --agent-timeout              agent_timeout=
               netopsbench_agent_timeout
=============  ==============================  ===========================  ====================

Adding an option is adding one field to ``Settings`` in ``_model.py`` (plus its row in
docs/plugin.md, which a test checks). Fields with ``Opt(pytest=False)`` are pytest's own arguments
(``-n``, ``-q``, extra args), not plugin options. Kept import-light: pytest imports this at startup
in every session.

Every name is imported from here, never from the private modules: ``_field`` (how a field is
spelled), ``_model`` (the model, its defaults and errors), ``_argv`` (the pytest command line).
"""

from ._argv import build_pytest_args
from ._field import Kind as Kind  # importable here as it always was, though never in __all__
from ._field import Opt, SettingField
from ._model import (
    DEFAULT_AGENT_TIMEOUT_S,
    DEFAULT_PASS_SCORE,
    DEFAULT_RUNTIME,
    RUN_ID_PATTERN,
    Problem,
    Settings,
    SettingsError,
    setting_field,
    setting_fields,
)

__all__ = [
    "DEFAULT_AGENT_TIMEOUT_S",
    "DEFAULT_PASS_SCORE",
    "DEFAULT_RUNTIME",
    "RUN_ID_PATTERN",
    "Opt",
    "Problem",
    "SettingField",
    "Settings",
    "SettingsError",
    "build_pytest_args",
    "setting_field",
    "setting_fields",
]
