"""A story played through the play service with the narrator a user would configure
(``config.toml`` → settings → ``narrator_for``), and what a player saw of each turn."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from storyai.core.config import load_settings
from storyai.core.domain.events import Narration, PlayerAction
from storyai.core.narrators.ai import AINarrator
from storyai.core.narrators.configured import narrator_for
from storyai.core.play import Play, TurnResult
from storyai.core.storage.ports import UnitOfWorkFactory

MODEL = "chaos-model"
KEY = "chaos-test-key-5d1e"
BACKOFF = 0.05
"""The router's backoff base in these tests (0.5 s in play): retries stay quick, and
still grow and jitter as llmock's verdict expects."""


class Sink:
    """``on_text``: what the player's screen shows, honouring resets as a screen does."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.seen: list[str] = []  # every piece ever shown, resets or not
        self.resets = 0

    def __call__(self, piece: str) -> None:
        self.pieces.append(piece)
        self.seen.append(piece)

    def reset(self) -> None:
        self.pieces.clear()
        self.resets += 1

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass
class Storyteller:
    play: Play
    narrator: AINarrator
    sleeps: list[float] = field(default_factory=list)
    session_id: str = ""

    @classmethod
    def configured(
        cls,
        store: UnitOfWorkFactory,
        config: Path,
        providers: tuple[tuple[str, str, str], ...],
        *,
        stall_timeout: float = 5.0,
        max_retries: int = 2,
    ) -> Storyteller:
        lines = [
            f"narration = {json.dumps([name for name, _, _ in providers])}",
            f"summary = {json.dumps([name for name, _, _ in providers])}",
        ]
        for name, kind, base_url in providers:
            lines += [
                f"[providers.{name}]",
                f'kind = "{kind}"',
                f'base_url = "{base_url}"',
                f'model = "{MODEL}"',
                "timeout = 10",
                f"stall_timeout = {stall_timeout}",
                f"max_retries = {max_retries}",
            ]
            if kind != "openai-compatible":
                lines.append(f'api_key = "{KEY}"')
            else:  # said, so the narrator does not ask llmock (whose script would count it)
                lines.append("context_window = 32768")
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        settings = load_settings(environ={}, config_file=config)
        narrator = narrator_for(settings).narrator
        assert isinstance(narrator, AINarrator), narrator
        teller = cls(Play(store, narrator=narrator), narrator)
        narrator.router._sleep = teller._sleep
        narrator.router.backoff_base = BACKOFF
        return teller

    async def _sleep(self, seconds: float) -> None:
        """The router's sleep: recorded, and really waited, so that llmock sees how
        long the client waited."""
        self.sleeps.append(seconds)
        await asyncio.sleep(seconds)

    async def start(self) -> TurnResult:
        result = await self.play.start("ember_hollow", player_name="Ash", seed=5)
        self.session_id = result.session_id
        return result

    async def act(self, text: str) -> tuple[TurnResult, Sink]:
        sink = Sink()
        result = await self.play.act(self.session_id, text, on_text=sink)
        return result, sink

    async def told(self) -> list[tuple[str, Narration]]:
        """Each action of the stored story with the narration that told it; an action
        never told fails."""
        told: list[tuple[str, Narration]] = []
        action: str | None = None
        for record in await self.play.history(self.session_id):
            event = record.event
            if isinstance(event, PlayerAction):
                assert action is None, f"the action {action!r} was never told"
                action = event.text
            elif isinstance(event, Narration) and action is not None:
                told.append((action, event))
                action = None
        assert action is None, f"the action {action!r} was never told"
        return told

    async def aclose(self) -> None:
        await self.narrator.router.aclose()


def narration_text(narration: Narration) -> str:
    return "\n".join(line.text for line in narration.lines if line.kind == "narration")


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Log records that carry a traceback (a debug note about closing a broken stream
    is not one a player or an operator sees)."""
    return [r.getMessage() for r in records if r.exc_info and r.levelno >= logging.INFO]
