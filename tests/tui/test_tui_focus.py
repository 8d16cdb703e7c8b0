"""Focus is always visible, on every screen: whatever has the focus (a button, a list,
a field, a scrolling text) is drawn differently from the same thing without it.

Each screen is opened as a player opens it; for every widget Tab can reach, the cells
it covers are compared with the focus on it and with no focus at all."""

from __future__ import annotations

import playing
from test_tui_identity import at_level_up
from textual.app import App
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from tui_helpers import settle, still

from storyai.tui.screens.create import CreateScreen
from storyai.tui.screens.help import HelpScreen
from storyai.tui.screens.history import BranchNameScreen, HistoryScreen
from storyai.tui.screens.knowledge import CodexScreen, MapScreen
from storyai.tui.screens.level_up import LevelUpScreen
from storyai.tui.screens.play import PlayScreen
from storyai.tui.screens.powers import PowersScreen
from storyai.tui.screens.title import TitleScreen


def _cells(app: App, widget: Widget) -> list[tuple[tuple[str, object], ...]]:
    """The widget's cells on the screen as drawn: text and style."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    region = widget.region
    return [
        tuple(
            (segment.text, segment.style)
            for segment in Strip.join(list(update.strips[y])).crop(region.x, region.right)
        )
        for y in range(region.y, region.bottom)
    ]


async def _unmarked(pilot: Pilot) -> list[str]:
    """The focusable widgets of the current screen that look the same with the focus."""
    app = pilot.app
    screen = app.screen
    chain = list(screen.focus_chain)
    assert chain, f"nothing to focus on {screen}"
    unmarked = []
    for widget in chain:
        widget.focus()  # scrolled into view first
        await settle(pilot)
        await still(pilot)
        screen.set_focus(None, scroll_visible=False)
        await settle(pilot)
        without = _cells(app, widget)
        widget.focus(scroll_visible=False)
        await settle(pilot)
        await still(pilot)
        assert widget.has_focus
        if _cells(app, widget) == without or not without:
            unmarked.append(f"{type(screen).__name__}: {widget!r}")
    return unmarked


async def test_focus_shows_on_the_title_creation_map_codex_and_dialog_screens(
    make_app, memory_uow, clock
) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", archetype="sellsword", seed=2, clock=clock
    )
    for text in ("talk to hesta", "go north"):
        await playing.take_turn(memory_uow, start.session_id, text, clock=clock)
    unmarked: list[str] = []
    app = make_app(memory_uow)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TitleScreen)
        unmarked += await _unmarked(pilot)
    app = make_app(memory_uow, world_id="ember_hollow")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        unmarked += await _unmarked(pilot)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        for key, kind in (
            ("f5", MapScreen),
            ("f6", CodexScreen),
            ("f1", HelpScreen),
            ("f8", PowersScreen),
            ("f3", HistoryScreen),
        ):
            play.command.focus()
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, kind), (key, app.screen)
            unmarked += await _unmarked(pilot)
            if kind is HistoryScreen:
                await pilot.press("n")  # the named-branch dialog
                await settle(pilot)
                assert isinstance(app.screen, BranchNameScreen)
                unmarked += await _unmarked(pilot)
                await pilot.press("escape")
                await settle(pilot)
            app.screen.dismiss()
            await settle(pilot)
    assert unmarked == [], "\n".join(unmarked)


async def test_focus_shows_on_the_level_up_screen(make_app, memory_uow, clock) -> None:
    start = await at_level_up(memory_uow, clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, LevelUpScreen)
        assert await _unmarked(pilot) == []
