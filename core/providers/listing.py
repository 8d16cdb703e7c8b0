"""What `storyai providers list` shows: each provider, never its key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storyai.core.providers import registry

if TYPE_CHECKING:
    from storyai.core.config import Settings


@dataclass(frozen=True)
class ProviderInfo:
    """One provider as ``storyai providers list`` shows it. Never holds the key."""

    name: str
    kind: str
    model: str
    base_url: str
    key: str  # where the key comes from: "env OPENAI_API_KEY", "config file", "none"
    structured: str
    tasks: tuple[str, ...]  # "narration #1", "summary #2", ...
    prompt_profile: str = ""  # "compact (context window 4,096 tokens, from llama.cpp /props)"
    prewarm: str = ""  # "on (auto; llama.cpp /props)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "model": self.model,
            "base_url": self.base_url,
            "key": self.key,
            "structured": self.structured,
            "tasks": list(self.tasks),
            "prompt_profile": self.prompt_profile,
            "prewarm": self.prewarm,
        }


def prompt_profile(setting: str, window: int | None, source: str) -> str:
    """The profile a provider's prompts get, and why."""
    from storyai.core.memory.sizing import COMPACT_AT, choose_profile

    chosen = choose_profile(setting, window)
    why = "set" if setting != "auto" else "auto"
    if window is not None:
        return f"{chosen} ({why}; context window {window:,} tokens, from {source})"
    if setting != "auto":
        return f"{chosen} (set)"
    return f"{chosen} (auto; context window unknown: compact at {COMPACT_AT:,} tokens or less)"


def prewarm(setting: str, source: str) -> str:
    """Whether the next turn's prompt is sent ahead to the provider, and why."""
    from storyai.core.memory.sizing import LOCAL_SERVERS

    if setting != "auto":
        return f"{setting} (set)"
    if source in LOCAL_SERVERS:
        return f"on (auto; a local server: {source})"
    if source:
        return f"off (auto; context window from {source}, so not known to be a local server)"
    return "off (auto; on for a llama.cpp or Ollama server that answers)"


def describe(
    settings: Settings, windows: dict[str, tuple[int | None, str]] | None = None
) -> list[ProviderInfo]:
    """Every provider, in narration order first, with where its key comes from.
    ``windows`` holds what servers said about their context window (name → window, source)."""
    windows = windows or {}
    order = list(dict.fromkeys([*settings.narration, *settings.summary, *settings.providers]))
    infos = []
    for name in order:
        cfg = settings.providers[name]
        tasks = tuple(
            f"{task} #{getattr(settings, task).index(name) + 1}"
            for task in ("narration", "summary")
            if name in getattr(settings, task)
        )
        window = (
            (cfg.context_window, "config") if cfg.context_window else windows.get(name, (None, ""))
        )
        infos.append(
            ProviderInfo(
                name=name,
                kind=cfg.kind,
                model=cfg.model,
                base_url=cfg.base_url or registry.get_kind(cfg.kind).base_url or "",
                key=cfg.key_source(),
                structured=cfg.structured,
                tasks=tasks,
                prompt_profile=prompt_profile(cfg.prompt_profile, *window),
                prewarm=prewarm(cfg.prewarm, window[1]),
            )
        )
    return infos
