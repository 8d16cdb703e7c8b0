"""The full-screen map (F5) and codex (F6), compared with committed text snapshots."""

from __future__ import annotations

import playing
from test_tui_snapshots import played_session
from tui_helpers import settle, still, type_text, wait_until

from storyai.tui.screens.knowledge import CodexScreen, MapScreen
from storyai.tui.screens.play import PlayScreen


async def test_map_and_codex_screens(make_app, memory_uow, clock, snapshot) -> None:
    session_id = await played_session(
        memory_uow, clock, ["talk to hesta about mine", "go north", "go north"]
    )
    app = make_app(memory_uow, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PlayScreen)
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, MapScreen), "map open")
        await settle(pilot)
        await still(pilot)
        snapshot(app, "map")
        drawn = str(app.screen.query_one("#mapscreen-text").render())
        assert "◆Mine Mouth" in drawn and "Deep Gallery" not in drawn
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PlayScreen)
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, CodexScreen), "codex open")
        await settle(pilot)
        await still(pilot)
        snapshot(app, "codex")
        await type_text(pilot, "wolf")
        await settle(pilot)
        shown = str(app.screen.query_one("#codex-text").render())
        assert "Wolf" in shown and "Hesta" not in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PlayScreen)


async def test_the_map_follows_the_story(make_app, memory_uow, clock) -> None:
    session_id = await played_session(memory_uow, clock, [])
    app = make_app(memory_uow, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        await type_text(pilot, "go west")
        await pilot.press("enter")
        await wait_until(pilot, lambda: play.state is not None and play.state.turn == 1, "told")
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, MapScreen), "map open")
        await settle(pilot)
        drawn = str(app.screen.query_one("#mapscreen-text").render())
        assert "◆The Banked" in drawn
        assert playing  # the helpers module played the first turns
