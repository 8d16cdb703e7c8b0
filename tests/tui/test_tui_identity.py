"""The creation screen's identity fields and background tables, as a player uses them."""

from __future__ import annotations

from textual.widgets import Input, Select
from tui_helpers import settle, still

from storyai.tui.screens.create import CreateScreen
from storyai.tui.screens.play import PlayScreen


async def test_a_typed_title_and_a_picked_background_reach_the_sheet(make_app, memory_uow):
    app = make_app(memory_uow, world_id="ember_hollow")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreateScreen)
        create.query_one("#name", Input).value = "Mira"
        create.query_one("#identity-title", Input).value = "the Lamplighter"
        create.query_one("#identity-fears", Input).value = "deep water; the dark"
        upbringing = create.query_one("#background-upbringing", Select)
        assert upbringing.prompt == "Upbringing: roll"
        upbringing.value = "orphan"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await still(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.view is not None
        facts = dict(play.view.sheet.identity)
        assert facts["Title"] == "the Lamplighter"
        assert facts["Fears"] == "deep water; the dark"
        assert facts["Origin"].startswith("a foundling of the Hollow")
        assert "Kin" not in facts and "Family" in facts  # the kin table was rolled
        state, _ = await play.service.state(play.session_id)
        assert state.quests["foundling"].status == "active"


async def test_more_than_five_goals_keep_the_first_five(make_app, memory_uow):
    app = make_app(memory_uow, world_id="halvard_relay")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreateScreen)
        assert len(create.query("#backgrounds Select")) == len(create.creation.backgrounds) > 0
        create.query_one("#name", Input).value = "Ines"
        create.query_one("#identity-goals", Input).value = "; ".join(["g"] * 6)
        await pilot.press("ctrl+s")
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.view is not None
        assert dict(play.view.sheet.identity)["Goals"] == "; ".join(["g"] * 5)  # at most five
