"""Stream narration into Discord by editing a message at a rate Discord allows.

``MessageStreamer`` is the ``on_text`` callback of a turn: each delta is added
to the text, and the message shows it when an update is allowed. Updates (a
send or an edit, counted alike) are at least ``min_interval`` seconds apart
(default 1.2 s) and never more than ``max_edits`` in any ``window`` seconds
(default 5 in 5 s, what Discord allows per channel). Deltas that arrive in
between are coalesced into the next update; ``push`` never waits, so the
narrator is never held up.

When the text passes the message limit it is split with ``split_message``:
the full message is finished with an edit and the rest continues in a new
message. ``finish`` waits (with the injected ``sleep``) until the last updates
are allowed and makes every message show its final text, either the streamed
text or the final content it is given (for example the rendered turn).

``reset`` discards what was streamed (a provider failed midway and another one
starts over); the next update overwrites the messages. Messages left over
when the final text is shorter are deleted (with ``delete``) or shown as "…".

``send``, ``edit``, ``delete``, ``clock`` and ``sleep`` are injected, so tests
drive time and count updates exactly.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from storyai.bots.output.escape import escape_text
from storyai.bots.output.limits import MESSAGE_CHARS
from storyai.bots.output.split import split_message

M = TypeVar("M")
LEFTOVER = "…"
"""What a message left over after a reset shows when it cannot be deleted."""


class MessageStreamer(Generic[M]):
    """Edits messages in place as text streams in (see the module doc).

    Args:
        send: Sends a new message with this content; returns a handle for ``edit``.
        edit: Replaces a sent message's content.
        delete: Deletes a sent message (optional; without it, left-over messages show "…").
        render: Turns the streamed raw text into message content (escapes it by default).
        limit: The message limit.
        min_interval: Seconds between two updates, at least.
        max_edits: At most this many updates in any ``window`` seconds.
        window: The rate-limit window, in seconds.
        clock: Monotonic time in seconds.
        sleep: Waits this many seconds.
    """

    def __init__(
        self,
        send: Callable[[str], Awaitable[M]],
        edit: Callable[[M, str], Awaitable[Any]],
        *,
        delete: Callable[[M], Awaitable[Any]] | None = None,
        render: Callable[[str], str] = escape_text,
        limit: int = MESSAGE_CHARS,
        min_interval: float = 1.2,
        max_edits: int = 5,
        window: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if min_interval < 0 or window <= 0 or max_edits < 1:
            raise ValueError("min_interval >= 0, window > 0 and max_edits >= 1 are required")
        self._send = send
        self._edit = edit
        self._delete = delete
        self._render = render
        self._limit = limit
        self._min_interval = min_interval
        self._max_edits = max_edits
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._raw = ""
        self._final: str | None = None
        self._messages: list[M] = []
        self._shown: list[str] = []
        self._updates: deque[float] = deque()
        self._last: float | None = None
        self._lock = asyncio.Lock()
        self._finished = False
        self._last_edit: Callable[[M, str], Awaitable[Any]] | None = None

    # ------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        """The raw text streamed so far (since the last reset)."""
        return self._raw

    @property
    def messages(self) -> list[M]:
        """The messages sent so far, in order."""
        return list(self._messages)

    @property
    def finished(self) -> bool:
        return self._finished

    # ------------------------------------------------------------ streaming

    async def push(self, delta: str) -> None:
        """Add a piece of text; update the messages now if an update is allowed."""
        if self._finished:
            raise RuntimeError("this stream is finished")
        self._raw += delta
        await self._flush(wait=False)

    async def __call__(self, delta: str) -> None:
        """``push``: a streamer is an ``on_text`` callback."""
        await self.push(delta)

    def reset(self) -> None:
        """Forget the streamed text; the next update starts the messages over."""
        if self._finished:
            raise RuntimeError("this stream is finished")
        self._raw = ""

    async def finish(
        self,
        content: str | None = None,
        *,
        last_edit: Callable[[M, str], Awaitable[Any]] | None = None,
    ) -> list[M]:
        """Show the final text in full and return the messages.

        ``content`` is final message content, already rendered (it is not passed
        through ``render``); without it, the streamed text is final. ``last_edit``
        replaces ``edit`` for the last message's final update (to add buttons to it in
        the same edit); it is called once, within the rate limits, even when that
        message needed no other change.
        """
        if self._finished:
            raise RuntimeError("this stream is finished")
        self._final = content
        self._last_edit = last_edit
        await self._flush(wait=True)
        if self._last_edit is not None and self._messages:  # not used by the flush
            async with self._lock:
                while (delay := self._delay(self._clock())) > 0:
                    await self._sleep(delay)
                await self._apply("last", len(self._messages) - 1, self._shown[-1])
        self._finished = True
        return list(self._messages)

    # ------------------------------------------------------------ updating

    def _chunks(self) -> list[str]:
        content = self._final if self._final is not None else self._render(self._raw)
        return split_message(content, self._limit)

    def _delay(self, now: float) -> float:
        """Seconds until the next update is allowed (0 or less: now)."""
        while self._updates and self._updates[0] <= now - self._window:
            self._updates.popleft()
        delay = 0.0
        if self._last is not None:
            delay = self._last + self._min_interval - now
        if len(self._updates) >= self._max_edits:
            delay = max(delay, self._updates[0] + self._window - now)
        return delay

    def _next_update(self, chunks: list[str], final: bool) -> tuple[str, int, str] | None:
        """The first update still needed: ("send"|"edit"|"delete", message index, content)."""
        for i, chunk in enumerate(chunks):
            if i >= len(self._messages):
                return ("send", i, chunk)
            if self._shown[i] != chunk:
                return ("edit", i, chunk)
        if final:
            for i in range(len(chunks), len(self._messages)):
                if self._delete is not None:
                    return ("delete", i, "")
                if self._shown[i] != LEFTOVER:
                    return ("edit", i, LEFTOVER)
        return None

    async def _flush(self, *, wait: bool) -> None:
        async with self._lock:
            while True:
                delay = self._delay(self._clock())
                if delay > 0 and not wait:
                    return
                update = self._next_update(self._chunks(), final=wait)
                if update is None:
                    return
                if delay > 0:
                    await self._sleep(delay)
                    continue
                kind, index, content = update
                chunks = self._chunks()
                if wait and kind == "edit" and self._last_edit and index == len(chunks) - 1:
                    kind = "last"  # the last message's final edit
                await self._apply(kind, index, content)

    async def _apply(self, kind: str, index: int, content: str) -> None:
        now = self._clock()
        self._last = now
        self._updates.append(now)
        if kind == "send":
            message = await self._send(content)
            self._messages.append(message)
            self._shown.append(content)
        elif kind == "edit":
            await self._edit(self._messages[index], content)
            self._shown[index] = content
        elif kind == "last":
            last_edit, self._last_edit = self._last_edit, None
            assert last_edit is not None
            await last_edit(self._messages[index], content)
            self._shown[index] = content
        else:
            await self._delete(self._messages[index])  # type: ignore[misc]
            del self._messages[index]
            del self._shown[index]
