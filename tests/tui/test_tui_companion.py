"""The companion in the TUI: typed to ("ask aria about ..."), and speaking up after a
turn (a new place), in the story log."""

from __future__ import annotations

import playing
from tui_helpers import screen_text, settle, still, type_text, wait_until


async def test_aria_answers_in_the_log_and_remarks_on_a_new_place(make_app, memory_uow, tmp_path):
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_text(pilot, "ask aria about our quest")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Aria:" in screen_text(app), "Aria's answer")
        assert "Where we stand" in screen_text(app)
        await type_text(pilot, "north")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "New ground" in screen_text(app), "Aria's remark")
        app.save_screenshot(str(tmp_path / "companion.svg"))
        assert "Mine Road. New ground" in " ".join(screen_text(app).split())


async def test_companion_tab_shows_bond_remarks_and_answers_in_the_tab(
    make_app, memory_uow, clock, snapshot
):
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", archetype="sellsword", seed=1, clock=clock
    )
    play = playing.play(memory_uow, clock=clock)
    await play.companion.ask(start.session_id, "about the founders")
    await play.act(start.session_id, "go north")
    remark = await play.companion.remark(start.session_id)
    assert remark is not None
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f4", "f4", "f4", "f4")  # sheet, pack, quests, map: the companion
        await settle(pilot)
        await still(pilot)
        text = " ".join(screen_text(app).split())
        assert "Bond" in text and "2 remembered" in text
        assert "turn 1: Mine Road. New ground" in text
        snapshot(app, "play_panel_companion")
        await pilot.click("#companion-ask")
        await type_text(pilot, "what is our quest?")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: "Where we stand" in screen_text(app), "Aria's answer in the tab"
        )
        text = " ".join(screen_text(app).split())
        assert "3 remembered" in text
        assert app.screen.state.turn == 1  # asking took no turn


async def test_the_palette_toggle_silences_the_companion_and_its_tab_says_so(make_app, memory_uow):
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "companion remarks: turn off")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.screen.remarks_on, "remarks turned off")
        await pilot.press("f4", "f4", "f4", "f4")
        await wait_until(
            pilot, lambda: "Speaks first: off" in screen_text(app), "the tab shows the setting"
        )
        await pilot.click("#command")
        await type_text(pilot, "north")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.screen.state.turn == 1 and not app.screen.busy,
            "the turn, told to its end (where a remark would come)",
        )
        await settle(pilot)
        assert "New ground" not in screen_text(app)
    play = playing.play(memory_uow)
    assert not (await play.companion.remark_settings("local")).enabled  # kept for next time
