"""``storyai providers check``: does a provider answer, and how well does it serve?

``probe`` sends a tiny plain-text request. ``check`` goes on, for the modes worth
trying on that kind, with a tiny structured turn per structured mode (the reply
schema the narrator would send), and reports which modes gave valid JSON, the
context window the server reports (``serverinfo``), prompt and generation tokens
per second (the server's own timings when it gives them, else measured from the
stream) and the mode to configure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storyai.core.domain.errors import ProviderError, ReplyError
from storyai.core.llm.port import (
    ModelDone,
    ModelPort,
    ModelRequest,
    PromptSection,
    TextPiece,
    Usage,
)
from storyai.core.providers.errors import redact
from storyai.core.providers.serverinfo import ServerInfo

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


# ---------------------------------------------------------------- the full check

MODES_BY_KIND: dict[str, tuple[str, ...]] = {
    "openai": ("json_schema", "json_object", "tool", "prompt"),
    "openai-compatible": ("json_schema", "json_object", "tool", "prompt"),
    "openai-responses": ("json_schema", "json_object", "prompt"),
    "anthropic": ("tool", "prompt"),
}
"""The structured modes worth trying per kind (the others map onto these)."""
PREFERENCE = ("json_schema", "tool", "json_object", "prompt")
"""Of the modes that work, the one recommended first: constrained beats asked-for."""

_TURN_RULES = (
    "You are the game master of a text role-playing game. Reply with one JSON object "
    'only, the narrative first: {"narrative": "...", "choices": [{"id": "a", "text": '
    '"..."}], "state_changes": {"location": null, "items": [], "quests": []}}'
)


def turn_probe(schema: dict[str, Any], max_tokens: int | None = None) -> ModelRequest:
    """A tiny narration request with the reply schema: one sentence, one choice.

    The token cap (unless given) fits the longest reply the schema allows: a model that
    fills every field to its bound (greedy decoding can) still closes its JSON, so a
    cut-off never passes for a mode that does not work."""
    if max_tokens is None:
        max_tokens = probe_tokens(schema)
    return ModelRequest(
        task="narration",
        sections=(
            PromptSection("rules", _TURN_RULES, role="system"),
            PromptSection(
                "input",
                'The player says: "I look around the village square." '
                "Tell it in one short sentence and offer one choice.",
            ),
        ),
        schema=schema,
        max_tokens=max_tokens,
        temperature=0.0,
    )


PROBE_TOKENS = 320
"""The probe's least token cap (a schema without bounds gets this)."""


def probe_tokens(schema: dict[str, Any]) -> int:
    """Tokens for the longest reply ``schema`` allows: its bounded text at about three
    characters a token, plus the JSON around it."""
    from storyai.core.narrators.compact_schema import worst_chars

    return max(PROBE_TOKENS, worst_chars(schema) // 3 + 128)


@dataclass(frozen=True)
class ModeResult:
    mode: str
    verdict: str  # "valid": every key of the schema; "partial": a narrative only; "failed"
    detail: str
    latency_ms: float
    first_ms: float | None = None  # to the first streamed piece
    usage: Usage | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "valid"


@dataclass(frozen=True)
class Speed:
    prompt_tps: float | None
    generation_tps: float | None
    source: str  # "server timings" or "measured"


@dataclass(frozen=True)
class CheckReport:
    answer: ProbeResult
    window: int | None = None
    window_source: str = ""
    modes: tuple[ModeResult, ...] = ()
    speed: Speed | None = None
    recommended: str | None = None
    profile: str = "full"


async def probe_mode(port: ModelPort, mode: str, schema: dict[str, Any]) -> ModeResult:
    """Ask ``port`` (built with structured ``mode``) for a tiny structured turn."""
    from storyai.core.narrators.reply import parse_reply

    start = time.perf_counter()
    first: float | None = None
    done: ModelDone | None = None
    try:
        async for chunk in port.stream(turn_probe(schema)):
            if isinstance(chunk, TextPiece) and first is None and chunk.text:
                first = (time.perf_counter() - start) * 1000
            elif isinstance(chunk, ModelDone):
                done = chunk
    except ProviderError as exc:
        elapsed = (time.perf_counter() - start) * 1000
        return ModeResult(mode, "failed", redact(exc.message), elapsed)
    elapsed = (time.perf_counter() - start) * 1000
    if done is None:
        return ModeResult(mode, "failed", "the reply ended without completing", elapsed)
    try:
        parse_reply(done.text)
    except ReplyError as exc:
        why = exc.message
        if done.finish_reason == "length":
            why = f"cut off at {done.usage.output_tokens or 'max'} tokens: {why}"
        return ModeResult(mode, "failed", why, elapsed, first, done.usage)
    data = _object(done.text)
    missing = [k for k in schema.get("required", ()) if k not in data]
    if missing:
        detail = "a narrative, without " + ", ".join(missing)
        return ModeResult(mode, "partial", detail, elapsed, first, done.usage)
    return ModeResult(mode, "valid", f"valid JSON in {elapsed:,.0f} ms", elapsed, first, done.usage)


def recommend(results: tuple[ModeResult, ...] | list[ModeResult]) -> str | None:
    """The mode to configure: the most constrained that gave valid replies, else one
    that gave at least a narrative."""
    by_mode = {r.mode: r for r in results}
    for verdict in ("valid", "partial"):
        for mode in PREFERENCE:
            if mode in by_mode and by_mode[mode].verdict == verdict:
                return mode
    return None


def measured_speed(results: tuple[ModeResult, ...] | list[ModeResult]) -> Speed | None:
    """Prompt and generation tokens per second from the streamed probes: uncached
    prompt tokens over the time to the first piece, output tokens over the rest."""
    prompt, gen = [], []
    for r in results:
        if r.usage is None or r.first_ms is None:
            continue
        fresh = r.usage.input_tokens - r.usage.cached_tokens
        if fresh > 0 and r.first_ms > 0:
            prompt.append(fresh / (r.first_ms / 1000))
        streaming = (r.latency_ms - r.first_ms) / 1000
        if r.usage.output_tokens > 1 and streaming > 0:
            gen.append((r.usage.output_tokens - 1) / streaming)
    if not prompt and not gen:
        return None
    return Speed(max(prompt) if prompt else None, max(gen) if gen else None, "measured")


async def check(
    make_port: Callable[[str], ModelPort],
    modes: tuple[str, ...],
    *,
    schema: dict[str, Any],
    server: ServerInfo | None = None,
    speed: Callable[[], Awaitable[Speed | None]] | None = None,
    profile: str = "full",
) -> CheckReport:
    """Everything `storyai providers check` tells: does it answer, which structured
    modes work with ``schema``, the context window, tokens per second and the mode to
    use. ``make_port(mode)`` builds the provider with that structured mode; ``speed``
    reads the server's own timings when it has them."""
    port = make_port("auto")
    try:
        answer = await probe(port)
    finally:
        await port.aclose()
    server = server or ServerInfo()
    if not answer.ok:
        return CheckReport(answer, server.context_window, server.source, profile=profile)
    results = []
    for mode in modes:
        port = make_port(mode)
        try:
            results.append(await probe_mode(port, mode, schema))
        finally:
            await port.aclose()
    measured = (await speed() if speed else None) or measured_speed(results)
    return CheckReport(
        answer,
        server.context_window,
        server.source,
        tuple(results),
        measured,
        recommend(results),
        profile,
    )


def _object(text: str) -> dict[str, Any]:
    start, end = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[start : end + 1], strict=False)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
