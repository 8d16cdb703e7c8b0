"""A local fake of the media APIs, on 127.0.0.1, speaking each wire format:

* OpenAI Images ``POST /v1/images/generations`` (JSON) and ``/v1/images/edits``
  (multipart, the reference picture) → ``{"data": [{"b64_json": ...}]}``
* OpenAI TTS ``POST /v1/audio/speech`` → MP3 bytes
* Automatic1111 ``POST /sdapi/v1/txt2img`` / ``img2img`` → ``{"images": [base64]}``
* ElevenLabs ``POST /v1/text-to-speech/{voice_id}`` (``xi-api-key``) → MP3 bytes

Every request is recorded (``requests``: path, headers, JSON body or form fields);
faults are scripted per request (``push_fault``: a status with an OpenAI-style error
body and ``Retry-After``, a garbled body, a dropped connection).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from fakes.threaded import threaded
from storyai.core.media.fake import png

MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 64


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class MediaFault:
    status: int = 500
    message: str = "boom"
    code: str = "server_error"
    retry_after: str | None = None
    garbled: bool = False
    drop: bool = False


class FakeMediaServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[MediaFault] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def push_fault(self, *faults: MediaFault) -> None:
        self.faults.extend(faults)

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    async def start(self) -> FakeMediaServer:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/v1/images/generations", self._images)
        app.router.add_post("/v1/images/edits", self._images)
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_post("/sdapi/v1/txt2img", self._a1111)
        app.router.add_post("/sdapi/v1/img2img", self._a1111)
        app.router.add_post("/v1/text-to-speech/{voice}", self._eleven)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeMediaServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _record(self, request: web.Request) -> Recorded:
        recorded = Recorded(request.path, dict(request.headers))
        if request.content_type == "multipart/form-data":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    recorded.files[key] = value.file.read()
                else:
                    recorded.body[key] = value
        else:
            recorded.body = await request.json()
        self.requests.append(recorded)
        return recorded

    def _fault(self, request: web.Request) -> web.Response | None:
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        if fault.drop:
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError
        if fault.garbled:
            return web.Response(text="{not json", content_type="application/json")
        headers = {"retry-after": fault.retry_after} if fault.retry_after else {}
        body = {"error": {"message": fault.message, "type": fault.code, "code": fault.code}}
        return web.json_response(body, status=fault.status, headers=headers)

    async def _images(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        fault = self._fault(request)
        if fault is not None:
            return fault
        seed = json.dumps(recorded.body, sort_keys=True, default=str).encode()
        picture = png(8, 8, seed=seed)
        return web.json_response(
            {"created": 1, "data": [{"b64_json": base64.b64encode(picture).decode()}]}
        )

    async def _speech(self, request: web.Request) -> web.Response:
        await self._record(request)
        fault = self._fault(request)
        return fault or web.Response(body=MP3, content_type="audio/mpeg")

    async def _a1111(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        fault = self._fault(request)
        if fault is not None:
            return fault
        seed = f"{recorded.body.get('prompt')}|{recorded.body.get('seed')}".encode()
        picture = png(8, 8, seed=hashlib.sha256(seed).digest())
        return web.json_response(
            {
                "images": [base64.b64encode(picture).decode()],
                "parameters": recorded.body,
                "info": json.dumps({"seed": recorded.body.get("seed")}),
            }
        )

    async def _eleven(self, request: web.Request) -> web.Response:
        await self._record(request)
        if request.headers.get("xi-api-key") != "el-test-key":
            return web.json_response(
                {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}},
                status=401,
            )
        fault = self._fault(request)
        return fault or web.Response(body=MP3, content_type="audio/mpeg")


@contextmanager
def threaded_media_server() -> Iterator[FakeMediaServer]:
    """The fake on its own thread and loop, for CLI tests (the command runs its own loop)."""
    with threaded(FakeMediaServer()) as server:
        yield server
