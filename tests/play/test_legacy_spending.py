"""Spending legend points at the start of a new story, as the world's `legacy.buys`
sells: paid once, in the transaction that starts the story, never below zero, never
twice when two stories start at once; on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_legacy import EMBER, finished

from storyai.core import services
from storyai.core.domain.errors import UsageError
from storyai.core.play import Play
from storyai.core.play.legacy import earn
from storyai.core.play.results import TurnResult
from storyai.core.views.legacy import legacy_text, legacy_view


async def test_legend_points_buy_what_the_world_sells_once(uow_factory):
    play, _ = await finished(uow_factory)  # 30 legend points
    offer = await play.legacy_offer("ember_hollow")
    assert offer.legend_points == 30
    assert offer.buys == (
        ("travelling_draught", "A healing draught in your pack", 10),
        ("seasoned", "Seasoned: +3 max HP", 15),
    )
    plain = await play.start("ember_hollow", player_name="Bryn", seed=1)
    bought = await play.start(
        "ember_hollow", player_name="Bryn", seed=1, buys=["travelling_draught", "seasoned"]
    )
    before = plain.state.players[next(iter(plain.state.players))].sheet
    sheet = bought.state.players[next(iter(bought.state.players))].sheet
    assert sheet.count("healing_draught") == before.count("healing_draught") + 1
    assert sheet.max_hp == before.max_hp + 3 and sheet.hp == sheet.max_hp
    profile = await play.profile()
    assert profile.legend_points == 5 and profile.spent == 25
    assert len(profile.stories) == 1, "a spend is not a finished story"
    assert "1 finished story · 5 legend points (25 spent)" in legacy_text(legacy_view(profile))


async def test_what_the_profile_cannot_afford_or_the_world_does_not_sell_is_refused(
    uow_factory,
):
    play, _ = await finished(uow_factory)
    await play.start("ember_hollow", player_name="Bryn", seed=1, buys=["seasoned"])
    with pytest.raises(UsageError, match="costs 25 legend points; your legacy has 15"):
        await play.start(
            "ember_hollow", player_name="Bryn", seed=1, buys=["seasoned", "travelling_draught"]
        )
    with pytest.raises(UsageError, match="once per story"):
        await play.start("ember_hollow", player_name="Bryn", seed=1, buys=["seasoned"] * 2)
    with pytest.raises(UsageError, match="'dragon' is not something this world sells"):
        await play.start("ember_hollow", player_name="Bryn", seed=1, buys=["dragon"])
    other = Play(uow_factory)
    with pytest.raises(UsageError, match="costs 15 legend points; your legacy has 0"):
        await other.start(
            "ember_hollow", player_name="Bryn", seed=1, buys=["seasoned"], user_ref="discord:9"
        )
    assert (await play.profile()).legend_points == 15, "nothing more was spent"


async def test_two_stories_started_at_once_never_spend_the_same_points_twice(uow_factory):
    play, _ = await finished(uow_factory)  # 30: one purchase of 25 fits, two do not

    async def attempt() -> bool:
        try:
            await Play(uow_factory).start(
                "ember_hollow", player_name="Bryn", seed=1, buys=["travelling_draught", "seasoned"]
            )
        except UsageError:
            return False
        return True

    results = await asyncio.gather(attempt(), attempt())
    assert sorted(results) == [False, True]
    profile = await play.profile()
    assert profile.legend_points == 5 and profile.spent == 25


async def test_a_spend_travels_with_an_export_once(uow_factory):
    play, _ = await finished(uow_factory)
    await play.start("ember_hollow", player_name="Bryn", seed=1, buys=["seasoned"])
    document = await play.export_profile()
    assert await play.import_profile(document) == 0
    assert await play.import_profile(document, "discord:3") == 2
    assert await play.import_profile(document, "discord:3") == 0
    assert (await play.profile("discord:3")).legend_points == 15


@settings(max_examples=30, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("end"), st.integers(0, 2)),
            st.tuples(
                st.just("buy"),
                st.lists(st.sampled_from(["seasoned", "travelling_draught", "x"]), max_size=3),
            ),
            st.tuples(st.just("import"), st.just(0)),
        ),
        max_size=10,
    )
)
def test_no_sequence_of_endings_purchases_and_imports_spends_beyond_the_rules(steps):
    from storyai.core.storage.memory import InMemoryStore

    async def run() -> None:
        store = InMemoryStore()
        await services.install_world(store.unit_of_work, EMBER, source="bundled")
        play = Play(store.unit_of_work)
        stories = [await play.start("ember_hollow", player_name=f"P{s}", seed=s) for s in range(3)]
        earned = spent = 0
        paid: set[str] = set()
        for kind, arg in steps:
            if kind == "end":
                story = stories[arg]
                state = story.state.model_copy(update={"ending": "the_long_thaw"})
                stored = await earn(play.deps, TurnResult(story.session_id, 1, [], [], state, []))
                if story.session_id not in paid:
                    paid.add(story.session_id)
                    earned += stored[0].data["legend_points"]
                else:
                    assert stored == []
            elif kind == "buy":
                cost = sum({"seasoned": 15, "travelling_draught": 10}.get(b, 0) for b in arg)
                ok = len(set(arg)) == len(arg) and "x" not in arg and cost <= earned - spent
                try:
                    await play.start("ember_hollow", player_name="B", seed=1, buys=arg or None)
                except UsageError:
                    assert not ok
                else:
                    assert ok or not arg
                    spent += cost if arg else 0
            else:
                await play.import_profile(await play.export_profile(), "discord:2")
            profile = await play.profile()
            assert profile.legend_points == earned - spent >= 0
            assert (await play.profile("discord:2")).legend_points <= earned

    asyncio.run(run())


async def test_a_follower_joins_a_later_story_once_when_the_world_accepts_them(uow_factory):
    play, _ = await finished(uow_factory)  # Sister Wren became a follower
    offer = await play.legacy_offer("ember_hollow")
    assert offer.followers == (("wren", "Sister Wren"),)
    plain = await play.start("ember_hollow", player_name="Bryn", seed=1)
    assert plain.state.npcs["wren"].location != EMBER.start.location, "nothing silently"
    joined = await play.start(
        "ember_hollow", player_name="Bryn", seed=1, followers=["Sister Wren", "wren"]
    )
    wren = joined.state.npcs["wren"]
    assert wren.location == EMBER.start.location and wren.attitude == "friendly"
    assert sum(1 for n in joined.state.npcs if n == "wren") == 1
    assert "Sister Wren" in " ".join(line.text for line in joined.lines)  # told arriving
    with pytest.raises(UsageError, match="'Reeve Hesta' is not a follower of yours"):
        await play.start("ember_hollow", player_name="Bryn", seed=1, followers=["Reeve Hesta"])
    with pytest.raises(UsageError, match="not a follower"):
        await Play(uow_factory).start(
            "ember_hollow", player_name="B", seed=1, followers=["wren"], user_ref="discord:4"
        )
