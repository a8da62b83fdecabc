"""Making recorded values safe to write: JSON-able, secrets redacted, long fields truncated."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

__all__ = ["DEFAULT_MAX_CHARS", "REDACTED", "max_field_chars", "sanitize"]

REDACTED = "[REDACTED]"
DEFAULT_MAX_CHARS = 20_000
# A key is secret when it names a credential; token *counts* (input_tokens, max_tokens) are not.
_SECRET_KEY = re.compile(
    r"api[_-]?key|apikey|authorization|password|passwd|secret|bearer|^token$|_token$|"
    r"access[_-]?token|cookie",
    re.IGNORECASE,
)
_COUNT_KEY = re.compile(r"tokens$|token_count|_tokens_", re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"(?:\bsk-[A-Za-z0-9_\-]{8,})|(?:\bBearer\s+[A-Za-z0-9._~+/=\-]{8,})|(?:\bxox[abprs]-[A-Za-z0-9\-]{8,})"
    r"|(?:\bgh[pousr]_[A-Za-z0-9]{16,})|(?:\bAKIA[0-9A-Z]{16}\b)",
)


def max_field_chars() -> int:
    raw = os.environ.get("NETOPSBENCH_TRACE_MAX_FIELD_CHARS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_CHARS


def _text(value: str, limit: int) -> str:
    value = _SECRET_VALUE.sub(REDACTED, value)
    if len(value) > limit:
        return f"{value[:limit]}...[truncated {len(value) - limit} chars]"
    return value


def sanitize(value: Any, *, limit: int | None = None, _depth: int = 0) -> Any:
    """A JSON-able copy of ``value`` with secrets replaced by ``[REDACTED]`` and every string
    longer than ``limit`` characters cut (so one huge tool output cannot bloat a trace)."""
    limit = max_field_chars() if limit is None else limit
    if _depth > 32:
        return "...[nested too deep]"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _text(value, limit)
    if isinstance(value, bytes):
        return _text(value.decode("utf-8", errors="replace"), limit)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if _SECRET_KEY.search(name) and not _COUNT_KEY.search(name):
                out[name] = REDACTED
            else:
                out[name] = sanitize(item, limit=limit, _depth=_depth + 1)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [sanitize(v, limit=limit, _depth=_depth + 1) for v in value]
    return _text(repr(value), limit)
