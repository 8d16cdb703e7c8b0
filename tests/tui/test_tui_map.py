"""The F2 map draws doors as they are now: a door opened in play is drawn open."""

from __future__ import annotations

import playing
from tui_helpers import settle, type_text, wait_until

from storyai.tui.screens.play import PlayScreen
from storyai.tui.widgets.side_panel import SidePanel

# Halvard Relay: Airlock Two, east of the Docking Bay, is sealed until Veck lifts the
# incident lock (his "okafor" topic sets the airlock_unsealed flag).
TO_VECK = ["talk to rook about job", "go north", "go northwest"]


def map_rows(play: PlayScreen, *names: str) -> list[str]:
    """The rows of the panel's map that name all of ``names`` (cut to the map's cells)."""
    text = str(play.query_one(SidePanel).query_one("#panel-map").render())
    return [row for row in text.splitlines() if all(name in row for name in names)]


async def test_the_map_draws_an_unlocked_door_open(make_app, memory_uow, clock) -> None:
    start = await playing.start_session(
        memory_uow, "halvard_relay", player_name="Ines", seed=14, clock=clock
    )
    for step in TO_VECK:
        await playing.take_turn(memory_uow, start.session_id, step, clock=clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        await pilot.press("f4", "f4", "f4")  # the panel's Map tab
        await settle(pilot)
        assert play.query_one(SidePanel).active == "tab-map"
        [door] = map_rows(play, "Docking", "Airlock")
        assert "~#~" in door  # sealed: drawn locked

        await type_text(pilot, "talk to veck about okafor")
        await pilot.press("enter")
        await wait_until(pilot, lambda: play.state is not None and play.state.turn == 4, "told")
        await settle(pilot)
        [door] = map_rows(play, "Docking", "Airlock")
        assert "~#~" not in door and "---" in door  # unsealed: drawn open at once

        for step in ("go southeast", "go south", "go east", "go west"):  # and used
            await type_text(pilot, step)
            await pilot.press("enter")
            await settle(pilot)
        assert play.state is not None and "airlock_two" in play.state.visited
        [door] = map_rows(play, "Docking", "Airlock")
        assert "~#~" not in door and "---" in door
        await type_text(pilot, "map")  # the map command draws the same
        await pilot.press("enter")
        await settle(pilot)
        told = play.log_view.entries_text()[-1]
        [door] = [row for row in told.splitlines() if "Docking" in row and "Airlock" in row]
        assert "~#~" not in door and "---" in door
