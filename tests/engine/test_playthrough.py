"""Each bundled world played from its opening to an ending through the services,
on the in-memory store, SQLite and PostgreSQL."""

from __future__ import annotations

import json

import playing
import pytest
from walkthrough import EMBER, HALVARD, bundled, hero, play

from storyai.core import services
from storyai.core.storage.memory import InMemoryStore

CASES = [
    ("ember_hollow", "the_long_thaw", EMBER["the_long_thaw"], 3, "cold_hearths"),
    ("halvard_relay", "sealed_report", HALVARD["sealed_report"], 3, "dead_air"),
]


@pytest.mark.parametrize(("world_id", "ending", "steps", "seed", "main_quest"), CASES)
async def test_bundled_world_played_to_an_ending(
    storage, world_id, ending, steps, seed, main_quest
):
    uow = storage.uow_factory
    await services.install_world(uow, bundled(world_id))
    opening = await playing.start_session(uow, world_id, player_name="Ash", seed=seed)
    assert opening.lines[0].kind == "heading"
    assert opening.choices, "the opening offers numbered choices"

    result = await play(uow, opening.session_id, steps)

    assert result.ended == ending
    assert any(line.kind == "ending" for line in result.lines)
    assert result.state.quests[main_quest].status == "done"
    # The ending is stored: a fresh load of the session sees it, and the story refuses to go on.
    resumed = await playing.resume(uow, opening.session_id)
    assert resumed.state.ending == ending
    after = await playing.take_turn(uow, opening.session_id, "go north")
    assert "This story has ended" in after.lines[0].text
    assert after.state.ending == ending and hero(after).location == hero(result).location

    markdown = await playing.transcript(uow, opening.session_id)
    assert markdown.startswith("# ") and f"**Ash** (turn 1): {steps[0]}" in markdown
    events = json.loads(await playing.transcript(uow, opening.session_id, "json"))["events"]
    assert [e["kind"] for e in events].count("player_action") == result.state.turn + 1
    assert any(e["kind"] == "ending_reached" and e["payload"]["ending"] == ending for e in events)
    assert all(e["actor"] for e in events), "every event names its actor"


@pytest.mark.parametrize(
    ("world_id", "ending", "steps", "seed"),
    [
        ("ember_hollow", "the_warm_chains", EMBER["the_warm_chains"], 5),
        ("halvard_relay", "open_channel", HALVARD["open_channel"], 3),
    ],
)
async def test_other_endings_are_reachable(world_id, ending, steps, seed):
    """The other endings, on the in-memory store (the runs above cover the databases)."""
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, bundled(world_id))
    start = await playing.start_session(uow, world_id, player_name="Ash", seed=seed)
    assert (await play(uow, start.session_id, steps)).ended == ending
