"""The main screens at 80×24, compared with committed text snapshots.

Fixed seed, fixed clock, in-memory store: the same screens every run. To accept a
deliberate change: ``STORYAI_UPDATE_SNAPSHOTS=1 pytest tests/tui``, then look at the
SVGs in tests/tui/snapshots/ before committing.
"""

from __future__ import annotations

import playing
from tui_helpers import SEED, screen_text, settle, still, type_text

from storyai.tui.screens.history import HistoryScreen
from storyai.tui.screens.play import PlayScreen


async def played_session(uow, clock, inputs: list[str]) -> str:
    start = await playing.start_session(
        uow, "ember_hollow", player_name="Wren", archetype="sellsword", seed=SEED, clock=clock
    )
    for text in inputs:
        await playing.take_turn(uow, start.session_id, text, clock=clock)
    return start.session_id


async def test_title_screen(make_app, memory_uow, clock, snapshot) -> None:
    await played_session(memory_uow, clock, ["talk to hesta", "go north"])
    app = make_app(memory_uow)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        snapshot(app, "title")


async def test_character_creation_screen(make_app, memory_uow, clock, snapshot) -> None:
    app = make_app(memory_uow, world_id="ember_hollow")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Wren")
        await settle(pilot)
        await still(pilot)
        snapshot(app, "create")


async def test_character_creation_screen_percentile(make_app, memory_uow, clock, snapshot) -> None:
    app = make_app(memory_uow, world_id="halvard_relay")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await still(pilot)
        snapshot(app, "create_percentile")


async def test_play_panel_history_and_help_screens(make_app, memory_uow, clock, snapshot) -> None:
    session_id = await played_session(memory_uow, clock, ["talk to hesta", "look", "go west"])
    await playing.rewind(memory_uow, session_id, 1, clock=clock)
    for text in ("ask hesta about mine", "take emberstone", "go north"):
        await playing.take_turn(memory_uow, session_id, text, clock=clock)
    app = make_app(memory_uow, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PlayScreen)
        await still(pilot)
        snapshot(app, "play")
        await pilot.press("f2")
        await settle(pilot)
        await still(pilot)
        snapshot(app, "play_panel")
        await pilot.press("f4", "f4", "f4")  # to the map
        await settle(pilot)
        await still(pilot)
        snapshot(app, "play_panel_map")
        await pilot.press("f2", "f1")
        await settle(pilot)
        await still(pilot)
        snapshot(app, "help")
        await pilot.press("escape", "f3")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        await still(pilot)
        snapshot(app, "history")


async def test_play_screen_wide_shows_panel(make_app, memory_uow, clock, snapshot) -> None:
    session_id = await played_session(memory_uow, clock, ["take emberstone"])
    app = make_app(memory_uow, session_id=session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await still(pilot)
        snapshot(app, "play_wide")


async def test_a_fight_shows_its_turn_order_in_the_panel(
    make_app, memory_uow, clock, snapshot
) -> None:
    session_id = await played_session(memory_uow, clock, ["go north"])  # the wolf ambushes
    app = make_app(memory_uow, session_id=session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await still(pilot)
        text = screen_text(app)
        assert "⚔ Round 1 · turn order" in text and "⚔ round 1" in text
        assert "▶ Wren (you)" in text and "next" in text
        snapshot(app, "play_fight")
        await playing.take_turn(memory_uow, session_id, "go south", clock=clock)
        # out of the fight: the order is gone
        app2 = make_app(memory_uow, session_id=session_id)
    async with app2.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "turn order" not in screen_text(app2)
