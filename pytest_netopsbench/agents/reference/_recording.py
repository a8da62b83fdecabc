"""Recording and replaying tool answers, so the reference agent's reasoning can be unit-tested on
what real labs really said (fixtures under tests/agents/data/)."""

from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ["RecordingTools", "ReplayTools", "ToolCaller", "call_key"]


class ToolCaller(Protocol):
    """The one toolkit method the reference agent uses: ``call(name, arguments)``, errors as data."""

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> object: ...


def call_key(name: str, arguments: dict[str, Any] | None) -> str:
    return name + json.dumps(arguments or {}, sort_keys=True)


class RecordingTools:
    """Passes calls to a real toolkit and keeps every answer (JSON-able) by call key; a repeated call
    is kept as ``<key>#2``, ``#3``... (live state read again later answers differently)."""

    def __init__(self, inner: ToolCaller) -> None:
        self.inner = inner
        self.answers: dict[str, Any] = {}

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> object:
        result = self.inner.call(name, arguments)
        key = call_key(name, arguments)
        if key in self.answers:  # the same question asked again later (a live state re-read)
            key += f"#{sum(1 for k in self.answers if k.split('#')[0] == key) + 1}"
        self.answers[key] = json.loads(json.dumps(result, default=str))
        return result


class ReplayTools:
    """Answers from a recording; a call that was never recorded answers with an error, as a real
    toolkit does for a failed tool, so the agent's error paths are exercised too."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> object:
        key = call_key(name, arguments)
        n = sum(1 for k in self.calls if k.split("#")[0] == key)
        if n:  # asked again: the answer recorded for that repeat
            key += f"#{n + 1}"
        self.calls.append(key)
        if key in self.answers:
            return self.answers[key]
        return {"error": {"type": "tool_failed", "message": f"not recorded: {key}"}}
