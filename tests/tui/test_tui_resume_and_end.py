"""Opening a long story shows its end; a rewind shows the rewound state; an ending is
announced once without covering it; the palette offers each command once."""

from __future__ import annotations

import playing
from textual.command import CommandPalette
from tui_helpers import install_data, screen_text, settle, tiny_world, type_text, wait_until

from storyai.tui.screens.history import HistoryScreen
from storyai.tui.screens.play import PlayScreen
from storyai.tui.widgets.choices import ChoiceBar
from storyai.tui.widgets.log import NarrativeLog
from storyai.tui.widgets.status import StatusLine

WALK = ["look", "talk to hesta", "go west", "look", "go east", "go east", "look", "go west"]


async def test_a_resumed_story_opens_at_its_very_end(make_app, memory_uow, clock) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    for step in [*WALK, "inventory", "look"]:  # a last turn longer than the screen
        last = await playing.take_turn(memory_uow, start.session_id, step, clock=clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.screen.query_one(NarrativeLog)
        assert log.max_scroll_y > 0  # far longer than the screen
        assert log.scroll_y == log.max_scroll_y
        screen = screen_text(app)
        assert last.lines[-1].text[:40] in screen  # the last thing told is in view
        await pilot.press("pageup")  # and the player can still scroll back
        await settle(pilot)
        assert log.scroll_y < log.max_scroll_y


async def test_a_rewind_shows_the_rewound_state_as_the_screen_comes_back(
    make_app, memory_uow, clock
) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    for step in [*WALK, "take emberstone"]:
        await playing.take_turn(memory_uow, start.session_id, step, clock=clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.state is not None
        assert play.state.turn == 9 and "Emberstone" in play.view.inventory.items[-1].name
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        status = play.query_one(StatusLine)
        seen: list[tuple[str, list[str]]] = []  # what the play screen shows as it comes back

        def back(screen) -> None:
            if screen is play:
                seen.append((str(status.render()), play.log_view.entries_text()))

        app.screen_change_signal.subscribe(play, back)
        await pilot.press("up", "enter")  # play on from turn 8, before the stone was taken
        await wait_until(pilot, lambda: app.screen is play, "back on the play screen")
        # the moment it is back, it shows the rewound story: no stale state in between
        [(shown, told)] = seen
        assert "turn 8" in shown and "› take emberstone" not in told
        assert told[-1].startswith("Exits:")
        await settle(pilot)
        assert "turn 8" in str(status.render()) and play.state.turn == 8
        assert all(i.name != "Emberstone" for i in play.view.inventory.items)
        choices = play.query_one(ChoiceBar).choices
        assert any("Emberstone" in c.text for c in choices)  # the stone lies there again
        assert play.log_view.entries_text()[-1].startswith("Exits:")


async def test_an_ending_is_announced_once_and_stays_readable(make_app, memory_uow) -> None:
    world_id = await install_data(memory_uow, tiny_world())
    app = make_app(memory_uow, world_id=world_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_text(pilot, "Ada")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await type_text(pilot, "take lamp")
        await pilot.press("enter")
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.state.ending == "lit"
        screen = screen_text(app)  # toasts included: nothing covers the ending
        assert "You lift the lamp. The story ends in light." in screen
        assert screen.count("The end") == 1  # the status line says it, once
        assert "✦ The end" in str(play.query_one(StatusLine).render())
        assert "F3 rewinds" in screen  # the command line says what now
        assert not app._notifications  # no toast over the story


async def test_the_palette_lists_quit_once(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "quit")
        await settle(pilot)
        screen = screen_text(app)
        lines = [line for line in screen.splitlines() if "Quit" in line]
        assert len(lines) == 1 and "your story is saved" in screen
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.is_running, "the app quit")
