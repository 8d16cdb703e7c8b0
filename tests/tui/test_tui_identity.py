"""The creation screen's identity fields and background tables, as a player uses them."""

from __future__ import annotations

import playing
from textual.widgets import Input, Select
from tui_helpers import screen_text, settle, still

from storyai.tui.screens.create import CreateScreen
from storyai.tui.screens.level_up import LevelUpScreen
from storyai.tui.screens.play import PlayScreen
from storyai.tui.screens.powers import PowersScreen


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


# ------------------------------------------------------------------ level up

LEVEL_UP = [  # Ember Hollow, seed 20: the deep door's milestone and the dead miner reach level 2
    "talk to hesta about mine", "go north", "attack wolf", "attack wolf", "attack wolf", "rest",
    "go north", "go north", "talk to grikka about heat", "go east", "take ledger", "use ledger",
    "go west", "rest", "say kindle", "go down", "attack skeleton", "attack skeleton",
    "attack skeleton", "attack skeleton",
]  # fmt: skip


async def at_level_up(memory_uow, clock):
    """Wren the sellsword (Ember Hollow, seed 20) with a level-up waiting."""
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", archetype="sellsword", seed=20, clock=clock
    )
    for text in LEVEL_UP:
        await playing.take_turn(memory_uow, start.session_id, text, clock=clock)
    return start


async def test_the_level_up_screen_offers_the_choice_and_plays_it(
    make_app, memory_uow, clock, snapshot
):
    start = await at_level_up(memory_uow, clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.state is not None
        assert play.state.choices[0].command == "improve"
        strength = dict((s.key, s.value) for s in play.view.sheet.scores)["str"]
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, LevelUpScreen)
        shown = screen_text(app)
        assert "New: Action Surge (power: Action Surge) Once between" in shown  # level 2's
        await pilot.press("space")  # marks the first ability: STR
        await settle(pilot)
        await still(pilot)
        snapshot(app, "level_up")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await still(pilot)
        assert app.screen is play and play.view is not None
        assert dict((s.key, s.value) for s in play.view.sheet.scores)["str"] == strength + 2
        assert all(c.command != "improve" for c in play.state.choices)
        await pilot.press("f7")  # nothing is waiting now: a notice, no screen
        await settle(pilot)
        assert app.screen is play


async def test_the_powers_screen_shows_costs_and_readiness_and_aims_a_power(
    make_app, memory_uow, clock, snapshot
):
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", archetype="sellsword", seed=2, clock=clock
    )
    for text in ("use stone sense", "use hearth ward"):
        await playing.take_turn(memory_uow, start.session_id, text, clock=clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, PowersScreen)
        await still(pilot)
        snapshot(app, "powers")
        await pilot.press("enter")  # Ember Touch, the first: aimed on the command line
        await settle(pilot)
        assert app.screen is play
        assert play.command.value == "use ember touch on "


async def test_the_title_screen_shows_the_legacy_a_finished_story_earned(
    make_app, memory_uow, clock
):
    from storyai.core.worlds.bundled import bundled_world_paths
    from storyai.core.worlds.validate import load_world

    world = load_world(bundled_world_paths()["ember_hollow"])
    test = next(t for t in world.playtests if t.expect.ending == "the_long_thaw_remembered")
    app = make_app(memory_uow)
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Mira", seed=test.seed, clock=clock
    )
    for text in test.inputs:
        await app.deps.play.act(start.session_id, text)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one("#legacy-line").render())
        assert line == (
            "Legacy: 1 finished story · 30 legend points · Friend of the Hollow, Little Warden"
        )


async def test_the_sheet_panel_shows_reputation_per_faction(make_app, memory_uow):
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Mira", seed=1)
    await playing.take_turn(memory_uow, start.session_id, "talk to hesta about mine")
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await still(pilot)
        shown = screen_text(app)  # the panel wraps the line beside the log
        assert "Reputation: The Hollowfolk +10, The" in shown
        assert "Sootfoot Goblins +0" in shown


async def test_the_level_up_screen_takes_a_specialization_in_place_of_the_improvement(
    make_app, memory_uow, clock
):
    start = await at_level_up(memory_uow, clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        play = app.screen
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LevelUpScreen)
        assert screen.query_one("#spec-ember_adept").disabled  # needs level 4 and the warden
        await pilot.click("#spec-deep_warden")
        await settle(pilot)
        await still(pilot)
        assert app.screen is play and play.view is not None
        assert dict(play.view.sheet.standing)["Specializations"] == "Deep Warden"
        assert all(c.command != "improve" for c in play.state.choices)


async def test_creation_offers_the_legacy_and_brings_only_what_is_ticked(
    make_app, memory_uow, clock
):
    from textual.widgets import Checkbox

    from storyai.core.worlds.bundled import bundled_world_paths
    from storyai.core.worlds.validate import load_world

    world = load_world(bundled_world_paths()["ember_hollow"])
    test = next(t for t in world.playtests if t.expect.ending == "the_long_thaw_remembered")
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Mira", seed=test.seed, clock=clock
    )
    seeded = make_app(memory_uow)
    for text in test.inputs:
        await seeded.deps.play.act(start.session_id, text)
    app = make_app(memory_uow, world_id="ember_hollow")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreateScreen)
        labels = [str(box.label) for box in create.query(Checkbox)]
        assert labels == [
            "A healing draught in your pack (10 LP)",
            "Seasoned: +3 max HP (15 LP)",
            "Follower: Sister Wren",
            "Heirloom: everwarm_coal",
        ]
        create.query_one("#name", Input).value = "Bryn"
        create.query_one("#legacy-buy-seasoned", Checkbox).value = True
        create.query_one("#legacy-follower-wren", Checkbox).value = True
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await still(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.state is not None
        assert play.state.npcs["wren"].location == world.start.location
        sheet = next(iter(play.state.players.values())).sheet
        assert sheet.count("everwarm_coal") == 0, "not ticked, not brought"
        profile = await app.deps.play.profile()
        assert profile.spent == 15 and profile.legend_points == 15


async def test_a_percentile_character_takes_a_specialization_on_the_same_screen(
    make_app, memory_uow, clock
):
    from storyai.core.worlds.bundled import bundled_world_paths
    from storyai.core.worlds.validate import load_world

    world = load_world(bundled_world_paths()["halvard_relay"])
    test = next(t for t in world.playtests if t.picks == ["forensic eye"])
    start = await playing.start_session(
        memory_uow, "halvard_relay", player_name="Tester", seed=test.seed, clock=clock
    )
    for text in test.inputs[: test.inputs.index("long rest") + 1]:
        await playing.take_turn(memory_uow, start.session_id, text, clock=clock)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.state is not None
        assert play.state.choices[0].text == "Choose your specialization"
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LevelUpScreen)
        shown = screen_text(app)
        assert "Tester has grown — choose a specialization" in shown
        assert "Forensic Eye — Spot Hidden +5%, Psychology +5%" in shown
        assert "Station Rat — needs Mechanical Repair 70%" in shown
        assert not screen.query("#level-up-options")  # no abilities to raise here
        await pilot.click("#spec-forensic_eye")
        await settle(pilot)
        await still(pilot)
        assert app.screen is play and play.view is not None
        assert dict(play.view.sheet.standing)["Specializations"] == "Forensic Eye"
        assert all(c.command != "improve" for c in play.state.choices)
