"""The fake LLM server on its own thread and event loop, for synchronous callers
(CLI tests, where the command runs its own ``asyncio.run``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fakes.llm_server import FakeLLMServer


@contextmanager
def threaded_fake_llm(
    chunk_size: int = 8, *, server: FakeLLMServer | None = None
) -> Iterator[FakeLLMServer]:
    """``server``: an unstarted server (a subclass with its own faults) to run instead."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    server = server if server is not None else FakeLLMServer(chunk_size=chunk_size)

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
