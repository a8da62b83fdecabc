"""Making recorded values safe to write: JSON-able, secrets redacted, long fields truncated.

This is the one redactor every artifact goes through (cases.jsonl, traces/*.jsonl,
trajectories, report.json, JUnit properties, Harbor exports): the text an agent returns is
untrusted and may quote credentials it saw in its environment or its LLM's replies."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

__all__ = ["DEFAULT_MAX_CHARS", "REDACTED", "max_field_chars", "redact_text", "sanitize", "sanitized_json"]

REDACTED = "[REDACTED]"
DEFAULT_MAX_CHARS = 20_000
# A key is secret when it names a credential; token *counts* (input_tokens, max_tokens) are not.
_SECRET_KEY = re.compile(
    r"api[_-]?key|apikey|authorization|password|passwd|secret|bearer|^token$|_token$|"
    r"access[_-]?token|cookie",
    re.IGNORECASE,
)
_COUNT_KEY = re.compile(r"tokens$|token_count|_tokens_", re.IGNORECASE)
# Values that are secrets wherever they appear. Each pattern keeps the words that say what was
# there (the variable name, "Authorization: Basic", the URL's scheme) and replaces the secret.
_SECRET_VALUE = re.compile(
    r"(?:\bsk-[A-Za-z0-9_\-]{8,})"  # OpenAI / Anthropic style keys
    r"|(?:\bxox[abprs]-[A-Za-z0-9\-]{8,})"  # Slack
    r"|(?:\bgh[pousr]_[A-Za-z0-9]{16,})"  # GitHub
    r"|(?:\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)"  # AWS access key ids
    r"|(?:\bAIza[0-9A-Za-z_\-]{30,})"  # Google API keys
    r"|(?:\bhf_[A-Za-z0-9]{20,})"  # Hugging Face
    r"|(?:\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,})"  # JWTs
)
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Token|Digest)(\s+)[A-Za-z0-9._~+/=\-]{6,}")
_URL_CREDENTIALS = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*://)[^\s/@:]+:[^\s/@]+@")
# NAME_API_KEY=value, OPENAI_API_KEY: "value", export HF_TOKEN=value, db_password=value
_ASSIGNMENT = re.compile(
    r"\b([A-Za-z0-9_]*(?:API_?KEY|_TOKEN|_SECRET|SECRET_KEY|ACCESS_KEY|PASSWORD|PASSWD))"
    r"([\"']?\s*[=:]\s*)([\"']?)[^\s\"',;]{4,}",
    re.IGNORECASE,
)


def redact_text(value: str) -> str:
    """``value`` with every credential pattern replaced by ``[REDACTED]``."""
    value = _ASSIGNMENT.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{REDACTED}", value)
    value = _URL_CREDENTIALS.sub(lambda m: f"{m[1]}{REDACTED}@", value)
    value = _AUTH_SCHEME.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", value)
    return _SECRET_VALUE.sub(REDACTED, value)


def max_field_chars() -> int:
    raw = os.environ.get("NETOPSBENCH_TRACE_MAX_FIELD_CHARS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_CHARS


def _text(value: str, limit: int) -> str:
    if len(value) > limit:
        # cut before redacting (a huge value costs no regex time) and redact the kept part; a
        # secret split by the cut loses its tail, so its head is matched by the same patterns
        return f"{redact_text(value[:limit])}…[truncated {len(value) - limit} chars]"
    return redact_text(value)


def sanitize(value: Any, *, limit: int | None = None, secret_keys: bool = True, _depth: int = 0) -> Any:
    """A JSON-able copy of ``value`` with secrets replaced by ``[REDACTED]`` and every string
    longer than ``limit`` characters cut (so one huge tool output cannot bloat a trace).

    With ``secret_keys`` the whole value of a key that names a credential (``api_key``,
    ``Authorization``) is replaced too; writers of this package's own models turn it off (their
    keys are the schema's, and a tag or scenario id containing "secret" must not blank a field)."""
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
            if secret_keys and _SECRET_KEY.search(name) and not _COUNT_KEY.search(name):
                out[name] = REDACTED
            else:
                out[name] = sanitize(item, limit=limit, secret_keys=secret_keys, _depth=_depth + 1)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [sanitize(v, limit=limit, secret_keys=secret_keys, _depth=_depth + 1) for v in value]
    return _text(repr(value), limit)


def sanitized_json(
    value: Any,
    *,
    indent: int | None = None,
    sort_keys: bool = False,
    secret_keys: bool = True,
    exclude_none: bool = False,
) -> str:
    """``value`` (a model, mapping, list...) sanitized and serialised: what every artifact
    writer writes. Models are dumped by alias (``schema``), so the result loads back."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=exclude_none)
    clean = sanitize(value, secret_keys=secret_keys)
    return json.dumps(clean, indent=indent, sort_keys=sort_keys, ensure_ascii=False)
