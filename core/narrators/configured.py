"""The narrator the user configured: an AI game master behind the router, or offline.

``bootstrap.Container.narrator`` calls ``narrator_for`` with the settings tree
(every interface takes the narrator from there). It builds one adapter per
configured provider, orders them per task for failover, and falls back to the
offline narrator when no provider is configured (with a hint on how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyai.core.config import Settings
from storyai.core.domain.errors import ProviderError, SettingsError
from storyai.core.llm.port import ModelPort
from storyai.core.providers.registry import build_port

if TYPE_CHECKING:  # imported when the narrator is first used (see Configured)
    from storyai.core.memory.sizing import Sizer
    from storyai.core.narrators.port import Narrator

HOW_TO_ADD = (
    "Playing with the built-in offline game master. For an AI game master set "
    "ANTHROPIC_API_KEY or OPENAI_API_KEY, or STORYAI_LOCAL_BASE_URL for a local "
    "server (Ollama, llama.cpp, vLLM), then check it with `storyai providers check`."
)


@dataclass
class Configured:
    """Who narrates. The label and warnings are known at once; the narrator itself is
    built on first use, so a title screen can show who narrates before the story
    engine is loaded."""

    label: str  # "offline" or "anthropic/claude-sonnet-4-6 (then openai)"
    warnings: list[str] = field(default_factory=list)
    offline: bool = True
    make: Callable[[], Narrator] = field(default=lambda: _offline(), repr=False)

    @cached_property
    def narrator(self) -> Narrator:
        return self.make()


def _offline() -> Narrator:
    from storyai.core.narrators.offline import OfflineNarrator

    return OfflineNarrator()


@dataclass(frozen=True)
class _Port:
    port: ModelPort
    max_retries: int
    requests_per_minute: float | None


def narrator_for(
    settings: Settings,
    *,
    provider: str | None = None,
    model: str | None = None,
    http_client: Any | None = None,
    cache_dir: Path | None = None,
) -> Configured:
    """Build the narrator. ``provider`` goes first (the others stay as failover);
    ``model`` overrides that provider's model. ``provider="offline"`` forces offline."""
    if provider == "offline" or (provider is None and not settings.providers):
        return Configured("offline", [] if provider else [HOW_TO_ADD])
    if provider is not None and provider not in settings.providers:
        known = ", ".join(sorted(settings.providers)) or "none"
        raise SettingsError(
            f"No provider called '{provider}' is configured (configured: {known}).",
            hint="`storyai providers list` shows them; " + HOW_TO_ADD.split(". ", 1)[1],
        )
    if model is not None and provider is None:
        provider = settings.narration[0] if settings.narration else None
    warnings: list[str] = []
    ports: dict[str, _Port] = {}
    for name, cfg in settings.providers.items():
        try:
            port = build_port(
                name, cfg, http_client=http_client, model=model if name == provider else None
            )
        except ProviderError as exc:
            warnings.append(f"{name}: {exc.message}")
            continue
        ports[name] = _Port(port, cfg.max_retries, cfg.requests_per_minute)
    routes: dict[str, list[_Port]] = {}
    for task in ("narration", "summary"):
        order = list(getattr(settings, task))
        if provider is not None:
            order = [provider, *(n for n in order if n != provider)]
        routes[task] = [ports[n] for n in order if n in ports]
    if not routes["narration"]:
        return Configured("offline", [*warnings, HOW_TO_ADD])
    first = routes["narration"][0].port
    rest = [e.port.name for e in routes["narration"][1:]]
    label = f"{first.name}/{first.model}" + (f" (then {', '.join(rest)})" if rest else "")

    def make() -> Narrator:
        from storyai.core.llm.cache import FileReplyCache, ReplyCache
        from storyai.core.llm.pricing import PriceTable
        from storyai.core.llm.router import RouteEntry, Router
        from storyai.core.narrators.ai import AINarrator

        cache: ReplyCache | None = None
        if settings.cache:
            cache = FileReplyCache(settings.cache_dir or cache_dir or _default_cache_dir())
        entries = {
            task: [
                RouteEntry(
                    p.port, max_retries=p.max_retries, requests_per_minute=p.requests_per_minute
                )
                for p in chosen
            ]
            for task, chosen in routes.items()
        }
        router = Router(entries, prices=PriceTable(settings.prices), cache=cache)
        cfg = settings.providers[first.name]
        sizer = sizer_for(first.name, cfg, first.model)
        return AINarrator(
            router, name=f"{first.name}/{first.model}", sizer=sizer, prewarm=cfg.prewarm
        )

    return Configured(label, warnings, offline=False, make=make)


def sizer_for(name: str, cfg: Any, model: str) -> Sizer:
    """How the first narration provider's prompts are sized: its ``prompt_profile`` and
    ``context_window``, else the window its server reports (asked on the first turn)."""
    from storyai.core.memory.sizing import Sizer

    detect = None
    if cfg.context_window is None and cfg.kind == "openai-compatible" and cfg.base_url:

        async def detect() -> tuple[int | None, str]:
            from storyai.core.providers.serverinfo import read_server_info

            info = await read_server_info(cfg.base_url, model, timeout=2.0)
            return info.context_window, info.source

    return Sizer(cfg.prompt_profile, cfg.context_window, detect)


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("storyai")) / "replies"
