"""Legacy across stories, on memory, SQLite and PostgreSQL: a story's ending earns a
profile its legacy once; rewinding and ending again, or two tellers at once, never
duplicate it; a profile round-trips through a file; only what is picked carries over."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.core import services
from storyai.core.domain.errors import UsageError
from storyai.core.play import Play
from storyai.core.play.legacy import earn
from storyai.core.views.legacy import legacy_text, legacy_view
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

EMBER = load_world(bundled_world_paths()["ember_hollow"])
REMEMBERED = next(t for t in EMBER.playtests if t.expect.ending == "the_long_thaw_remembered")


async def finished(uow_factory, user_ref: str = "local") -> tuple[Play, str]:
    await services.install_world(uow_factory, EMBER, source="bundled")
    play = Play(uow_factory)
    start = await play.start(
        "ember_hollow", player_name="Mira", seed=REMEMBERED.seed, user_ref=user_ref
    )
    for text in REMEMBERED.inputs:
        result = await play.act(start.session_id, text)
    assert result.ended == "the_long_thaw_remembered"
    return play, start.session_id


async def test_an_ending_earns_the_profile_its_legacy_once(uow_factory):
    play, sid = await finished(uow_factory)
    profile = await play.profile()
    assert [s.ending for s in profile.stories] == ["the_long_thaw_remembered"]
    ids = [a.id for a in profile.achievements]
    assert ids == ["first_ending", "ember_hollow.remembered"]
    assert profile.legend_points == 10 + 5 + 15
    assert profile.titles == ("Friend of the Hollow", "Little Warden")  # achievement, story
    assert [h.item for h in profile.heirlooms] == ["everwarm_coal"]
    assert profile.followers == ("Sister Wren",)
    assert (await play.profile("discord:1")).stories == ()  # another profile earned nothing
    text = legacy_text(legacy_view(profile))
    assert text.startswith("Legacy: 1 finished story · 30 legend points · Friend of the Hollow")

    # rewinding to before the ending and ending again, on a new branch, earns nothing more
    history = await play.history(sid)
    last_turn = max(e.turn for e in history)
    await play.rewind(sid, last_turn - 1)
    again = await play.act(sid, "confirm")
    assert again.ended == "the_long_thaw_remembered"
    assert (await play.profile()) == profile


async def test_two_tellers_settling_the_same_ending_at_once_store_it_once(uow_factory):
    play, sid = await finished(uow_factory, user_ref="555")
    state, _ = await play.state(sid)
    before = await play.profile("discord:555")
    assert len(before.stories) == 1
    from storyai.core.play.results import TurnResult

    result = TurnResult(sid, state.turn, [], [], state, [])
    stored = await asyncio.gather(earn(play.deps, result), earn(play.deps, result))
    assert stored == [[], []]
    assert await play.profile("discord:555") == before


async def test_a_profile_round_trips_through_a_file_and_imports_only_what_it_lacks(
    uow_factory, tmp_path
):
    play, _ = await finished(uow_factory)
    document = await play.export_profile()
    path = tmp_path / "legacy.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    read = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert await play.import_profile(read, "discord:9") == 1
    assert await play.import_profile(read, "discord:9") == 0
    moved, here = await play.profile("discord:9"), await play.profile()
    assert moved.stories == here.stories and moved.legend_points == here.legend_points
    with pytest.raises(UsageError, match="not a Story AI profile"):
        await play.import_profile({"records": []}, "discord:9")
    with pytest.raises(UsageError, match="Record 1"):
        await play.import_profile({"format": 1, "records": [{"story_id": "x"}]}, "discord:9")


async def test_only_the_heirlooms_and_titles_picked_and_accepted_carry_over(uow_factory):
    play, _ = await finished(uow_factory)
    offer = await play.legacy_offer("ember_hollow")
    assert offer.heirlooms == ("everwarm_coal",) and offer.titles == (
        "Friend of the Hollow",
        "Little Warden",
    )
    plain = await play.start("ember_hollow", player_name="Bryn", seed=1)
    assert "everwarm_coal" not in next(iter(plain.state.players.values())).sheet.inventory
    heir = await play.start(
        "ember_hollow",
        player_name="Cass",
        seed=1,
        heirlooms=["everwarm_coal"],
        legacy_title="Friend of the Hollow",
    )
    sheet = next(iter(heir.state.players.values())).sheet
    assert sheet.inventory["everwarm_coal"] == 1
    assert sheet.identity is not None and sheet.identity.title == "Friend of the Hollow"
    with pytest.raises(UsageError, match="not an heirloom this story accepts"):
        await play.start("ember_hollow", player_name="Dai", heirlooms=["longsword"])
    with pytest.raises(UsageError, match="no title 'Queen'"):
        await play.start("ember_hollow", player_name="Dai", legacy_title="Queen")
    with pytest.raises(UsageError, match="not an heirloom"):  # a profile with no legacy
        await play.start(
            "ember_hollow", player_name="Eli", user_ref="77", heirlooms=["everwarm_coal"]
        )


# ------------------------------------------------------------------ property

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("end"), st.integers(0, 2), st.sampled_from(["the_long_thaw", "__death"])),
        st.tuples(st.just("again"), st.integers(0, 2), st.sampled_from(["the_warm_chains"])),
        st.tuples(st.just("roundtrip"), st.just(0), st.just("")),
        st.tuples(st.just("import_into_other"), st.just(0), st.just("")),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(steps=STEPS)
def test_no_sequence_of_endings_rewinds_or_imports_pays_legacy_beyond_the_rules(steps):
    """Endings on any branch, again and again, exports and imports: each story pays its
    profile once, what the rules say for the first ending it reached."""
    from storyai.core.play.results import TurnResult
    from storyai.core.storage.memory import InMemoryStore

    async def run() -> None:
        store = InMemoryStore()
        await services.install_world(store.unit_of_work, EMBER, source="bundled")
        play = Play(store.unit_of_work)
        stories = []
        for seed in range(3):
            started = await play.start("ember_hollow", player_name=f"P{seed}", seed=seed)
            stories.append(started)
        first_paid: dict[str, int] = {}
        for kind, index, ending in steps:
            if kind in ("end", "again"):
                story = stories[index]
                state = story.state.model_copy(update={"ending": ending})
                stored = await earn(play.deps, TurnResult(story.session_id, 1, [], [], state, []))
                if story.session_id in first_paid:
                    assert stored == [], "a story pays once"
                else:
                    assert len(stored) == 1
                    first_paid[story.session_id] = stored[0].data["legend_points"]
            elif kind == "roundtrip":
                assert await play.import_profile(await play.export_profile()) == 0
            else:
                await play.import_profile(await play.export_profile(), "discord:2")
            profile = await play.profile()
            assert len(profile.stories) == len(first_paid)
            assert profile.legend_points == sum(first_paid.values())
            assert profile.legend_points <= len(first_paid) * (10 + 5 + 10)  # ending + built-ins
            other = await play.profile("discord:2")
            assert other.legend_points <= profile.legend_points

    asyncio.run(run())
