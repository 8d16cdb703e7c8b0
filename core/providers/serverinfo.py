"""What a local model server says about itself: its context window and model.

* llama.cpp's ``llama-server``: ``GET /props`` → ``default_generation_settings.n_ctx``
  (the window it was started with, ``-c``) and ``model_path``;
* Ollama: ``POST /api/show {"model": ...}`` → ``model_info["<arch>.context_length"]``
  (what the model was trained for) and, when the model sets one, ``num_ctx`` in
  ``parameters`` (what Ollama runs it with; the smaller of the two wins).

Both live at the server's root, not under ``/v1``. A server that answers neither (a
cloud API, vLLM, LM Studio) gives ``ServerInfo()`` with no window: the provider's
``context_window`` setting, if any, is then the only source.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("storyai.providers")


@dataclass(frozen=True)
class ServerInfo:
    context_window: int | None = None
    model: str = ""  # the model file or name the server reports
    source: str = ""  # "llama.cpp /props", "ollama /api/show", "config", ""


def server_root(base_url: str) -> str:
    """``http://host:8080/v1`` → ``http://host:8080``."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def from_llama_props(data: Any) -> ServerInfo | None:
    if not isinstance(data, dict):
        return None
    settings = data.get("default_generation_settings")
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
    if not isinstance(n_ctx, int):
        n_ctx = data.get("n_ctx")  # older builds
    if not isinstance(n_ctx, int) or n_ctx <= 0:
        return None
    model = str(data.get("model_alias") or data.get("model_path") or "")
    return ServerInfo(n_ctx, model.rsplit("/", 1)[-1], "llama.cpp /props")


_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)\s*$", re.MULTILINE)


def from_ollama_show(data: Any, model: str) -> ServerInfo | None:
    if not isinstance(data, dict):
        return None
    info = data.get("model_info")
    trained = None
    if isinstance(info, dict):
        trained = next(
            (v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)),
            None,
        )
    match = _NUM_CTX.search(str(data.get("parameters") or ""))
    running = int(match.group(1)) if match else None
    windows = [w for w in (trained, running) if w]
    if not windows:
        return None
    return ServerInfo(min(windows), model, "ollama /api/show")


async def read_server_info(
    base_url: str | None, model: str, *, timeout: float = 3.0, http_client: Any | None = None
) -> ServerInfo:
    """Ask the server at ``base_url`` for its window; ``ServerInfo()`` when it does not say.
    Never raises for a server that is down or speaks neither API."""
    if not base_url:
        return ServerInfo()
    import httpx2

    root = server_root(base_url)
    client = http_client or httpx2.AsyncClient(timeout=timeout)
    try:
        try:
            reply = await client.get(f"{root}/props", timeout=timeout)
            if reply.status_code == 200:
                info = from_llama_props(reply.json())
                if info is not None:
                    return info
            reply = await client.post(f"{root}/api/show", json={"model": model}, timeout=timeout)
            if reply.status_code == 200:
                info = from_ollama_show(reply.json(), model)
                if info is not None:
                    return info
        except (httpx2.HTTPError, ValueError) as exc:
            log.debug("no server info from %s: %s", root, exc)
        return ServerInfo()
    finally:
        if http_client is None:
            await client.aclose()


_SPEED_TEXT = (
    "The village of Ember Hollow lies in a narrow valley under a mountain of black stone. "
    "Its hearths burn with emberstones dug from the old mine, and every winter the "
    "smith, the reeve and the priest meet in the square to share out the stones. "
) * 4


async def read_speed(
    base_url: str | None, model: str, *, nonce: str, timeout: float = 60.0
) -> tuple[float, float] | None:
    """Prompt and generation tokens per second from llama.cpp's ``timings`` on a small
    uncached request (``nonce`` starts the prompt so no earlier prompt is reused);
    None when the server reports no timings."""
    if not base_url:
        return None
    import httpx2

    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": f"[{nonce}] {_SPEED_TEXT}"},
            {"role": "user", "content": "Describe the square in three sentences."},
        ],
        "max_tokens": 48,
        "temperature": 0.0,
    }
    try:
        async with httpx2.AsyncClient(timeout=timeout) as client:
            reply = await client.post(f"{server_root(base_url)}/v1/chat/completions", json=body)
            timings = reply.json().get("timings") if reply.status_code == 200 else None
    except (httpx2.HTTPError, ValueError, AttributeError) as exc:
        log.debug("no timings from %s: %s", base_url, exc)
        return None
    if not isinstance(timings, dict):
        return None
    prompt, gen = timings.get("prompt_per_second"), timings.get("predicted_per_second")
    if not isinstance(prompt, int | float) or not isinstance(gen, int | float):
        return None
    return float(prompt), float(gen)
