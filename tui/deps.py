"""What the app is given from outside: the play service, dice, where to export.

Every story use case goes through ``Play`` (storage, narrator, clock and quota are
its business). Tests pass one on an in-memory store or a temporary SQLite database
with a fixed clock and a seed; ``storyai play`` passes a function that makes the
container's one on first use, so the title screen draws before the story engine is
imported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # the title screen draws before the story engine is imported
    from storyai.core.domain.dice import Dice
    from storyai.core.media.service import MediaService
    from storyai.core.play import Play
    from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory


@dataclass
class Deps:
    make_play: Callable[[], Play]
    """Makes the play service, once, on first use (``play``)."""
    seed: int | None = None
    """Seeds new stories and the dice of character creation (None: random)."""
    narrator_label: str = "offline"
    """Who narrates, as the title screen says it ("offline", "anthropic/claude-...")."""
    notices: list[str] = field(default_factory=list)
    """Things to tell the player once the app starts (a provider without a key, ...)."""
    dice: Callable[[], Dice] | None = None
    """Dice for rolling ability scores; default: seeded from ``seed``."""
    export_dir: Path | None = None
    """Where transcripts are written; None: ``default_export_dir()``, found on first use."""
    make_media: Callable[[], MediaService | None] = lambda: None
    """Makes the media service (pictures, voices), once; None: no media configured."""
    inline_images: bool = True
    """Pictures are drawn in the log (``[media] inline_images``)."""
    image_mode: str = "auto"
    """auto: the terminal's best graphics; halfblock: coloured half-blocks everywhere."""

    @cached_property
    def media(self) -> MediaService | None:
        return self.make_media()

    @cached_property
    def play(self) -> Play:
        """Every story use case: start, act, rewind, history, transcripts..."""
        return self.make_play()

    @property
    def uow(self) -> UnitOfWorkFactory:
        """The play service's storage, for the world catalogue (list, install)."""
        return self.play.uow

    def new_dice(self) -> Dice:
        if self.dice is not None:
            return self.dice()
        from storyai.core.domain.dice import SeededDice

        return SeededDice(self.seed)


EXPORT_DIR_ENV = "STORYAI_EXPORT_DIR"


def default_export_dir() -> Path:
    """Where the app writes transcripts: ``$STORYAI_EXPORT_DIR``; else a ``storyai``
    folder in the user's documents folder (on Linux the XDG documents folder from
    user-dirs.dirs, else ``~/Documents``) when that exists; else ``transcripts`` in
    the storyai data folder (on Linux ``~/.local/share/storyai``, XDG_DATA_HOME
    respected), beside the stories' database. Never the current directory."""
    import os

    import platformdirs

    configured = os.environ.get(EXPORT_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    documents = Path(platformdirs.user_documents_dir())
    if documents.is_dir():
        return documents / "storyai"
    return Path(platformdirs.user_data_dir("storyai", appauthor=False)) / "transcripts"


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem-2``, ``stem-3``... if taken: never overwrite."""
    path = folder / f"{stem}.{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.{suffix}"
        n += 1
    return path


def when_ready(ready: asyncio.Future[Any], factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """A unit-of-work factory whose units first wait for ``ready`` (the database being
    opened after the first frame); if it failed, each unit raises its error."""

    class Waiting:
        inner: UnitOfWork

        async def __aenter__(self) -> UnitOfWork:
            await asyncio.shield(ready)
            self.inner = factory()
            return await self.inner.__aenter__()

        async def __aexit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> None:
            await self.inner.__aexit__(exc_type, exc, tb)

    return lambda: cast("UnitOfWork", Waiting())
