"""A fake LLM server speaking the real wire formats, for tests with the real SDKs.

It listens on 127.0.0.1 (a free port) inside the test's event loop and serves:

* ``POST /v1/chat/completions`` – OpenAI Chat Completions, streamed (SSE ``data:``
  chunks, a final usage chunk when ``stream_options.include_usage``, ``data: [DONE]``)
  or not; a forced function ``tool_choice`` streams the reply as tool-call arguments;
* ``POST /v1/responses`` – OpenAI Responses (``response.created``,
  ``response.output_text.delta``, ``response.completed`` with usage, ...);
* ``POST /v1/messages`` – Anthropic Messages (``message_start`` with cache usage,
  ``content_block_*`` for text, or ``tool_use`` with ``input_json_delta`` when the
  request forces a tool, ``message_delta`` with the stop reason, ``message_stop``).

Point the SDKs at it with ``base_url=server.openai_base_url`` (``…/v1``) or
``base_url=server.anthropic_base_url``.

Scripting: each request takes the next item from one queue, whatever its path.

``server.push(text, finish_reason=None, usage=None)``
    Queue a reply. ``text`` is the raw reply: streamed in pieces of
    ``server.chunk_size`` characters; for a tool-forced request it is sent as the
    tool's input JSON. ``finish_reason="length"`` ends as cut by max tokens.
``server.replay("gold_on_ask")``
    Queue what a real small model answered (``fakes.replays.SMOLLM2``: SmolLM2-135M
    behind llama-server), cut off by max tokens where it was.
``server.push_fault(status=429, retry_after=2)``
    Queue an HTTP error in the provider's own error format: ``retry_after``
    (seconds, or an HTTP-date string) sets ``retry-after``, ``retry_after_ms``
    sets ``retry-after-ms``. 401/403 echo the request's key (``Authorization`` /
    ``x-api-key``) in the error body, as careless servers do (``echo_auth``).
``server.push_fault(stall_after=2, stall_seconds=5)``
    Stream 2 text chunks, then send nothing for 5 s, then finish normally.
``server.push_fault(disconnect_after=2)``
    Stream 2 text chunks, then drop the connection mid-body.
``server.push_fault(error_after=2, error_code="overloaded_error")``
    Stream 2 text chunks, then an error inside the stream (HTTP status stays 200):
    a chat ``{"error": …}`` chunk, a Responses ``response.failed`` event, an
    Anthropic ``event: error``.
``server.push_fault(truncate=True)``
    Stream every text chunk, then end the body cleanly with no finish reason,
    no usage, no ``response.completed`` / ``message_stop`` (and no ``[DONE]``).
``server.default = lambda body: "text"``
    Used when the queue is empty (``body`` is the request's JSON). When unset, a
    request with a schema gets a schema-valid JSON example (``example_for_schema``)
    and any other request gets ``DEFAULT_TEXT``.
``server.usage = FakeUsage(input_tokens=1200, cached_tokens=1024, cache_write_tokens=0)``
    Token counts reported in every reply; ``input_tokens`` counts all prompt
    tokens, cached included (the Anthropic format splits them the way Anthropic
    does). ``output_tokens=None`` reports the number of chunks sent.
``server.props = {"default_generation_settings": {"n_ctx": 4096}}``
    Answer ``GET /props`` as llama.cpp's server does (404 while None);
    ``server.show = {"model_info": {...}}`` answers Ollama's ``POST /api/show``;
    ``server.timings = {"prompt_per_second": ...}`` is added, as llama-server adds
    it, to the chat reply (the last streamed chunk). None of these are journaled.
``server.requests``
    The journal: ``RecordedRequest(path, headers, body)`` for every request, in
    order (header names lower-case); ``server.last`` is the latest.

Example::

    async with fake_llm_server() as server:
        server.push('{"narrative": "The door creaks open."}')
        server.push_fault(status=429, retry_after=2)
        client = openai.AsyncOpenAI(api_key="k", base_url=server.openai_base_url)
        ...
        assert server.requests[0].body["response_format"]["type"] == "json_schema"

In pytest, ``tests/providers/conftest.py`` offers this as the ``fake_llm`` fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

DEFAULT_TEXT = "The fake model answers in a few plain words."

__all__ = [
    "DEFAULT_TEXT",
    "FakeLLMServer",
    "FakeUsage",
    "Fault",
    "RecordedRequest",
    "Reply",
    "example_for_schema",
    "fake_llm_server",
]


@dataclass
class FakeUsage:
    """Token counts the server reports. ``input_tokens`` includes cached and written ones."""

    input_tokens: int = 120
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int | None = None  # None: the number of text chunks sent


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def api(self) -> str:
        """ "chat", "responses" or "messages"."""
        return {"/v1/chat/completions": "chat", "/v1/responses": "responses"}.get(
            self.path, "messages"
        )

    @property
    def key(self) -> str | None:
        """The API key the client sent, if any."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:]
        return self.headers.get("x-api-key") or None


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str | None = None  # None: "stop" (or the tool-call equivalent)
    usage: FakeUsage | None = None


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    retry_after: float | str | None = None
    retry_after_ms: float | None = None
    message: str | None = None
    echo_auth: bool | None = None
    stall_after: int | None = None
    stall_seconds: float = 5.0
    disconnect_after: int | None = None
    truncate: bool = False
    error_after: int | None = None
    error_code: str = "server_error"
    text: str | None = None


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


