"""A recording HTTP proxy for the real-model tier: 127.0.0.1, in front of one server.

It forwards every byte both ways unchanged (keep-alive, SSE streams and all) and keeps
each request's method, path and body as they went over the wire, so a test can compare
what the server really received with what storyai says it sent. It runs on its own
thread and event loop, so synchronous callers (a CLI in a subprocess) and async tests
can both use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RecordingProxy:
    """``with RecordingProxy(upstream_port) as proxy:`` then send to ``proxy.base_url``."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------ what was sent

    def mark(self) -> int:
        """The number of requests so far: ``requests(since=mark)`` gives the later ones."""
        with self._lock:
            return len(self._requests)

    def requests(self, since: int = 0) -> list[Recorded]:
        with self._lock:
            return list(self._requests[since:])

    # ------------------------------------------------------------ running

    def start(self) -> RecordingProxy:
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready = threading.Event()
        failed: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._connection, "127.0.0.1", 0, limit=1 << 20)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # reported to the caller of start()
                failed.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=serve, name="recording-proxy", daemon=True)
        self._thread.start()
        ready.wait()
        if failed:
            raise failed[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ one client connection

    async def _connection(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter):
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        upstream, to_upstream = await asyncio.open_connection(*self.upstream, limit=1 << 20)
        back = asyncio.create_task(_pipe(upstream, to_client))
        try:
            while True:
                raw, method, path, body = await _read_request(client)
                with self._lock:
                    self._requests.append(Recorded(method, path, body))
                to_upstream.write(raw)
                await to_upstream.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed its connection
        finally:
            _close(to_upstream)
            with contextlib.suppress(Exception):
                await back
            _close(to_client)
            self._connections.discard(task)


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, str, str, bytes]:
    """One HTTP/1.1 request: its raw bytes, method, path and body (de-chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    raw = [head]
    body = b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            raw.append(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            chunk = await reader.readexactly(size + 2)
            raw.append(chunk)
            body += chunk[:-2]
            if size == 0:
                break
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        raw.append(body)
    return b"".join(raw), method, path, body


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        _close(writer)


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
