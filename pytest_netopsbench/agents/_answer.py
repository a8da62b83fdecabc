"""Turn a model's final message into a ``DiagnosisResult``: find the JSON object, validate it, and
say precisely what was wrong when it does not validate (that text goes back to the model once)."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from ..diagnosis import DiagnosisResult

__all__ = ["AnswerError", "parse_answer"]

_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


class AnswerError(ValueError):
    """The final message is not a valid answer; the message says what to fix."""


def _candidates(text: str) -> list[str]:
    found = [m.group(1) for m in _FENCE.finditer(text)]
    # Fall back to the outermost braces: models often wrap the object in prose.
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        found.append(text[start : end + 1])
    return found[::-1]  # the last object in the message is the answer


def parse_answer(text: str | None) -> DiagnosisResult:
    if not text or not text.strip():
        raise AnswerError("the reply was empty; reply with the JSON object only")
    problems: list[str] = []
    for raw in _candidates(text):
        try:
            data: Any = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"not valid JSON ({exc.msg} at char {exc.pos})")
            continue
        if not isinstance(data, dict):
            problems.append("the JSON is not an object")
            continue
        data.pop("usage", None)  # usage is measured by the agent, never taken from the model
        try:
            return DiagnosisResult.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "(root)"
            problems.append(f"field {loc}: {first['msg']} (got {first.get('input')!r})")
    if not problems:
        raise AnswerError("no JSON object found in the reply; reply with the JSON object only")
    raise AnswerError("; ".join(dict.fromkeys(problems)))
