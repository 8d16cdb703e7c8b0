"""llmock, a mock of the OpenAI and Anthropic HTTP APIs written by someone else (PyPI
``llmock``), run as its own process with ``llmock serve``: the same server a user would
start to see how storyai copes with a flaky provider.

``LlmockServer(*flags)`` starts ``llmock serve --host 127.0.0.1 --port N *flags`` on a
free port and waits until ``/health`` answers. Faults are either the command line's
(``--error-rate 503=1.0``, ``--stream-fault truncate=1.0``: random below a rate of 1.0)
or scripted, one request at a time, through llmock's control API (``script``):
``{"type": "fail", "status": 429, "retry_after": 0.2}``, ``{"type": "stream_fault",
"kind": "disconnect", "after_chunks": 8}``, ``{"type": "reply", "text": ...}``. Each
request takes, per kind of behaviour, the first one queued that matches it.

``verdict()`` is llmock's own judgement of the client (did it wait as long as
Retry-After asked, did it accept a truncated stream, ...).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

START_LIMIT = 30.0
"""Seconds ``llmock serve`` may take to answer /health (it returns as soon as it does)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _llmock_command() -> list[str]:
    script = Path(sysconfig.get_path("scripts")) / "llmock"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from llmock.cli import app; app()"]


class LlmockServer:
    def __init__(self, *flags: str) -> None:
        self.flags = flags
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.openai_url = self.url + "/v1"
        self.anthropic_url = self.url + "/anthropic"
        self._process: subprocess.Popen[bytes] | None = None

    def base_url(self, kind: str) -> str:
        return self.anthropic_url if kind == "anthropic" else self.openai_url

    def __enter__(self) -> LlmockServer:
        command = [
            *_llmock_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            *self.flags,
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_LIMIT
        while not self._healthy():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"`{' '.join(command)}` did not start:\n{self.output}")
            time.sleep(0.05)  # polling a condition: the server answers /health
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.output = process.stdout.read().decode(errors="replace") if process.stdout else ""

    output = ""

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=1) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    # ------------------------------------------------------------ control API

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/_llmock" + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")

    def script(self, *behaviors: dict[str, Any]) -> None:
        """Queue behaviours for the coming requests (see the module doc)."""
        self._call("POST", "/scenario", {"behaviors": list(behaviors)})

    def reset(self) -> None:
        """Forget the requests seen and the behaviours still queued."""
        self._call("POST", "/reset")

    def requests(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/requests")["requests"])

    def verdict(self) -> dict[str, Any]:
        return dict(self._call("GET", "/verdict"))


def reply(kind: str, turn_json: str, *, times: int = 1) -> dict[str, Any]:
    """The scripted answer ``turn_json`` (a GM reply as JSON) for the next ``times``
    requests, as the kind's model gives it: text for the OpenAI kinds, the input of the
    forced ``gm_turn`` tool for Anthropic."""
    if kind == "anthropic":
        call = {"name": "gm_turn", "arguments": json.loads(turn_json)}
        return {"type": "reply", "tool_calls": [call], "times": times}
    return {"type": "reply", "text": turn_json, "times": times}
