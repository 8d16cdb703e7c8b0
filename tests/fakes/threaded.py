"""A fake server (the LLM one, the media one) on its own thread and event loop, for
synchronous callers (CLI tests, where the command runs its own ``asyncio.run``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from fakes.llm_server import FakeLLMServer


class Server(Protocol):
    async def start(self) -> Any: ...
    async def close(self) -> Any: ...


S = TypeVar("S", bound=Server)


@contextmanager
def threaded(server: S) -> Iterator[S]:
    """``server`` started on a thread of its own with its own loop, closed afterwards."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def threaded_fake_llm(
    chunk_size: int = 8, *, server: FakeLLMServer | None = None
) -> Iterator[FakeLLMServer]:
    """``server``: an unstarted server (a subclass with its own faults) to run instead."""
    with threaded(server if server is not None else FakeLLMServer(chunk_size=chunk_size)) as s:
        yield s
