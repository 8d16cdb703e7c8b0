"""Route a request to the task's providers: retries, failover, rate limits, costs, cache.

``Router.stream`` keeps the ``ModelPort.stream`` contract -- ``TextPiece``
pieces, then exactly one ``ModelDone`` -- plus ``Restart``: when an attempt
fails after some of its text was streamed, ``Restart`` comes before the next
attempt and the consumer must discard every piece received so far. The pieces
after the last ``Restart`` always add up to ``ModelDone.text``.

For each provider of the task, in order:

* a retryable error (timeout, 429/529, 5xx, broken stream) is retried on the
  same provider up to ``max_retries`` times, after an exponential backoff with
  jitter, or after the error's ``retry_after`` when the server gave one (on 429,
  503, 529, any retryable status); a
  ``retry_after`` above ``max_retry_after`` moves on to the next provider at once;
* any other ``ProviderError`` (bad key, bad request) moves on at once;
* when the last provider gives up, ``NoProviderAnswered`` carries each
  provider's last error.

A request with ``provider`` set goes to that provider of the task only (its retries,
no failover): a repair is asked of the model that wrote the broken reply.

Time is injected (``sleep``, ``clock``, ``rng``) so tests never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from storyai.core.domain.errors import NoProviderAnswered, ProviderError, StreamBroken
from storyai.core.llm.cache import ReplyCache
from storyai.core.llm.port import (
    ModelChunk,
    ModelDone,
    ModelPort,
    ModelRequest,
    Restart,
    TextPiece,
    Usage,
)
from storyai.core.llm.pricing import PriceTable

CACHE_PROVIDER = "cache"
COMPLETE_FINISH_REASONS = frozenset({"stop", "end_turn", "tool_use", "tool_calls", "stop_sequence"})
"""Replies that ended on their own; only these are stored in the reply cache."""

log = logging.getLogger("storyai.llm")


@dataclass(frozen=True)
class RouteEntry:
    """One provider for a task. ``requests_per_minute`` limits calls to ``port``
    over any rolling minute (shared by every entry with the same port)."""

    port: ModelPort
    max_retries: int = 2
    requests_per_minute: float | None = None

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries cannot be negative")
        if self.requests_per_minute is not None and self.requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive (or None for no limit)")


class _Window:
    """Call times of one port, for a rolling-window rate limit."""

    def __init__(self) -> None:
        self.calls: deque[float] = deque()

    def wait_time(self, per_minute: float, now: float) -> float:
        """Seconds until one more call is allowed. A limit below one a minute
        (say 0.5) allows one call per ``60 / per_minute`` seconds."""
        allowed = max(1, math.floor(per_minute))
        span = 60.0 * allowed / per_minute
        while self.calls and self.calls[0] <= now - span:
            self.calls.popleft()
        if len(self.calls) < allowed:
            return 0.0
        return self.calls[-allowed] + span - now


class Router:
    """Streams a request from the first provider of its task that answers (see module doc)."""

    def __init__(
        self,
        routes: Mapping[str, Sequence[RouteEntry]],
        *,
        prices: PriceTable | None = None,
        cache: ReplyCache | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 20.0,
        max_retry_after: float = 60.0,
    ) -> None:
        self.routes = {task: tuple(entries) for task, entries in routes.items()}
        self.prices = prices if prices is not None else PriceTable()
        self.cache = cache
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self._windows: dict[int, _Window] = {}

    def providers(self, task: str) -> list[str]:
        """The task's provider names, in the order they are tried."""
        return [entry.port.name for entry in self.routes.get(task, ())]

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        entries = self.routes.get(request.task, ())
        if request.provider is not None:  # pinned: that provider's retries, no failover
            entries = tuple(e for e in entries if e.port.name == request.provider) or entries
        if self.cache is not None:
            for entry in entries:
                model = request.model or entry.port.model
                text = await self.cache.get(request.cache_key(entry.port.name, model))
                if text is not None:
                    if text:
                        yield TextPiece(text)
                    yield ModelDone(text, Usage(provider=CACHE_PROVIDER, model=model))
                    return

        failures: list[ProviderError] = []
        streamed = False  # pieces were yielded since the last Restart
        for position, entry in enumerate(entries):
            port = entry.port
            last_error: ProviderError | None = None
            attempt = 0
            while True:
                await self._take_slot(entry)
                done: ModelDone | None = None
                try:
                    async with _closing(port.stream(request)) as chunks:
                        async for chunk in chunks:
                            if isinstance(chunk, ModelDone):
                                done = chunk
                                break
                            if isinstance(chunk, Restart):
                                streamed = False
                            elif not chunk.text:
                                continue
                            else:
                                streamed = True
                            yield chunk
                    if done is None:
                        raise StreamBroken(
                            f"{port.name}: the reply stream ended without finishing",
                            provider=port.name,
                        )
                except ProviderError as error:
                    if not error.provider:
                        error.provider = port.name
                    last_error = error
                    delay = self._retry_delay(error, entry, attempt)
                    if streamed and (delay is not None or position + 1 < len(entries)):
                        streamed = False
                        then = "retrying" if delay is not None else "trying the next provider"
                        yield Restart(f"{port.name} stopped mid-reply ({error.message}); {then}")
                    if delay is None:
                        break
                    attempt += 1
                    if delay > 0:
                        await self._sleep(delay)
                    continue

                yield await self._finish(request, port, done)
                return
            if last_error is not None:
                failures.append(last_error)
        raise NoProviderAnswered(request.task, failures)

    async def complete(self, request: ModelRequest) -> ModelDone:
        """The whole reply, ignoring pieces and restarts."""
        done: ModelDone | None = None
        async with _closing(self.stream(request)) as chunks:
            async for chunk in chunks:
                if isinstance(chunk, ModelDone):
                    done = chunk
        if done is None:  # stream() always ends with ModelDone or raises
            raise StreamBroken("The reply stream ended without finishing.")
        return done

    async def warm(self, request: ModelRequest) -> Usage | None:
        """Send ``request`` once to its task's first provider and read the reply to its
        end, for what the server keeps of it (its prompt cache): no reply cache, no
        retry, no failover; nothing when that provider is rate limited (a warm-up must
        not take a turn's place). The usage, or None when it failed or was not sent."""
        entries = self.routes.get(request.task, ())
        if not entries or entries[0].requests_per_minute is not None:
            return None
        port = entries[0].port
        done: ModelDone | None = None
        try:
            async with _closing(port.stream(request)) as chunks:
                async for chunk in chunks:
                    if isinstance(chunk, ModelDone):
                        done = chunk
                        break
        except ProviderError as error:
            log.debug("warming %s failed: %s", port.name, error.message)
            return None
        return done.usage if done is not None else None

    async def aclose(self) -> None:
        """Close every routed port once."""
        seen: set[int] = set()
        for entries in self.routes.values():
            for entry in entries:
                if id(entry.port) not in seen:
                    seen.add(id(entry.port))
                    await entry.port.aclose()

    # ------------------------------------------------------------ internals

    async def _take_slot(self, entry: RouteEntry) -> None:
        if entry.requests_per_minute is None:
            return
        window = self._windows.setdefault(id(entry.port), _Window())
        while (wait := window.wait_time(entry.requests_per_minute, self._clock())) > 0:
            await self._sleep(wait)
        window.calls.append(self._clock())

    def _retry_delay(self, error: ProviderError, entry: RouteEntry, attempt: int) -> float | None:
        """Seconds to wait before retrying ``entry``, or ``None`` to move on."""
        if not error.retryable or attempt >= entry.max_retries:
            return None
        if error.retry_after is not None:  # the server's Retry-After, on any retryable error
            if error.retry_after > self.max_retry_after:
                return None
            return max(0.0, error.retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** min(attempt, 30))
        return ceiling * (0.5 + 0.5 * self._rng.random())  # "equal jitter": half fixed

    async def _finish(self, request: ModelRequest, port: ModelPort, done: ModelDone) -> ModelDone:
        usage = replace(
            done.usage,
            provider=done.usage.provider or port.name,
            model=done.usage.model or request.model or port.model,
            calls=1,
        )
        usage.cost_usd = self.prices.cost(usage)
        if self.cache is not None and done.finish_reason in COMPLETE_FINISH_REASONS:
            model = request.model or port.model
            await self.cache.put(request.cache_key(port.name, model), done.text)
        return replace(done, usage=usage)


@contextlib.asynccontextmanager
async def _closing(chunks: AsyncIterator[ModelChunk]) -> AsyncIterator[AsyncIterator[ModelChunk]]:
    """Close an adapter's stream when we stop early (``aclose`` when it has one)."""
    try:
        yield chunks
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()
