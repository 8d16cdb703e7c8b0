"""Helpers for driving the TUI with Textual's Pilot: fixed time and ids, screen text.

``settle(pilot)`` waits until the app has nothing left to do (no running workers,
no pending messages), so tests never sleep or time anything. ``wait_until(pilot, ...)``
waits for a condition a test can name (text on the screen, a widget's state), however
slow the machine. ``screen_text(app)`` is the screen as a person reads it.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_ENV = "STORYAI_UPDATE_SNAPSHOTS"
SIZE = (80, 24)
SEED = 7
FIXED_NOW = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


def fixed_clock() -> Clock:
    """The same time always; ids 0001, 0002, ... in order of use."""
    counter = itertools.count(1)
    return Clock(
        now=lambda: FIXED_NOW,
        new_id=lambda: f"{next(counter):04d}" + "0" * 28,
        new_seed=lambda: SEED,
    )


async def install_bundled(uow: UnitOfWorkFactory) -> None:
    for path in bundled_world_paths().values():
        await services.install_world(uow, load_world(path), source="test", now=FIXED_NOW)


async def settle(pilot: Pilot, rounds: int = 50) -> None:
    """Wait until no worker runs and what the workers posted has been handled."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            # and what was scheduled for after the next repaint (scrolling, focus)
            await app.screen.wait_for_refresh()
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return
        await app.workers.wait_for_complete()
    raise AssertionError("the app did not settle")


WAIT_LIMIT = 30.0
"""Seconds before ``wait_until`` gives up: it returns as soon as its condition holds,
so this only bounds how long a broken test hangs (a busy CI machine is never that slow)."""


async def wait_until(
    pilot: Pilot, condition: Callable[[], object], what: str, *, limit: float = WAIT_LIMIT
) -> None:
    """Let the app run (handle messages, repaint) until ``condition()`` is true."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"waited {limit:.0f} s and still not: {what}\n" + screen_text(pilot.app)
            )
        await pilot.pause()


async def resize(pilot: Pilot, width: int, height: int) -> None:
    """Resize the terminal and wait until the screen has been laid out at the new size
    (Textual applies a resize after a short debounce timer)."""
    await pilot.resize_terminal(width, height)
    await wait_until(
        pilot, lambda: tuple(pilot.app.screen.size) == (width, height), f"a {width}x{height} screen"
    )
    await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type as a person would, one key at a time."""
    await pilot.press(*text)


def screen_text(app: App, *, svg: bool = False) -> str:
    """The screen (with any modal over it) as plain text, or as an SVG picture."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    if svg:
        return console.export_svg(title=app.title)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


async def still(pilot: Pilot) -> None:
    """Nothing that changes with time: no blinking cursor, no toasts, animations done."""
    app = pilot.app
    app.clear_notifications()
    for node in app.screen.query(Input):
        node.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await settle(pilot)


def tiny_world(**names: str) -> dict:
    """A one-room world whose story ends when the lamp is taken.

    Keyword arguments replace its names (``title``, ``place``, ``item``, ``npc``,
    ``greeting``, ``quest``), e.g. with markup that must be shown literally.
    """
    n = {
        "title": "A Short Story",
        "place": "The Room",
        "item": "Brass Lamp",
        "npc": "Old Mara",
        "greeting": "Take the lamp, dear.",
        "quest": "The Lamp",
        **names,
    }
    return {
        "format_version": 1,
        "world": {
            "id": "tiny_end",
            "title": n["title"],
            "version": "1.0.0",
            "authors": ["Tests"],
            "description": "Take the lamp, and it ends.",
        },
        "rules": {"system": "d20"},
        "start": {"location": "room", "text": "A small room. A lamp glows on the table."},
        "locations": {
            "room": {
                "name": n["place"],
                "description": "Bare walls, one table.",
                "items": ["lamp"],
                "characters": ["mara"],
            }
        },
        "characters": {
            "mara": {"name": n["npc"], "dialogue": {"greeting": n["greeting"]}},
        },
        "items": {"lamp": {"name": n["item"], "kind": "tool"}},
        "quests": {
            "the_lamp": {
                "title": n["quest"],
                "main": True,
                "stages": [
                    {
                        "id": "take",
                        "description": "Take the lamp.",
                        "objectives": [
                            {"description": "Take the lamp.", "trigger": {"have_item": "lamp"}}
                        ],
                    }
                ],
                "endings": [
                    {
                        "id": "lit",
                        "title": "Lit",
                        "text": "You lift the lamp. The story ends in light.",
                    }
                ],
            }
        },
        "archetypes": {"wanderer": {"name": "Wanderer", "stats": {"hit_die": 8}}},
    }


async def install_data(uow: UnitOfWorkFactory, data: dict) -> str:
    from storyai.core.worlds.validate import validate_data

    world = validate_data(data, "test")
    await services.install_world(uow, world, source="test", now=FIXED_NOW)
    return world.id


class TurnByTurn(OfflineNarrator):
    """The offline narrator, holding each telling until the test lets one through
    (``let_one``); ``waiting`` counts the tellings held now."""

    def __init__(self) -> None:
        self.waiting = 0
        self._gate = asyncio.Semaphore(0)

    def let_one(self) -> None:
        self._gate.release()

    async def stream(self, request):
        self.waiting += 1
        await self._gate.acquire()
        self.waiting -= 1
        async for chunk in super().stream(request):
            yield chunk
