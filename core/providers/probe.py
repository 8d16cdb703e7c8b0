"""``storyai providers check``: does a provider answer a tiny plain-text request?"""

from __future__ import annotations

import time
from dataclasses import dataclass

from storyai.core.domain.errors import ProviderError
from storyai.core.llm.port import ModelDone, ModelPort, ModelRequest, PromptSection
from storyai.core.providers.errors import redact

PROBE_REQUEST = ModelRequest(
    task="summary",
    sections=(
        PromptSection("rules", "You are a health check. Answer with one word.", role="system"),
        PromptSection("input", "Say OK."),
    ),
    max_tokens=8,
    temperature=0.0,
)


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    latency_ms: float  # until the reply was complete, or until the failure
    detail: str  # the model and its reply, or the (redacted) error message


async def probe(port: ModelPort, *, request: ModelRequest = PROBE_REQUEST) -> ProbeResult:
    """Send ``request`` (a few tokens of plain text) and report how it went. Never raises
    a ``ProviderError``: a failure is a result with ``ok=False``."""
    start = time.perf_counter()
    try:
        done: ModelDone | None = None
        async for chunk in port.stream(request):
            if isinstance(chunk, ModelDone):
                done = chunk
    except ProviderError as exc:
        elapsed = (time.perf_counter() - start) * 1000
        return ProbeResult(False, elapsed, redact(str(exc)))
    elapsed = (time.perf_counter() - start) * 1000
    if done is None:
        return ProbeResult(False, elapsed, "the reply ended without completing")
    reply = " ".join(done.text.split())[:60]
    model = done.usage.model or port.model
    return ProbeResult(True, elapsed, f"{model} answered {reply!r} ({done.finish_reason})")
