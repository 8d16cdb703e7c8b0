"""The companion's tools answer only from what the player's character may know: GM-only
lore, unlearned known-by lore and characters' secrets never reach a player-scoped
answer (Hypothesis over worlds given secrets under random keywords)."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core import services
from storyai.core.companion import tools as t
from storyai.core.domain.world import World
from storyai.core.engine.turn import initial_state
from storyai.core.play import Play
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

BASE = load_world(bundled_world_paths()["ember_hollow"])
WORDS = ["mine", "village", "hesta", "goblin", "door", "stone", "forge", "heart", "cinder", "snow"]
INPUTS = ["look", "north", "south", "talk to hesta", "ask hesta about the mine", "take emberstone"]


def with_secrets(keywords: list[str], marker: str) -> World:
    data = BASE.model_dump(mode="json", exclude_none=True)
    for i, word in enumerate(keywords):
        data["lore"][f"secret_{i}"] = {
            "title": f"Hidden {marker}{i}",
            "keywords": [word],
            "text": f"The truth {marker}{i} about the {word}.",
            "visibility": "gm-only",
        }
        data["lore"][f"private_{i}"] = {
            "title": f"Private {marker}p{i}",
            "keywords": [word],
            "text": f"Only Hesta knows {marker}p{i} about the {word}.",
            "visibility": "known-by",
            "known_by": ["hesta"],
        }
    for cid in data["characters"]:
        data["characters"][cid]["secrets"] = [f"{cid} hides {marker}s"]
    return World.model_validate(data)


async def every_answer(world: World, inputs: list[str], questions: list[str]) -> tuple[str, str]:
    store = InMemoryStore()
    await services.install_world(store.unit_of_work, world, source="test")
    play = Play(store.unit_of_work)
    sid = (await play.start(world.id, player_name="Ash", seed=3)).session_id
    for text in inputs:
        await play.act(sid, text)
    companion = play.companion
    asker = await companion.asker(sid)
    out = []
    for q in questions:
        for name, args in (
            ("memory_search", {"query": q}),
            ("lore_lookup", {"topic": q}),
            ("relationship_map", {}),
            ("quest_tracker", {}),
            ("power_analyzer", {}),
            ("story_predictor", {}),
        ):
            out.append(json.dumps((await companion.call(asker, name, args)).as_dict()))
        out.append((await companion.ask(sid, q)).text)
        said = await play.act(sid, f"ask aria about {q}")
        out += [line.text for line in said.lines]
    out += [json.dumps(line) for line in await companion.transcript(asker, 20)]
    gm = t.Asker(asker.session_id, asker.player_id, asker.player_key, gm=True)
    gm_view = json.dumps(
        (await companion.call(gm, "lore_lookup", {"topic": questions[0]})).as_dict()
    )
    return "\n".join(out), gm_view


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keywords=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True),
    inputs=st.lists(st.sampled_from(INPUTS), max_size=4),
    extra=st.lists(st.sampled_from(WORDS), min_size=0, max_size=2),
)
def test_no_player_scoped_answer_reveals_a_secret(keywords, inputs, extra):
    marker = "ZQX"
    world = with_secrets(keywords, marker)
    answers, gm_view = asyncio.run(every_answer(world, inputs, [keywords[0], *extra]))
    assert marker not in answers
    assert f"{marker}0" in gm_view, "the GM does see the secret the player may not"


def test_lore_the_character_learned_is_known_and_public_lore_always():
    world = with_secrets(["heart"], "ZQX")
    state_words = t.lore_lookup(world, _state(world, learned=["heartstone"]), "heartstone")
    assert [f.id for f in state_words.facts] == ["heartstone"]
    assert state_words.facts[0].how_known == "you learned it"
    assert not t.lore_lookup(world, _state(world, learned=[]), "heartstone").facts
    village = t.lore_lookup(world, _state(world, learned=[]), "the village")
    assert "ember_hollow" in [f.id for f in village.facts]
    assert {f.how_known for f in village.facts} == {"common knowledge"}


def _state(world: World, learned: list[str]):
    state = initial_state(world)
    state.lore_known = list(learned)
    return state
