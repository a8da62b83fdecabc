"""``ToolCallingAgent``: an LLM works the case through the Toolkit with function calling, on any
OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, LiteLLM proxy, DeepSeek...).

Bounded: at most ``max_tool_calls`` tool executions, ``request_timeout_s`` per LLM request, and it
answers before the case's time budget runs out. Every LLM call is recorded in ``context.trace``;
tool calls are recorded by the Toolkit itself. Token usage and cost land in ``result.usage``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Protocol

from ..diagnosis import DiagnosisResult, Usage
from ._answer import AnswerError, parse_answer
from ._llm_prompt import SYSTEM_PROMPT, case_prompt
from .pricing import PriceTable, load_price_table

__all__ = ["LLMRequestError", "ToolCallingAgent"]

_BUDGET_MARGIN_S = 5.0  # leave the harness time to receive the answer before its own timeout
_FORCE_ANSWER = (
    "Stop calling tools now ({why}). Reply with the JSON object only, based on what you have seen."
)


class LLMRequestError(RuntimeError):
    """The endpoint failed (timeout, refused, HTTP error): the run is the agent's error, not a
    wrong diagnosis, so the report shows it as such."""


class _Tools(Protocol):
    def tool_specs(self) -> Any: ...

    def call(self, name: str, arguments: dict[str, Any]) -> Any: ...


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value


class ToolCallingAgent:
    """An OpenAI-compatible function-calling agent.

    Arguments fall back to the environment: ``base_url`` to ``NETOPSBENCH_LLM_BASE_URL`` then
    ``OPENAI_BASE_URL``; ``api_key`` to ``NETOPSBENCH_LLM_API_KEY`` then ``OPENAI_API_KEY``;
    ``model`` to ``NETOPSBENCH_LLM_MODEL`` (default ``gpt-4o-mini``).
    """

    name = "llm-tool-calling"

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        max_tool_calls: int = 24,
        request_timeout_s: float = 120.0,
        max_retries: int = 2,
        temperature: float | None = 0.0,
        max_tokens: int = 2048,
        tool_result_chars: int = 12_000,
        context_chars: int = 24_000,
        system_prompt: str = SYSTEM_PROMPT,
        prices: PriceTable | None = None,
        fault_types: list[str] | None = None,
    ) -> None:
        if max_tool_calls < 0:
            raise ValueError(f"max_tool_calls must be >= 0, got {max_tool_calls}")
        if request_timeout_s <= 0:
            raise ValueError(f"request_timeout_s must be > 0, got {request_timeout_s}")
        self.model = model or _env("NETOPSBENCH_LLM_MODEL") or "gpt-4o-mini"
        self.base_url = base_url or _env("NETOPSBENCH_LLM_BASE_URL", "OPENAI_BASE_URL")
        self._api_key = api_key or _env("NETOPSBENCH_LLM_API_KEY", "OPENAI_API_KEY")
        self.max_tool_calls = max_tool_calls
        self.request_timeout_s = request_timeout_s
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.tool_result_chars = tool_result_chars
        self.context_chars = context_chars
        self.system_prompt = system_prompt
        if not self._api_key and not self.base_url:
            # fail when the plugin builds the agent (one usage error), not in every case
            raise ValueError(
                "ToolCallingAgent has no LLM endpoint: set OPENAI_API_KEY (and optionally "
                "NETOPSBENCH_LLM_BASE_URL, NETOPSBENCH_LLM_MODEL) or pass api_key=/base_url="
            )
        self.prices = prices if prices is not None else load_price_table()
        self.fault_types = fault_types  # None: the registered fault types; []: no vocabulary
        self._client: Any = None

    # -- lifecycle ---------------------------------------------------------------------------
    def _openai(self) -> Any:
        if self._client is None:
            try:
                import openai
            except ImportError as exc:  # the llm extra is optional
                raise RuntimeError(
                    "ToolCallingAgent needs the openai package: pip install 'pytest-netopsbench[llm]'"
                ) from exc
            self._client = openai.OpenAI(
                # Local OpenAI-compatible servers usually ignore the key but the SDK wants one.
                api_key=self._api_key or "unused",
                base_url=self.base_url,
                timeout=self.request_timeout_s,
                max_retries=self.max_retries,
            )
        return self._client

    def __getstate__(self) -> dict[str, Any]:
        # Workers rebuild their own HTTP client; a live client (sockets, locks) does not pickle.
        state = dict(self.__dict__)
        state["_client"] = None
        return state

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- one case ----------------------------------------------------------------------------
    def diagnose(self, context: Any) -> DiagnosisResult:
        tools: _Tools = context.tools
        specs = [_jsonable(s) for s in tools.tool_specs()]
        functions = [
            {
                "type": "function",
                "function": {
                    "name": s["name"],
                    "description": s.get("description", ""),
                    "parameters": s.get("parameters") or {"type": "object", "properties": {}},
                },
            }
            for s in specs
        ]
        budget_s = getattr(context, "budget_s", None)
        deadline = time.monotonic() + budget_s - _BUDGET_MARGIN_S if budget_s else None
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.system_prompt},
            {
                "role": "user",
                "content": case_prompt(
                    context,
                    max_tool_calls=self.max_tool_calls,
                    budget_s=budget_s,
                    limit=self.context_chars,
                    fault_types=self.fault_types if self.fault_types is not None else _catalogue(),
                ),
            },
        ]
        usage = Usage()
        tool_calls_used = 0
        repaired = False
        while True:
            out_of_time = deadline is not None and time.monotonic() >= deadline
            can_call = tool_calls_used < self.max_tool_calls and not out_of_time
            message = self._complete(context, messages, functions if can_call else None, usage)
            calls = list(message.tool_calls or [])
            # the reply itself may have used up the budget: then its tool calls are not run
            out_of_time = deadline is not None and time.monotonic() >= deadline
            can_call = can_call and not out_of_time
            if calls and can_call:
                messages.append(_assistant_turn(message))
                for call in calls:
                    if tool_calls_used >= self.max_tool_calls:
                        content = json.dumps({"error": "tool-call budget exhausted; give your answer"})
                    else:
                        tool_calls_used += 1
                        content = self._run_tool(tools, call.function.name, call.function.arguments)
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
                continue
            if calls:  # the model ignored the missing tools list: make it answer
                why = "time budget reached" if out_of_time else f"{self.max_tool_calls} tool calls used"
                messages.append(_assistant_turn(message))
                for call in calls:
                    messages.append(
                        {
                            "role": "tool",
                            "tool_call_id": call.id,
                            "content": json.dumps({"error": "not executed: " + why}),
                        }
                    )
                messages.append({"role": "user", "content": _FORCE_ANSWER.format(why=why)})
                continue
            try:
                result = parse_answer(message.content)
            except AnswerError as exc:
                if repaired:
                    return self._fallback(f"final answer invalid after one repair request: {exc}", usage)
                repaired = True
                messages.append({"role": "assistant", "content": message.content or ""})
                messages.append(
                    {
                        "role": "user",
                        "content": (
                            f"Your answer could not be used: {exc}. Reply with ONE JSON object only, with "
                            "keys verdict, fault_type, device, interface, confidence, reasoning, evidence."
                        ),
                    }
                )
                continue
            return result.model_copy(update={"usage": self._priced(usage)})

    # -- helpers -----------------------------------------------------------------------------
    def _complete(
        self,
        context: Any,
        messages: list[dict[str, Any]],
        functions: list[dict[str, Any]] | None,
        usage: Usage,
    ) -> Any:
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": self.max_tokens}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if functions:
            kwargs["tools"] = functions
        started = time.monotonic()
        try:
            response = self._openai().chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            self._record(context, messages, {"error": f"timeout: {exc}"}, None, time.monotonic() - started)
            raise LLMRequestError(
                f"LLM request {usage.llm_calls + 1} to {self.base_url or 'api.openai.com'} timed out after "
                f"{self.request_timeout_s:g}s (x{self.max_retries + 1} attempts); raise request_timeout_s "
                "or check the endpoint"
            ) from exc
        except openai.APIError as exc:
            self._record(context, messages, {"error": str(exc)}, None, time.monotonic() - started)
            raise LLMRequestError(
                f"LLM request to {self.base_url or 'api.openai.com'} (model {self.model}) failed: {exc}"
            ) from exc
        seconds = time.monotonic() - started
        used = response.usage
        call_usage = Usage(
            input_tokens=int(getattr(used, "prompt_tokens", 0) or 0),
            output_tokens=int(getattr(used, "completion_tokens", 0) or 0),
            llm_calls=1,
        )
        call_usage = self._priced(call_usage)
        usage.input_tokens += call_usage.input_tokens
        usage.output_tokens += call_usage.output_tokens
        usage.llm_calls += 1
        self._record(context, messages, response.model_dump(mode="json"), call_usage, seconds)
        if not response.choices:
            raise LLMRequestError(f"LLM endpoint {self.base_url} returned no choices (model {self.model})")
        return response.choices[0].message

    def _run_tool(self, tools: _Tools, name: str, raw_args: str | None) -> str:
        try:
            args = json.loads(raw_args or "{}")
        except json.JSONDecodeError as exc:
            return json.dumps({"error": f"arguments are not valid JSON ({exc.msg}); resend as a JSON object"})
        if not isinstance(args, dict):
            return json.dumps({"error": "arguments must be a JSON object"})
        try:
            result = tools.call(name, args)
        except Exception as exc:  # a tool failure is evidence for the model, not a crash
            result = {"error": f"{type(exc).__name__}: {exc}"}
        text = json.dumps(_jsonable(result), default=str)
        if len(text) > self.tool_result_chars:
            cut = len(text) - self.tool_result_chars
            text = text[: self.tool_result_chars] + f"...[truncated {cut} chars]"
        return text

    def _record(
        self,
        context: Any,
        messages: list[dict[str, Any]],
        response: dict[str, Any],
        usage: Usage | None,
        seconds: float,
    ) -> None:
        trace = getattr(context, "trace", None)
        if trace is None or not hasattr(trace, "record_llm_call"):
            return
        trace.record_llm_call(
            model=self.model,
            messages=list(messages),
            response=response,
            usage=usage or Usage(),
            seconds=seconds,
        )

    def _priced(self, usage: Usage) -> Usage:
        cost = self.prices.cost(self.model, usage.input_tokens, usage.output_tokens)
        return usage.model_copy(update={"cost_usd": cost})

    def _fallback(self, reason: str, usage: Usage) -> DiagnosisResult:
        return DiagnosisResult(
            verdict="inconclusive",
            confidence=0.0,
            reasoning=reason,
            usage=self._priced(usage),
        )


def _catalogue() -> list[str]:
    from ..faults import fault_names

    return list(fault_names())


def _assistant_turn(message: Any) -> dict[str, Any]:
    turn: dict[str, Any] = {"role": "assistant", "content": message.content or ""}
    if message.tool_calls:
        turn["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.function.name, "arguments": c.function.arguments or "{}"},
            }
            for c in message.tool_calls
        ]
    return turn