class FakeLLMServer:
    """See the module docstring. Start with ``await start()`` or ``async with``."""

    def __init__(self, *, chunk_size: int = 8) -> None:
        self.chunk_size = chunk_size
        self.usage = FakeUsage()
        self.default: Callable[[dict[str, Any]], str] | None = None
        self.requests: list[RecordedRequest] = []
        self.props: dict[str, Any] | None = None
        self.show: dict[str, Any] | None = None
        self.timings: dict[str, Any] | None = None
        self._queue: deque[Reply | Fault] = deque()
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._ids = itertools.count(1)
        self.url = ""

    # ------------------------------------------------------------ scripting

    def push(
        self, text: str, *, finish_reason: str | None = None, usage: FakeUsage | None = None
    ) -> None:
        """Queue one reply (see the module docstring)."""
        self._queue.append(Reply(text, finish_reason, usage))

    def replay(self, name: str) -> None:
        """Queue a real model's recorded reply by name (``fakes.replays.SMOLLM2``)."""
        from fakes.replays import SMOLLM2

        self._queue.append(SMOLLM2[name])

    def push_fault(
        self,
        status: int | None = None,
        *,
        retry_after: float | str | None = None,
        retry_after_ms: float | None = None,
        message: str | None = None,
        echo_auth: bool | None = None,
        stall_after: int | None = None,
        stall_seconds: float = 5.0,
        disconnect_after: int | None = None,
        truncate: bool = False,
        error_after: int | None = None,
        error_code: str = "server_error",
        text: str | None = None,
    ) -> None:
        """Queue one fault: an HTTP error ``status``, or a stall, disconnect, truncation or
        error event; ``text`` is what streams before a stream fault (``DEFAULT_TEXT``)."""
        kinds = [
            status is not None,
            stall_after is not None,
            disconnect_after is not None,
            truncate,
            error_after is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "give exactly one of status, stall_after, disconnect_after, truncate, error_after"
            )
        self._queue.append(
            Fault(
                status=status,
                retry_after=retry_after,
                retry_after_ms=retry_after_ms,
                message=message,
                echo_auth=echo_auth,
                stall_after=stall_after,
                stall_seconds=stall_seconds,
                disconnect_after=disconnect_after,
                truncate=truncate,
                error_after=error_after,
                error_code=error_code,
                text=text,
            )
        )

    @property
    def pending(self) -> int:
        """How many queued replies and faults are still unused."""
        return len(self._queue)

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeLLMServer:
        app = web.Application(middlewares=[self._track])
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/responses", self._responses)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_get("/props", self._about)
        app.router.add_post("/api/show", self._about)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._closing.set()
        for task in list(self._handlers):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLLMServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @web.middleware
    async def _track(self, request: web.Request, handler: Any) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            return await handler(request)
        finally:
            if task is not None:
                self._handlers.discard(task)

    # ------------------------------------------------------------ common

    async def _take(self, request: web.Request) -> tuple[RecordedRequest, Reply | Fault]:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {}
        recorded = RecordedRequest(
            request.path, {k.lower(): v for k, v in request.headers.items()}, body
        )
        self.requests.append(recorded)
        if self._queue:
            return recorded, self._queue.popleft()
        make = self.default or default_reply
        return recorded, Reply(make(body))

    def _pieces(self, text: str) -> list[str]:
        size = max(1, self.chunk_size)
        return [text[i : i + size] for i in range(0, len(text), size)] or [""]

    def _usage_for(self, item: Reply | Fault, pieces: int) -> FakeUsage:
        usage = (item.usage if isinstance(item, Reply) else None) or self.usage
        if usage.output_tokens is None:
            usage = replace(usage, output_tokens=pieces)
        return usage

    def _error(self, recorded: RecordedRequest, fault: Fault, anthropic: bool) -> web.Response:
        status = fault.status or 500
        message = fault.message or f"fake error {status}"
        echo = fault.echo_auth if fault.echo_auth is not None else status in (401, 403)
        if echo:
            message += f" (you sent the key {recorded.key!r})"
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["retry-after"] = str(fault.retry_after)
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = str(fault.retry_after_ms)
        etype = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        if anthropic:
            payload: dict[str, Any] = {
                "type": "error",
                "error": {"type": etype, "message": message},
            }
        else:
            payload = {"error": {"message": message, "type": etype, "param": None, "code": etype}}
        return web.json_response(payload, status=status, headers=headers)

    async def _sse(
        self,
        request: web.Request,
        item: Reply | Fault,
        pieces: list[str],
        *,
        head: list[bytes],
        piece: Callable[[str, int], list[bytes]],
        tail: list[bytes],
        error: Callable[[str, str], bytes],
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"content-type": "text/event-stream", "cache-control": "no-cache"}
        )
        await response.prepare(request)
        fault = item if isinstance(item, Fault) else None
        try:
            for frame in head:
                await response.write(frame)
            for index, text in enumerate(pieces):
                if fault and fault.disconnect_after is not None and index == fault.disconnect_after:
                    _drop(request)
                    return response
                if fault and fault.error_after is not None and index == fault.error_after:
                    message = fault.message or f"fake {fault.error_code}"
                    await response.write(error(fault.error_code, message))
                    await response.write_eof()
                    return response
                if fault and fault.stall_after is not None and index == fault.stall_after:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._closing.wait(), fault.stall_seconds)
                for frame in piece(text, index):
                    await response.write(frame)
                await asyncio.sleep(0)
            if fault and fault.disconnect_after is not None:
                _drop(request)
                return response
            if not (fault and fault.truncate):
                for frame in tail:
                    await response.write(frame)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client went away
        return response

    async def _about(self, request: web.Request) -> web.Response:
        about = self.props if request.path == "/props" else self.show
        if about is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(about)

    # ------------------------------------------------------------ chat completions

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        recorded, item = await self._take(request)
        if isinstance(item, Fault) and item.status is not None:
            return self._error(recorded, item, anthropic=False)
        body = recorded.body
        text = _text_of(item)
        pieces = self._pieces(text)
        usage = self._usage_for(item, len(pieces))
        model = body.get("model", "fake-model")
        tool = _forced_function(body)
        finish = _chat_finish(item, tool)
        cid = f"chatcmpl-{next(self._ids)}"
        created = int(time.time())
        usage_json = {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + (usage.output_tokens or 0),
            "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        }
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
            if tool:
                message["content"] = None
                message["tool_calls"] = [_tool_call(tool, text)]
            return web.json_response(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
                    ],
                    "usage": usage_json,
                    **({"timings": self.timings} if self.timings else {}),
                }
            )

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            return _data(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "delta": delta,
                            "finish_reason": finish_reason,
                            "logprobs": None,
                        }
                    ],
                }
            )

        head_delta: dict[str, Any] = {"role": "assistant", "content": "" if not tool else None}
        if tool:
            head_delta["tool_calls"] = [
                {"index": 0, **_tool_call(tool, "")},
            ]

        def piece(text: str, index: int) -> list[bytes]:
            if tool:
                return [chunk({"tool_calls": [{"index": 0, "function": {"arguments": text}}]})]
            return [chunk({"content": text})]

        tail = [chunk({}, finish)]
        if (body.get("stream_options") or {}).get("include_usage"):
            tail.append(
                _data(
                    {
                        "id": cid,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": usage_json,
                        **({"timings": self.timings} if self.timings else {}),
                    }
                )
            )
        tail.append(b"data: [DONE]\n\n")

        def error(code: str, message: str) -> bytes:
            return _data({"error": {"message": message, "type": code, "code": code}})

        return await self._sse(
            request, item, pieces, head=[chunk(head_delta)], piece=piece, tail=tail, error=error
        )

    # ------------------------------------------------------------ responses

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        recorded, item = await self._take(request)
        if isinstance(item, Fault) and item.status is not None:
            return self._error(recorded, item, anthropic=False)
        body = recorded.body
        text = _text_of(item)
        pieces = self._pieces(text)
        usage = self._usage_for(item, len(pieces))
        rid = f"resp_{next(self._ids)}"
        mid = f"msg_{next(self._ids)}"
        length = isinstance(item, Reply) and item.finish_reason == "length"
        base = {
            "id": rid,
            "object": "response",
            "created_at": int(time.time()),
            "model": body.get("model", "fake-model"),
            "status": "in_progress",
            "output": [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "metadata": {},
            "temperature": body.get("temperature"),
            "top_p": 1.0,
            "text": body.get("text") or {"format": {"type": "text"}},
            "usage": None,
        }
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        message = {
            "id": mid,
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [part],
        }
        done = {
            **base,
            "status": "incomplete" if length else "completed",
            "incomplete_details": {"reason": "max_output_tokens"} if length else None,
            "output": [message],
            "usage": {
                "input_tokens": usage.input_tokens,
                "input_tokens_details": {"cached_tokens": usage.cached_tokens},
                "output_tokens": usage.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": usage.input_tokens + (usage.output_tokens or 0),
            },
        }
        if not body.get("stream"):
            return web.json_response(done)
        seq = itertools.count()

        def event(kind: str, **data: Any) -> bytes:
            return _event(kind, {"type": kind, "sequence_number": next(seq), **data})

        item_ref = {"item_id": mid, "output_index": 0, "content_index": 0}
        head = [
            event("response.created", response=base),
            event("response.in_progress", response=base),
            event(
                "response.output_item.added",
                output_index=0,
                item={**message, "status": "in_progress", "content": []},
            ),
            event(
                "response.content_part.added",
                **item_ref,
                part={**part, "text": ""},
            ),
        ]

        def piece(text: str, index: int) -> list[bytes]:
            return [event("response.output_text.delta", **item_ref, delta=text, logprobs=[])]

        final = "response.incomplete" if length else "response.completed"
        tail = [
            event("response.output_text.done", **item_ref, text=text, logprobs=[]),
            event("response.content_part.done", **item_ref, part=part),
            event("response.output_item.done", output_index=0, item=message),
            event(final, response=done),
        ]

        def error(code: str, message: str) -> bytes:
            failed = {**base, "status": "failed", "error": {"code": code, "message": message}}
            return event("response.failed", response=failed)

        return await self._sse(
            request, item, pieces, head=head, piece=piece, tail=tail, error=error
        )

    # ------------------------------------------------------------ anthropic messages

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        recorded, item = await self._take(request)
        if isinstance(item, Fault) and item.status is not None:
            return self._error(recorded, item, anthropic=True)
        body = recorded.body
        text = _text_of(item)
        pieces = self._pieces(text)
        usage = self._usage_for(item, len(pieces))
        tool = _forced_tool(body)
        if isinstance(item, Reply) and item.finish_reason == "length":
            stop = "max_tokens"
        elif isinstance(item, Reply) and item.finish_reason:
            stop = item.finish_reason
        else:
            stop = "tool_use" if tool else "end_turn"
        uncached = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
        start_usage = {
            "input_tokens": uncached,
            "cache_creation_input_tokens": usage.cache_write_tokens,
            "cache_read_input_tokens": usage.cached_tokens,
            "output_tokens": 1,
        }
        mid = f"msg_{next(self._ids)}"
        block: dict[str, Any] = (
            {"type": "tool_use", "id": f"toolu_{next(self._ids)}", "name": tool, "input": {}}
            if tool
            else {"type": "text", "text": ""}
        )
        message = {
            "id": mid,
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "fake-model"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": start_usage,
        }
        if not body.get("stream"):
            if tool:
                try:
                    content = [{**block, "input": json.loads(text)}]
                except json.JSONDecodeError:
                    content = [{**block, "input": {}}]
            else:
                content = [{"type": "text", "text": text}]
            return web.json_response(
                {
                    **message,
                    "content": content,
                    "stop_reason": stop,
                    "usage": {**start_usage, "output_tokens": usage.output_tokens},
                }
            )
        head = [
            _event("message_start", {"type": "message_start", "message": message}),
            _event(
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": block},
            ),
            _event("ping", {"type": "ping"}),
        ]

        def piece(text: str, index: int) -> list[bytes]:
            delta = (
                {"type": "input_json_delta", "partial_json": text}
                if tool
                else {"type": "text_delta", "text": text}
            )
            return [
                _event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                )
            ]

        tail = [
            _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
            _event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": usage.output_tokens},
                },
            ),
            _event("message_stop", {"type": "message_stop"}),
        ]

        def error(code: str, message: str) -> bytes:
            return _event("error", {"type": "error", "error": {"type": code, "message": message}})

        return await self._sse(
            request, item, pieces, head=head, piece=piece, tail=tail, error=error
        )


