"""What the three SDK adapters share: construction, stall detection, error mapping.

Error mapping cannot leak: any exception raised while calling a provider or reading
its stream -- the SDK's own decoding (``json.JSONDecodeError`` on a garbled SSE line),
the transport, an event of an unexpected shape met by ``_chunks`` -- becomes a
``ProviderError`` subclass, so the router retries or fails over and the narrator tells
the turn. Only ``asyncio.CancelledError`` and ``KeyboardInterrupt`` pass through.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any, Literal

from storyai.core.domain.errors import BadRequest, ProviderError
from storyai.core.llm.port import ModelChunk, ModelDone, ModelPort, ModelRequest
from storyai.core.providers.errors import ErrorMapper, is_provider_failure
from storyai.core.providers.limits import default_first_byte_timeout

log = logging.getLogger("storyai.providers")

Structured = Literal["auto", "json_schema", "json_object", "tool", "prompt"]
STRUCTURED_MODES: tuple[str, ...] = ("auto", "json_schema", "json_object", "tool", "prompt")
NO_KEY = "not-needed"
"""Sent as the key to servers that need none (local OpenAI-compatible servers)."""

_END = object()


class SdkAdapter(ModelPort, abc.ABC):
    """A ``ModelPort`` over one SDK client.

    Subclasses implement ``_open`` (start the streaming call, return the SDK's
    async stream) and ``_chunks`` (turn the SDK's events into ``TextPiece`` and
    one ``ModelDone``, pulling each event through ``_next``).
    """

    default_key_env: str = ""

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
        first_byte_timeout: float | None = None,
    ) -> None:
        if structured not in STRUCTURED_MODES:
            raise ValueError(f"unknown structured mode {structured!r}")
        self.name = name
        self.model = model
        self.base_url = base_url
        self.timeout = float(timeout)
        self.stall_timeout = float(stall_timeout)
        if first_byte_timeout is None:
            first_byte_timeout = default_first_byte_timeout(
                base_url, compatible=bool(getattr(self, "compatible", False))
            )
        self.first_byte_timeout = float(first_byte_timeout)
        self.structured: Structured = structured
        self.has_key = bool(api_key)
        self.errors = ErrorMapper(
            name,
            secrets=(api_key,),
            key_hint=key_hint or self._default_key_hint(),
            base_url=base_url,
        )
        self._owns_http_client = http_client is None
        self._client = self._make_client(api_key or NO_KEY, http_client)

    # ------------------------------------------------------------ subclass hooks

    @abc.abstractmethod
    def _make_client(self, api_key: str, http_client: Any | None) -> Any: ...

    @abc.abstractmethod
    async def _open(self, request: ModelRequest, model: str) -> Any:
        """Start the call; return the SDK's async stream of events."""

    @abc.abstractmethod
    def _chunks(self, events: Any, request: ModelRequest, model: str) -> AsyncIterator[ModelChunk]:
        """Yield ``TextPiece`` pieces and exactly one ``ModelDone``, or raise."""

    def _sdk_timeout(self) -> Any:
        """The SDK client's timeout: ``timeout`` to connect and send; reads wait as long as
        our own limits (``first_byte_timeout``, ``stall_timeout``), which fire first."""
        import httpx2

        read = max(self.first_byte_timeout, self.stall_timeout) + 1.0
        return httpx2.Timeout(self.timeout, read=read)

    def _default_key_hint(self) -> str:
        env = self.default_key_env
        where = f"set {env} or " if env else "set "
        return f"{where}providers.{self.name}.api_key_env / api_key in the storyai config file"

    # ------------------------------------------------------------ the port

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, model={self.model!r}, "
            f"base_url={self.base_url!r}, key={'set' if self.has_key else 'none'})"
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        """The port's stream. Whatever goes wrong while calling the provider or reading
        its reply (the SDK's decoding, the transport, this adapter's own handling of
        the events) comes out as a ``ProviderError``; only cancellation passes through."""
        model = request.model or self.model
        if not model:
            raise BadRequest(f"{self.name}: no model configured", provider=self.name)
        # Until the first event the server is reading the prompt: ``first_byte_timeout``
        # covers the call and that first event together; then ``stall_timeout`` each.
        deadline = asyncio.get_running_loop().time() + self.first_byte_timeout
        try:
            async with asyncio.timeout_at(deadline):
                events = await self._open(request, model)
        except TimeoutError:
            raise self._no_first_byte() from None
        except Exception as exc:
            raise self._fail(exc, midstream=False) from None
        events = _Timed(events, deadline)
        chunks = self._chunks(events, request, model)
        try:
            async for chunk in chunks:
                yield chunk
                if isinstance(chunk, ModelDone):
                    return
            raise self.errors.truncated("the reply never finished")
        except Exception as exc:
            raise self._fail(exc, midstream=True) from None
        finally:
            await _close_quietly(chunks, "aclose")
            await _close_quietly(events)

    async def _next(self, events: Any) -> Any:
        """The next SDK event, ``_END`` at the end; a stall raises ``StreamBroken``
        (any other failure is mapped by ``stream``)."""
        first = isinstance(events, _Timed) and events.deadline is not None
        if first:
            limit = asyncio.timeout_at(events.deadline)
        else:
            limit = asyncio.timeout(self.stall_timeout)
        try:
            async with limit:
                event = await events.__anext__()
        except StopAsyncIteration:
            return _END
        except TimeoutError:
            if not limit.expired():
                raise
            if first:
                raise self._no_first_byte() from None
            log.info("%s: stream stalled for %.3g s", self.name, self.stall_timeout)
            raise self.errors.stalled(self.stall_timeout) from None
        if first:
            events.deadline = None
        return event

    def _no_first_byte(self) -> ProviderError:
        log.info("%s: nothing within %.3g s", self.name, self.first_byte_timeout)
        return self.errors.no_first_byte(self.first_byte_timeout)

    def _fail(self, exc: BaseException, *, midstream: bool) -> ProviderError:
        try:
            error = self.errors.map(exc, midstream=midstream)
        except Exception:  # the mapper must not be the one thing that leaks
            log.debug("%s: mapping %s failed", self.name, type(exc).__name__, exc_info=True)
            error = ProviderError(
                f"{self.name}: unexpected error ({type(exc).__name__})", provider=self.name
            )
        if error is not exc:
            log.info("%s: %s", self.name, error.message)
            if not is_provider_failure(exc):  # a garbled reply, or a bug of ours
                log.debug("%s: %s", self.name, type(exc).__name__, exc_info=exc)
        return error

    async def aclose(self) -> None:
        """Close the SDK client; an ``http_client`` passed in stays open for its owner."""
        if self._owns_http_client:
            await self._client.close()


class _Timed:
    """The SDK's stream with the deadline of its first event (``None`` once it came)."""

    def __init__(self, events: Any, deadline: float) -> None:
        self.events = events
        self.deadline: float | None = deadline

    def __aiter__(self) -> _Timed:
        return self

    def __anext__(self) -> Any:
        return self.events.__anext__()

    async def close(self) -> None:
        await _close_quietly(self.events)


def is_end(event: Any) -> bool:
    return event is _END


async def _close_quietly(events: Any, method: str = "close") -> None:
    close = getattr(events, method, None)
    if close is None:
        return
    try:
        await close()
    except Exception:  # the stream is already broken; closing must not mask why
        log.debug("closing a broken stream failed", exc_info=True)


def as_dict(value: Any) -> dict[str, Any]:
    """An SDK model or mapping as a plain dict (``{}`` for None)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump()
    return dict(getattr(value, "__dict__", {}))
