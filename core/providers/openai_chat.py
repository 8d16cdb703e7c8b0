"""OpenAI Chat Completions, and every OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio).

One system message (the system sections), one user message (the user
sections), then ``request.messages``. Streams with ``include_usage`` so the last
chunk carries the token counts, cached prompt tokens included (from
``prompt_tokens_details``, or llama.cpp's ``timings.cache_n``).

Structured modes when the request has a schema:

* ``json_schema`` (and ``auto``): ``response_format`` json_schema, strict;
* ``json_object``: ``response_format`` json_object (the prompt describes the shape);
* ``tool``: one function tool with the schema as parameters, forced with
  ``tool_choice``; its arguments stream as the reply (for servers that do
  grammar-constrained tool calls but not json_schema);
* ``prompt``: nothing extra, the prompt asks for JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from storyai.core.llm.port import ModelChunk, ModelDone, ModelRequest, TextPiece, Usage
from storyai.core.llm.schemas import without_bounds
from storyai.core.providers.base import SdkAdapter, Structured, as_dict, is_end


class OpenAIChatAdapter(SdkAdapter):
    default_key_env = "OPENAI_API_KEY"

    def __init__(
        self,
        name: str,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        stall_timeout: float = 30.0,
        structured: Structured = "auto",
        http_client: Any | None = None,
        *,
        key_hint: str | None = None,
        compatible: bool = False,
        first_byte_timeout: float | None = None,
    ) -> None:
        self.compatible = compatible
        super().__init__(
            name,
            model,
            base_url,
            api_key,
            timeout,
            stall_timeout,
            structured,
            http_client,
            key_hint=key_hint,
            first_byte_timeout=first_byte_timeout,
        )

    def _default_key_hint(self) -> str:
        if self.compatible:
            return (
                f"this server wants a key: set providers.{self.name}.api_key_env "
                "(or api_key) in the storyai config file"
            )
        return super()._default_key_hint()

    def _make_client(self, api_key: str, http_client: Any | None) -> Any:
        import openai

        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=self.base_url,
            timeout=self._sdk_timeout(),
            max_retries=0,
            http_client=http_client,
        )

    def structured_mode(self) -> str:
        return "json_schema" if self.structured == "auto" else self.structured

    def build_params(self, request: ModelRequest, model: str) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` for this request."""
        messages: list[dict[str, Any]] = []
        if request.system_text:
            messages.append({"role": "system", "content": request.system_text})
        if request.user_text:
            messages.append({"role": "user", "content": request.user_text})
        messages += [{"role": m.role, "content": m.text} for m in request.messages]
        params: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "temperature": request.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        # Newer OpenAI models refuse max_tokens; many local servers know only max_tokens.
        params["max_tokens" if self.compatible else "max_completion_tokens"] = request.max_tokens
        if request.schema is not None:
            # hosted strict mode takes no length bounds; local grammars need them
            schema = request.schema if self.compatible else without_bounds(request.schema)
            mode = self.structured_mode()
            if mode == "json_schema":
                params["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.schema_name,
                        "schema": schema,
                        "strict": True,
                    },
                }
            elif mode == "json_object":
                params["response_format"] = {"type": "json_object"}
            elif mode == "tool":
                params["tools"] = [
                    {
                        "type": "function",
                        "function": {
                            "name": request.schema_name,
                            "description": "Give the reply.",
                            "parameters": schema,
                            "strict": True,
                        },
                    }
                ]
                params["tool_choice"] = {
                    "type": "function",
                    "function": {"name": request.schema_name},
                }
        return params

    async def _open(self, request: ModelRequest, model: str) -> Any:
        return await self._client.chat.completions.create(**self.build_params(request, model))

    async def _chunks(
        self, events: Any, request: ModelRequest, model: str
    ) -> AsyncIterator[ModelChunk]:
        parts: list[str] = []
        finish: str | None = None
        usage = Usage(provider=self.name, model=model, calls=1)
        while not is_end(chunk := await self._next(events)):
            raw_usage = getattr(chunk, "usage", None)
            if raw_usage is not None:
                details = as_dict(getattr(raw_usage, "prompt_tokens_details", None))
                usage.input_tokens = getattr(raw_usage, "prompt_tokens", 0) or 0
                usage.output_tokens = getattr(raw_usage, "completion_tokens", 0) or 0
                usage.cached_tokens = details.get("cached_tokens") or 0
            timings = getattr(chunk, "timings", None)  # llama.cpp's server adds these
            if isinstance(timings, dict) and not usage.cached_tokens:
                usage.cached_tokens = int(timings.get("cache_n") or 0)
            for choice in getattr(chunk, "choices", None) or ():
                if getattr(choice, "index", 0) != 0:
                    continue
                delta = choice.delta
                text = getattr(delta, "content", None) or getattr(delta, "refusal", None)
                for call in getattr(delta, "tool_calls", None) or ():
                    function = getattr(call, "function", None)
                    if function is not None and function.arguments:
                        text = (text or "") + function.arguments
                if text:
                    parts.append(text)
                    yield TextPiece(text)
                if choice.finish_reason:
                    finish = choice.finish_reason
        if finish is None:
            raise self.errors.truncated("no finish reason")
        yield ModelDone(text="".join(parts), usage=usage, finish_reason=_finish(finish))


def _finish(reason: str) -> str:
    return {"tool_calls": "tool_use", "function_call": "tool_use"}.get(reason, reason)
