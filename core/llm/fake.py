"""An in-memory model for tests and benchmarks: scripted replies, zero latency.

>>> model = ScriptedModel(replies=["Hello.", RateLimited("slow down", retry_after=7)])

Each call to ``stream`` takes the next item of ``replies``:

* a ``str`` -- streamed in ``chunk_size`` pieces, then one ``ModelDone``;
* a ``ProviderError`` instance -- raised before any text;
* ``Break(text_before, error)`` -- streams ``text_before``, then raises ``error``;
* a callable ``(ModelRequest) -> str`` -- called with the request; its result is
  handled like any of the items above.

When the script runs out, ``default(request)`` answers (``default`` may also be a
plain ``str``); without a default the call fails with ``ScriptExhausted``, an
``AssertionError`` naming the model and the call.

``hold`` (an async callable) is awaited before each reply: a slow model, or one a test
lets go of when it is ready.

Usage imitates a provider: about four characters a token, and ``cached_tokens``
is the prefix this call's prompt shares with the previous *served* call's prompt
(prefix caching; a call that failed before any text never reached the model).
Every request is recorded in ``requests`` (only the latest ``keep``, when given).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

from storyai.core.domain.errors import ProviderError
from storyai.core.llm.port import ModelChunk, ModelDone, ModelPort, ModelRequest, TextPiece, Usage

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Break:
    """A reply that streams ``text_before`` and then fails with ``error``."""

    text_before: str
    error: ProviderError


Reply = str | ProviderError | Break | Callable[[ModelRequest], "str | ProviderError | Break"]


class ScriptExhausted(AssertionError):
    """A ``ScriptedModel`` was called more often than its script allows."""


def prompt_text(request: ModelRequest) -> str:
    """The prompt as one string, most stable part first (what prefix caching sees)."""
    text = request.system_text + "\n\n" + request.user_text
    return "".join([text, *(f"\n\n{m.text}" for m in request.messages)])


class ScriptedModel(ModelPort):
    """A ``ModelPort`` that answers from a script. See the module docstring."""

    def __init__(
        self,
        name: str = "fake",
        model: str = "fake-1",
        replies: Iterable[Reply] = (),
        default: Callable[[ModelRequest], str] | str | None = None,
        chunk_size: int = 12,
        hold: Callable[[ModelRequest], Awaitable[None]] | None = None,
        keep: int | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.name = name
        self.model = model
        self.replies: deque[Reply] = deque(replies)
        self.default = default
        self.chunk_size = chunk_size
        self.requests: list[ModelRequest] = []
        self.keep = keep
        """How many of the latest requests ``requests`` keeps (None: all of them; a
        benchmark keeps none, so ten thousand prompts do not stay in memory)."""
        self.hold = hold
        """Awaited before each reply: a slow model (``asyncio.sleep``), or one a test
        holds until it lets go (an ``asyncio.Event``), so concurrency windows are real."""
        self._last_prompt: str | None = None

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        self.requests.append(request)
        if self.keep is not None and len(self.requests) > self.keep:
            del self.requests[: len(self.requests) - self.keep]
        if self.hold is not None:
            await self.hold(request)
        reply = self._next_reply(request)
        if callable(reply):
            reply = reply(request)
        if isinstance(reply, ProviderError):
            raise reply
        prompt = prompt_text(request)
        shared = _shared_prefix(prompt, self._last_prompt or "")
        self._last_prompt = prompt
        if isinstance(reply, Break):
            for piece in self._pieces(reply.text_before):
                yield TextPiece(piece)
            raise reply.error
        if not isinstance(reply, str):
            raise TypeError(f"{self.name}: a scripted reply must be a str, got {reply!r}")
        for piece in self._pieces(reply):
            yield TextPiece(piece)
        yield ModelDone(
            text=reply,
            usage=Usage(
                provider=self.name,
                model=request.model or self.model,
                input_tokens=len(prompt) // CHARS_PER_TOKEN,
                output_tokens=len(reply) // CHARS_PER_TOKEN,
                cached_tokens=shared // CHARS_PER_TOKEN,
                calls=1,
            ),
        )

    def _next_reply(self, request: ModelRequest) -> Reply:
        if self.replies:
            return self.replies.popleft()
        if self.default is None:
            raise ScriptExhausted(
                f"ScriptedModel {self.name!r} has no reply left for call "
                f"{len(self.requests)} ({request.task}) and no default"
            )
        if isinstance(self.default, str):
            return self.default
        return self.default(request)

    def _pieces(self, text: str) -> list[str]:
        return [text[i : i + self.chunk_size] for i in range(0, len(text), self.chunk_size)]


def _shared_prefix(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` have in common."""
    low, high = 0, min(len(a), len(b))
    while low < high:  # binary search: slices compare in C, fast on long prompts
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low
