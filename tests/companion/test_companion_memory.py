"""The companion in play: answers from the tools, speaks first within limits, and
remembers its player across stories while forgetting what a rewind undid (every store)."""

from __future__ import annotations

from storyai.core import services
from storyai.core.companion.service import RemarkLimits
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


async def test_asking_aria_in_play_answers_from_lore_and_takes_no_turn(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    sid = (await play.start("ember_hollow", player_name="Ash", seed=1)).session_id
    before = await play.history(sid)
    said = await play.act(sid, "ask aria about the village")
    assert [line.speaker for line in said.lines] == ["Aria"]
    assert "forty-one hearths" in said.lines[0].text
    assert await play.history(sid) == before, "talking to the companion takes no turn"
    quests = await play.act(sid, "Aria, what is our quest?")
    assert "Ask Reeve Hesta about the mine" in quests.lines[0].text
    # a world character of that name would be asked instead; Hesta is one
    told = await play.act(sid, "ask hesta about the mine")
    assert all(line.speaker != "Aria" for line in told.lines)


async def test_memory_carries_to_a_second_story_and_a_rewind_forgets_it(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    first = (await play.start("ember_hollow", player_name="Ash", seed=1)).session_id
    await play.act(first, "north")
    await play.act(first, "ask aria about the founders")
    assert [n.text for n in await play.companion.memories(first)] == [
        "You asked me about founders."
    ]
    second = (await play.start("ember_hollow", player_name="Bryn", seed=2)).session_id
    reply = await play.companion.ask(second, "what do you remember of the paw prints?")
    assert reply.bond == 2, "the note of the first story counts in the second"
    assert "paw prints" in reply.text, "what Ash witnessed in the first story is recalled"
    assert "(in '" in reply.text and "Snow has found" not in reply.text
    # rewinding the first story to before the question forgets it there
    await play.rewind(first, 0)
    assert [n.session_id for n in await play.companion.memories(first)] == [second]
    # another player's memory is never this player's
    assert await play.companion.memories(first, user_ref="local")
    other = await play.start_in_channel("c1", "ember_hollow", user_ref="u9", player_name="Cai")
    assert await play.companion.memories(other.session_id, user_ref="u9") == []


async def test_the_companion_speaks_first_at_most_once_a_turn_and_within_limits(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    sid = (await play.start("ember_hollow", player_name="Ash", seed=1)).session_id
    assert await play.companion.remark(sid) is None, "nothing to say before the first turn"
    await play.act(sid, "north")
    first = await play.companion.remark(sid)
    assert first is not None and first.kind == "remark" and "Mine Road" in first.text
    assert await play.companion.remark(sid) is None, "one remark a turn"
    await play.act(sid, "south")
    quiet = RemarkLimits(new_place=False, lethal=False, stalled_after=0)
    assert await play.companion.remark(sid, limits=quiet) is None
    assert await play.companion.remark(sid, limits=RemarkLimits(enabled=False)) is None


async def test_a_world_names_its_own_companion_and_its_lines(uow_factory):
    data = WORLD.model_dump(mode="json", exclude_none=True)
    data["world"]["id"] = "ember_with_bram"
    data["companions"] = {
        "bram": {
            "name": "Bram",
            "personality": "an old miner",
            "lines": {"lore": ["Aye, {name}, I know it: {what}"]},
        }
    }
    from storyai.core.domain.world import World

    world = World.model_validate(data)
    # worlds without companions keep the content (and hash) they had before companions
    assert "companions" not in WORLD.canonical() and "companions" in world.canonical()
    assert World.model_validate(world.canonical()) == world
    await services.install_world(uow_factory, world, source="test")
    play = Play(uow_factory)
    sid = (await play.start("ember_with_bram", player_name="Ash", seed=1)).session_id
    said = await play.act(sid, "ask bram about the village")
    assert said.lines[0].speaker == "Bram"
    assert said.lines[0].text.startswith("Aye, Ash, I know it: Ember Hollow:")
    unknown = await play.act(sid, "ask aria about the village")
    assert all(line.speaker != "Aria" for line in unknown.lines), "Aria is not in this world"


async def test_a_player_never_recalls_what_only_another_player_witnessed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    started = await play.start_in_channel("c1", WORLD.id, user_ref="u1", player_name="Ines")
    sid = started.session_id
    await play.join(sid, user_ref="u2", name="Oskar")
    await play.act(sid, "north")  # Ines, the host, goes alone to the Mine Road
    ines = await play.companion.asker(sid, user_ref="u1")
    oskar = await play.companion.asker(sid, user_ref="u2")
    seen = await play.companion.call(ines, "memory_search", {"query": "paw prints"})
    unseen = await play.companion.call(oskar, "memory_search", {"query": "paw prints"})
    assert seen.found and "paw prints" in seen.found[0].text
    assert unseen.found == ()
    told = await play.companion.ask(sid, "what do you remember of paw prints?", user_ref="u2")
    assert told.text.startswith("I know nothing of paw prints")
