"""`lore why` and `lore lint` on the bundled worlds, with the game master's own triggering."""

from __future__ import annotations

import pytest

from storyai.core.domain.world import LoreEntry
from storyai.core.memory.lore_tools import lint, search_lore, transcript_inputs, why
from storyai.core.memory.tokens import default_tokenizer
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

COUNT = default_tokenizer().count
WORLDS = {name: load_world(path) for name, path in bundled_world_paths().items()}


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_every_entry_fires_on_its_own_keyword_and_the_rest_say_why_not(name: str) -> None:
    world = WORLDS[name]
    for lore_id, entry in world.lore.items():
        step = why(world, [f"I ask about {entry.keywords[0]}"], count=COUNT).steps[0]
        hit = next(h for h in step.fired if h.id == lore_id)
        assert f"'{entry.keywords[0]}' in your action" in hit.why or "in the scene" in hit.why
        if entry.visibility == "gm-only":
            assert hit.status in ("secret", "over budget")
        fired = {h.id for h in step.fired}
        assert {m.id for m in step.not_fired} == set(world.lore) - fired
        assert all("no keyword" in m.reason for m in step.not_fired)
        assert step.used <= step.budget


def test_earlier_inputs_of_a_transcript_count_as_the_last_turns() -> None:
    world = WORLDS["ember_hollow"]
    inputs = transcript_inputs("# My story\n> tell me of the founders\n\n> and then?\n")
    assert inputs == ["tell me of the founders", "and then?"]
    steps = why(world, inputs, count=COUNT).steps
    later = next(h for h in steps[1].fired if h.id == "the_founders")
    assert later.why == "'founders' in input 1"


def test_lint_finds_entries_that_never_fire_or_never_fit() -> None:
    world = WORLDS["ember_hollow"].model_copy(deep=True)
    assert [i for i in lint(world, count=COUNT) if i.severity == "error"] == []
    world.lore["huge"] = LoreEntry(title="Huge", keywords=["huge"], text="word " * 2000)
    world.lore["mute"] = LoreEntry(title="Mute", keywords=["  ", "!!"], text="Never.")
    world.lore["lonely"] = LoreEntry(
        title="Lonely", keywords=["lonely"], text="x", visibility="known-by", known_by=["nobody"]
    )
    errors = {
        (i.id, i.message.split(":")[0]) for i in lint(world, count=COUNT) if i.severity == "error"
    }
    assert any(i == "huge" and "over the lore budget of 600" in m for i, m in errors)
    assert any(i == "mute" for i, _ in errors)
    assert ("lonely", "known_by names unknown characters") in errors


def test_search_leaves_out_secrets_for_players() -> None:
    world = WORLDS["ember_hollow"]
    assert "the_binding" in [lid for lid, _ in search_lore(world, "nail")]
    assert "the_binding" not in [lid for lid, _ in search_lore(world, "nail", gm=False)]
