"""OpenAI Responses API, iterated raw from ``responses.create(stream=True)``.

The ``responses.stream()`` helper is avoided on purpose: it costs ~0.5 s of
lazy type loading on first use and crashes on servers that omit
``content_index`` (llama-server). Instructions are the system sections; input
is the user sections as one user message, then ``request.messages``. With a
schema, ``text.format`` asks for strict json_schema (structured ``auto``,
``json_schema`` and ``tool``), json_object (``json_object``), or nothing
(``prompt``). Nothing is stored server-side (``store=False``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from storyai.core.llm.port import ModelChunk, ModelDone, ModelRequest, TextPiece, Usage
from storyai.core.llm.schemas import without_bounds
from storyai.core.providers.base import SdkAdapter, as_dict, is_end


class OpenAIResponsesAdapter(SdkAdapter):
    default_key_env = "OPENAI_API_KEY"

    def _make_client(self, api_key: str, http_client: Any | None) -> Any:
        import openai

        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=self.base_url,
            timeout=self._sdk_timeout(),
            max_retries=0,
            http_client=http_client,
        )

    def build_params(self, request: ModelRequest, model: str) -> dict[str, Any]:
        """The keyword arguments of ``responses.create`` for this request."""
        # Typed message items: llama-server refuses an untyped assistant item (HTTP 400
        # "Cannot determine type of 'item'"), so a repair request would fail there.
        items: list[dict[str, Any]] = []
        if request.user_text:
            items.append({"type": "message", "role": "user", "content": request.user_text})
        items += [{"type": "message", "role": m.role, "content": m.text} for m in request.messages]
        params: dict[str, Any] = {
            "model": model,
            "input": items,
            "max_output_tokens": request.max_tokens,
            "temperature": request.temperature,
            "store": False,
            "stream": True,
        }
        if request.system_text:
            params["instructions"] = request.system_text
        if request.schema is not None:
            mode = "json_schema" if self.structured in ("auto", "tool") else self.structured
            if mode == "json_schema":
                params["text"] = {
                    "format": {
                        "type": "json_schema",
                        "name": request.schema_name,
                        "schema": without_bounds(request.schema),  # hosted strict: no bounds
                        "strict": True,
                    }
                }
            elif mode == "json_object":
                params["text"] = {"format": {"type": "json_object"}}
        return params

    async def _open(self, request: ModelRequest, model: str) -> Any:
        return await self._client.responses.create(**self.build_params(request, model))

    async def _chunks(
        self, events: Any, request: ModelRequest, model: str
    ) -> AsyncIterator[ModelChunk]:
        parts: list[str] = []
        while not is_end(event := await self._next(events)):
            kind = getattr(event, "type", None)
            if kind in ("response.output_text.delta", "response.refusal.delta"):
                if event.delta:
                    parts.append(event.delta)
                    yield TextPiece(event.delta)
            elif kind in ("response.completed", "response.incomplete"):
                response = event.response
                finish = "stop"
                if kind == "response.incomplete":
                    reason = as_dict(getattr(response, "incomplete_details", None)).get("reason")
                    finish = "length" if reason == "max_output_tokens" else (reason or "incomplete")
                yield ModelDone(
                    text="".join(parts),
                    usage=self._usage(getattr(response, "usage", None), model),
                    finish_reason=finish,
                )
                return
            elif kind == "response.failed":
                error = as_dict(getattr(event.response, "error", None))
                raise self.errors.from_code(error.get("code"), error.get("message"))
            elif kind == "error":
                raise self.errors.from_code(getattr(event, "code", None), event.message)
        raise self.errors.truncated("no response.completed event")

    def _usage(self, raw: Any, model: str) -> Usage:
        usage = Usage(provider=self.name, model=model, calls=1)
        if raw is not None:
            usage.input_tokens = getattr(raw, "input_tokens", 0) or 0
            usage.output_tokens = getattr(raw, "output_tokens", 0) or 0
            details = as_dict(getattr(raw, "input_tokens_details", None))
            usage.cached_tokens = details.get("cached_tokens") or 0
        return usage
