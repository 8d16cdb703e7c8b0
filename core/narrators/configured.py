"""The narrator the user configured: an AI game master behind the router, or offline.

``bootstrap.Container.narrator`` calls ``narrator_for`` with the settings tree
(every interface takes the narrator from there). It builds one adapter per
configured provider, orders them per task for failover, and falls back to the
offline narrator when no provider is configured (with a hint on how to add one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyai.core.config import Settings
from storyai.core.domain.errors import StoryError
from storyai.core.llm.cache import FileReplyCache, ReplyCache
from storyai.core.llm.port import ProviderError
from storyai.core.llm.pricing import PriceTable
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import Narrator
from storyai.core.providers.registry import build_port

HOW_TO_ADD = (
    "Playing with the built-in offline game master. For an AI game master set "
    "ANTHROPIC_API_KEY or OPENAI_API_KEY, or STORYAI_LOCAL_BASE_URL for a local "
    "server (Ollama, llama.cpp, vLLM), then check it with `storyai providers check`."
)


@dataclass
class Configured:
    narrator: Narrator
    label: str  # "offline" or "anthropic/claude-sonnet-4-6 (then openai)"
    warnings: list[str] = field(default_factory=list)

    @property
    def offline(self) -> bool:
        return not isinstance(self.narrator, AINarrator)


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
        return Configured(OfflineNarrator(), "offline", [] if provider else [HOW_TO_ADD])
    if provider is not None and provider not in settings.providers:
        known = ", ".join(sorted(settings.providers)) or "none"
        raise StoryError(
            f"No provider called '{provider}' is configured (configured: {known}).",
            hint="`storyai providers list` shows them; " + HOW_TO_ADD.split(". ", 1)[1],
        )
    if model is not None and provider is None:
        provider = settings.narration[0] if settings.narration else None
    warnings: list[str] = []
    ports: dict[str, RouteEntry] = {}
    for name, cfg in settings.providers.items():
        try:
            port = build_port(
                name, cfg, http_client=http_client, model=model if name == provider else None
            )
        except ProviderError as exc:
            warnings.append(f"{name}: {exc.message}")
            continue
        ports[name] = RouteEntry(
            port, max_retries=cfg.max_retries, requests_per_minute=cfg.requests_per_minute
        )
    routes = {}
    for task in ("narration", "summary"):
        order = list(getattr(settings, task))
        if provider is not None:
            order = [provider, *(n for n in order if n != provider)]
        routes[task] = [ports[n] for n in order if n in ports]
    if not routes["narration"]:
        return Configured(OfflineNarrator(), "offline", [*warnings, HOW_TO_ADD])
    cache: ReplyCache | None = None
    if settings.cache:
        cache = FileReplyCache(settings.cache_dir or cache_dir or _default_cache_dir())
    router = Router(routes, prices=PriceTable(settings.prices), cache=cache)
    first = routes["narration"][0].port
    rest = [e.port.name for e in routes["narration"][1:]]
    label = f"{first.name}/{first.model}" + (f" (then {', '.join(rest)})" if rest else "")
    return Configured(AINarrator(router, name=f"{first.name}/{first.model}"), label, warnings)


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("storyai")) / "replies"
