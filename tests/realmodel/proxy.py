"""A recording HTTP proxy for the real-model tier: 127.0.0.1, in front of one server.

It forwards every byte both ways unchanged (keep-alive, SSE streams and all) and keeps
each request's method, path and body as they went over the wire, so a test can compare
what the server really received with what storyai says it sent; and each response's
body as it came back (``replies``: the benchmark reads llama-server's own timings and
counts the tokens streamed before the narrative from them). It runs on its own
thread and event loop, so synchronous callers (a CLI in a subprocess) and async tests
can both use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """One response as it came back: its status and its body (de-chunked), whole once
    ``done``."""

    status: int = 0
    body: bytearray = field(default_factory=bytearray)
    done: bool = False

    def events(self) -> list[Any]:
        """The JSON of each SSE ``data:`` line (a streamed reply), or of the whole body."""
        text = bytes(self.body).decode("utf-8", "replace")
        if not text.lstrip().startswith("data:") and "\ndata:" not in text:
            with contextlib.suppress(ValueError):
                return [json.loads(text)]
            return []
        out = []
        for line in text.splitlines():
            if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line[5:]))
        return out


class RecordingProxy:
    """``with RecordingProxy(upstream_port) as proxy:`` then send to ``proxy.base_url``."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._requests: list[Recorded] = []
        self._replies: list[Reply] = []
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

    def replies(self, since: int = 0) -> list[Reply]:
        """The responses to ``requests(since)``, in the same order (one still streaming
        is not ``done``)."""
        with self._lock:
            return list(self._replies[since:])

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
        waiting: asyncio.Queue[Reply] = asyncio.Queue()  # HTTP/1.1: replies come in order
        back = asyncio.create_task(_pipe_replies(upstream, to_client, waiting))
        try:
            while True:
                raw, method, path, body = await _read_request(client)
                reply = Reply()
                with self._lock:
                    self._requests.append(Recorded(method, path, body))
                    self._replies.append(reply)
                waiting.put_nowait(reply)
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


async def _pipe_replies(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, waiting: asyncio.Queue[Reply]
) -> None:
    """Forward the server's responses unchanged, each piece as it comes, keeping the
    body of each in the ``Reply`` its request queued."""

    async def forward(data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            await forward(head)  # everything read is forwarded before it is parsed
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            status = int(status_line.split(" ", 2)[1])
            if status == 100:  # an interim response; the real one follows
                continue
            reply = waiting.get_nowait() if not waiting.empty() else Reply()
            reply.status = status
            if "chunked" in headers.get("transfer-encoding", "").lower():
                while True:
                    size_line = await reader.readuntil(b"\r\n")
                    await forward(size_line)
                    size = int(size_line.split(b";")[0].strip(), 16)
                    chunk = await reader.readexactly(size + 2)
                    await forward(chunk)
                    reply.body += chunk[:-2]
                    if size == 0:
                        break
            elif "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
                await forward(body)
                reply.body += body
            else:  # the body runs until the server closes the connection
                while data := await reader.read(65536):
                    await forward(data)
                    reply.body += data
                reply.done = True
                break
            reply.done = True
    except asyncio.IncompleteReadError as exc:  # the server closed the connection
        with contextlib.suppress(ConnectionError):
            await forward(exc.partial)
    except ConnectionError:
        pass  # the client went away
    except (ValueError, IndexError, asyncio.LimitOverrunError):
        # something this reader does not follow: forward the rest as it is
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                await forward(data)
    finally:
        _close(writer)


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
