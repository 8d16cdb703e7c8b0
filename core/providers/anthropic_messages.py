"""Anthropic Messages, streamed raw from ``messages.create(stream=True)``.

The system prompt is a list of text blocks, one per system section; the user
message is a list of text blocks, one per user section. A section with
``cache=True`` puts ``cache_control`` on its block: ``{"type": "ephemeral",
"ttl": "1h"}`` in the system prompt (the stable world, so slow turns still hit),
``{"type": "ephemeral"}`` in the user message. Anthropic allows four
breakpoints; the first four are kept.

With a schema (structured ``auto``, ``tool``, ``json_schema`` or
``json_object``) the request carries one tool named ``schema_name`` whose
``input_schema`` is the schema, forced with ``tool_choice``; the tool input
JSON streams from ``input_json_delta`` events as the reply text. In ``prompt``
mode no tool is sent and the prompt asks for JSON.

``request.temperature`` is not sent: ``anthropic`` 2.x has no sampling
parameters on ``messages.create``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from storyai.core.domain.errors import BadRequest
from storyai.core.llm.port import (
    ModelChunk,
    ModelDone,
    ModelRequest,
    PromptSection,
    TextPiece,
    Usage,
)
from storyai.core.providers.base import SdkAdapter, as_dict, is_end

MAX_BREAKPOINTS = 4
SYSTEM_CACHE = {"type": "ephemeral", "ttl": "1h"}
USER_CACHE = {"type": "ephemeral"}

_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length"}


class AnthropicMessagesAdapter(SdkAdapter):
    default_key_env = "ANTHROPIC_API_KEY"

    def _make_client(self, api_key: str, http_client: Any | None) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=self.base_url,
            timeout=self._sdk_timeout(),
            max_retries=0,
            http_client=http_client,
        )

    def uses_tool(self, request: ModelRequest) -> bool:
        return request.schema is not None and self.structured != "prompt"

    def build_params(self, request: ModelRequest, model: str) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for this request."""
        budget = [MAX_BREAKPOINTS]
        system = _blocks([s for s in request.sections if s.role == "system"], SYSTEM_CACHE, budget)
        user = _blocks([s for s in request.sections if s.role == "user"], USER_CACHE, budget)
        messages: list[dict[str, Any]] = []
        if user:
            messages.append({"role": "user", "content": user})
        messages += [{"role": m.role, "content": m.text} for m in request.messages if m.text]
        if not messages:
            raise BadRequest(f"{self.name}: the request has no user text", provider=self.name)
        params: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": True,
        }
        if system:
            params["system"] = system
        if self.uses_tool(request):
            params["tools"] = [
                {
                    "name": request.schema_name,
                    "description": "Give the reply. Always call this tool exactly once.",
                    "input_schema": request.schema,
                }
            ]
            params["tool_choice"] = {"type": "tool", "name": request.schema_name}
        return params

    async def _open(self, request: ModelRequest, model: str) -> Any:
        return await self._client.messages.create(**self.build_params(request, model))

    async def _chunks(
        self, events: Any, request: ModelRequest, model: str
    ) -> AsyncIterator[ModelChunk]:
        tool_mode = self.uses_tool(request)
        usage = Usage(provider=self.name, model=model, calls=1)
        counts = {"input": 0, "read": 0, "write": 0, "output": 0}
        parts: list[str] = []
        stop_reason: str | None = None
        while not is_end(event := await self._next(events)):
            kind = getattr(event, "type", None)
            if kind == "message_start":
                _count(counts, getattr(event.message, "usage", None))
            elif kind == "content_block_delta":
                delta = event.delta
                dtype = getattr(delta, "type", None)
                text = None
                if dtype == "input_json_delta" and tool_mode:
                    text = delta.partial_json
                elif dtype == "text_delta" and not tool_mode:
                    text = delta.text
                if text:
                    parts.append(text)
                    yield TextPiece(text)
            elif kind == "message_delta":
                stop_reason = getattr(event.delta, "stop_reason", None) or stop_reason
                _count(counts, getattr(event, "usage", None))
            elif kind == "message_stop":
                if stop_reason is None:
                    raise self.errors.truncated("message_stop without a stop reason")
                usage.input_tokens = counts["input"] + counts["read"] + counts["write"]
                usage.cached_tokens = counts["read"]
                usage.cache_write_tokens = counts["write"]
                usage.output_tokens = counts["output"]
                yield ModelDone(
                    text="".join(parts),
                    usage=usage,
                    finish_reason=_STOP_REASONS.get(stop_reason, stop_reason),
                )
                return
        raise self.errors.truncated("no message_stop event")


def _blocks(
    sections: list[PromptSection], cache: dict[str, str], budget: list[int]
) -> list[dict[str, Any]]:
    """Text blocks for ``sections``; an empty section's breakpoint moves to the block before."""
    blocks: list[dict[str, Any]] = []
    for section in sections:
        if section.text:
            blocks.append({"type": "text", "text": section.text})
        if section.cache and blocks and "cache_control" not in blocks[-1] and budget[0] > 0:
            blocks[-1]["cache_control"] = dict(cache)
            budget[0] -= 1
    return blocks


def _count(counts: dict[str, int], raw: Any) -> None:
    """Update the token counts from a usage object; counts are cumulative, so keep the largest."""
    data = as_dict(raw)
    for key, field in (
        ("input", "input_tokens"),
        ("read", "cache_read_input_tokens"),
        ("write", "cache_creation_input_tokens"),
        ("output", "output_tokens"),
    ):
        value = data.get(field)
        if isinstance(value, int):
            counts[key] = max(counts[key], value)
