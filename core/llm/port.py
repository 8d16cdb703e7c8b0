"""The model port: one request in, a stream of text pieces and one ``ModelDone`` out.

A ``ModelRequest`` is a prompt laid out in sections, most stable first
(ARCHITECTURE.md §4). Adapters turn it into their wire format:

* ``role == "system"`` sections form the system prompt, in order;
* ``role == "user"`` sections form one user message, in order;
* ``cache`` marks a cache breakpoint *after* that section (Anthropic
  ``cache_control``; OpenAI caches prefixes by itself);
* ``messages`` follow that user message (used for the one repair attempt:
  the bad assistant reply, then a user note);
* ``provider`` pins the request to one provider of the router's task (the repair
  goes to the model that wrote the broken reply).

When ``schema`` is set the model must answer with one JSON object matching it,
through the provider's structured-output or tool-use mechanism. Either way the
adapter streams the *raw reply text* (for tool use: the tool input JSON as it
arrives), so callers parse one format.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

Task = Literal["narration", "summary"]


@dataclass(frozen=True)
class PromptSection:
    name: str  # "rules", "world", "summaries", "recent", "lore", "memories", "state", "input", ...
    text: str
    role: Literal["system", "user"] = "user"
    cache: bool = False  # a cache breakpoint after this section
    tokens: int = 0  # local count, filled by the context builder


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class ModelRequest:
    task: Task
    sections: tuple[PromptSection, ...]
    messages: tuple[Message, ...] = ()
    schema: dict[str, Any] | None = None
    schema_name: str = "gm_turn"
    max_tokens: int = 800
    temperature: float = 0.8
    model: str | None = None  # overrides the provider's configured model
    provider: str | None = None
    """Only this provider of the task answers (with its retries, without failover), e.g.
    the repair of a reply goes to the model that wrote it. Unknown to the task: ignored."""

    @property
    def system_text(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.role == "system")

    @property
    def user_text(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.role == "user")

    def cache_key(self, provider: str, model: str) -> str:
        """Identical requests to the same provider and model share this key."""
        body = {
            "provider": provider,
            "model": model,
            "task": self.task,
            "sections": [[s.role, s.text] for s in self.sections],
            "messages": [[m.role, m.text] for m in self.messages],
            "schema": self.schema,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }
        raw = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(raw).hexdigest()


@dataclass
class Usage:
    """What one or more model calls consumed. ``cost_usd`` is filled from the price table."""

    provider: str = ""
    model: str = ""
    input_tokens: int = 0  # all prompt tokens, cached ones included
    output_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens read from the provider's cache
    cache_write_tokens: int = 0  # Anthropic cache writes
    calls: int = 0
    cost_usd: float = 0.0

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cached_tokens += other.cached_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.calls += other.calls
        self.cost_usd += other.cost_usd
        if other.provider and other.provider not in self.provider.split("+"):
            self.provider = f"{self.provider}+{other.provider}" if self.provider else other.provider
        if other.model and other.model not in self.model.split("+"):
            self.model = f"{self.model}+{other.model}" if self.model else other.model

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "calls": self.calls,
            "cost_usd": round(self.cost_usd, 6),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


@dataclass(frozen=True)
class TextPiece:
    """A piece of the raw reply as it arrives."""

    text: str


@dataclass(frozen=True)
class ModelDone:
    """The end of a complete reply. ``text`` is the whole raw reply."""

    text: str
    usage: Usage
    finish_reason: str = "stop"  # "stop", "length", "tool_use", ...


@dataclass(frozen=True)
class Restart:
    """Emitted by the router when it fails over after text was streamed:
    everything streamed so far for this request must be discarded."""

    reason: str


ModelChunk = TextPiece | ModelDone | Restart


class ModelPort(abc.ABC):
    """One configured provider + model. Adapters raise ``ProviderError`` subclasses only."""

    name: str = "model"  # the configured provider name, e.g. "openai", "local"
    model: str = ""

    @abc.abstractmethod
    def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        """Yield ``TextPiece`` pieces, then exactly one ``ModelDone``.

        A stream that ends without a finish reason, or stops midway, raises
        ``StreamBroken``; it never ends quietly with a partial reply."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