@asynccontextmanager
async def fake_llm_server(*, chunk_size: int = 8) -> AsyncIterator[FakeLLMServer]:
    """``async with fake_llm_server() as server:`` a started server, closed afterwards."""
    server = FakeLLMServer(chunk_size=chunk_size)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


# ---------------------------------------------------------------- helpers


def _data(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def _event(kind: str, payload: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode()


def _drop(request: web.Request) -> None:
    """Close the connection under the response, mid-body."""
    transport = request.transport
    if transport is not None:
        transport.close()


def _text_of(item: Reply | Fault) -> str:
    if isinstance(item, Reply):
        return item.text
    return item.text if item.text is not None else DEFAULT_TEXT


def _chat_finish(item: Reply | Fault, tool: str | None) -> str:
    if isinstance(item, Reply) and item.finish_reason:
        return item.finish_reason
    return "tool_calls" if tool else "stop"


def _tool_call(name: str, arguments: str) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


def _forced_function(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return (choice.get("function") or {}).get("name")
    if choice == "required" and body.get("tools"):
        return body["tools"][0]["function"]["name"]
    return None


def _forced_tool(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if not isinstance(choice, dict) or not body.get("tools"):
        return None
    if choice.get("type") == "tool":
        return choice.get("name")
    if choice.get("type") == "any":
        return body["tools"][0].get("name")
    return None


def request_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a request asks the reply to follow, in any of the three formats."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    text_fmt = (body.get("text") or {}).get("format") or {}
    if text_fmt.get("type") == "json_schema":
        return text_fmt.get("schema")
    for tool in body.get("tools") or ():
        if "input_schema" in tool:
            return tool["input_schema"]
        if "function" in tool:
            return tool["function"].get("parameters")
    return None


def default_reply(body: dict[str, Any]) -> str:
    """The reply when nothing is queued: schema-valid JSON, or ``DEFAULT_TEXT``."""
    schema = request_schema(body)
    if schema is None:
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_object":
            return json.dumps({"narrative": DEFAULT_TEXT})
        return DEFAULT_TEXT
    return json.dumps(example_for_schema(schema))


def example_for_schema(schema: dict[str, Any], name: str = "") -> Any:
    """A small value valid for ``schema``: nulls where allowed, empty lists, first enum values."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            if any(o.get("type") == "null" for o in options):
                return None
            return example_for_schema(options[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        if "null" in kind:
            return None
        kind = kind[0]
    if kind == "object":
        props = schema.get("properties", {})
        return {key: example_for_schema(sub, key) for key, sub in props.items()}
    if kind == "array":
        return []
    if kind == "string":
        return DEFAULT_TEXT if name in ("narrative", "text", "") else f"fake {name}"
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return None
