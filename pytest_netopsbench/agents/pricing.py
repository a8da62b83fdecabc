"""A small, user-extendable price table for turning token counts into dollars.

Prices are USD per million tokens. The built-in rows are list prices at the time of writing and
will drift; a user points ``NETOPSBENCH_PRICES`` at a JSON file (``{"model": {"input": 1.0,
"output": 2.0}}``) or passes ``extra=`` to override or add models. An unknown model costs
``None`` (unknown), never 0, so a report never claims a run was free when it was not priced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["BUILTIN_PRICES", "ModelPrice", "PriceTable", "load_price_table"]

PRICES_ENV = "NETOPSBENCH_PRICES"


class ModelPrice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    input: float = Field(ge=0, description="USD per million input (prompt) tokens")
    output: float = Field(ge=0, description="USD per million output (completion) tokens")


BUILTIN_PRICES: dict[str, ModelPrice] = {
    "gpt-4o": ModelPrice(input=2.5, output=10.0),
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.6),
    "gpt-4.1": ModelPrice(input=2.0, output=8.0),
    "gpt-4.1-mini": ModelPrice(input=0.4, output=1.6),
    "gpt-4.1-nano": ModelPrice(input=0.1, output=0.4),
    "o4-mini": ModelPrice(input=1.1, output=4.4),
    "deepseek-chat": ModelPrice(input=0.27, output=1.1),
    "deepseek-reasoner": ModelPrice(input=0.55, output=2.19),
    "claude-sonnet-4": ModelPrice(input=3.0, output=15.0),
    "claude-haiku-4": ModelPrice(input=1.0, output=5.0),
}


class PriceTable:
    """Look up a model's price: exact name first, then the longest known prefix (so dated
    snapshots such as ``gpt-4o-2024-08-06`` price as ``gpt-4o``)."""

    def __init__(self, prices: Mapping[str, ModelPrice]) -> None:
        self._prices = {k.lower(): v for k, v in prices.items()}

    def price(self, model: str) -> ModelPrice | None:
        key = model.lower().rsplit("/", 1)[-1]  # "openai/gpt-4o" as routers spell it
        if key in self._prices:
            return self._prices[key]
        candidates = [k for k in self._prices if key.startswith(k)]
        return self._prices[max(candidates, key=len)] if candidates else None

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        price = self.price(model)
        if price is None:
            return None
        return round((input_tokens * price.input + output_tokens * price.output) / 1_000_000, 8)

    def models(self) -> list[str]:
        return sorted(self._prices)


def _read_file(path: Path) -> dict[str, ModelPrice]:
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{path}: cannot read the price table ({exc}); fix the file or unset {PRICES_ENV}"
        ) from None
    if not isinstance(raw, dict):
        raise ValueError(f'{path}: expected an object {{"model": {{"input": ..., "output": ...}}}}')
    out: dict[str, ModelPrice] = {}
    for model, row in raw.items():
        try:
            out[str(model)] = ModelPrice.model_validate(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(
                f"{path}: model {model!r}: {first['msg']} at {'.'.join(map(str, first['loc']))}; "
                "each entry needs numeric 'input' and 'output' USD per million tokens"
            ) from None
    return out


def load_price_table(
    extra: Mapping[str, ModelPrice | Mapping[str, float]] | None = None, *, path: str | Path | None = None
) -> PriceTable:
    """Built-in prices, overridden by the JSON file at ``path`` (or ``$NETOPSBENCH_PRICES``), then
    by ``extra``."""
    prices = dict(BUILTIN_PRICES)
    file = path if path is not None else os.environ.get(PRICES_ENV)
    if file:
        prices.update(_read_file(Path(file)))
    for model, row in (extra or {}).items():
        prices[model] = row if isinstance(row, ModelPrice) else ModelPrice.model_validate(row)
    return PriceTable(prices)
