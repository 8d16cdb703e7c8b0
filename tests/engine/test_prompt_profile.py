"""The prompt profile: a compact prompt and reply for small local models, chosen by the
context window the server reports, with budgets that fit that window."""

from __future__ import annotations

import itertools
import json

import playing
import pytest
from ai_helpers import echo, section, start
from walkthrough import bundled

from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.llm.schemas import without_bounds
from storyai.core.memory.compact import brief_bible
from storyai.core.memory.context import Budgets
from storyai.core.memory.sizing import COMPACT_AT, Sizer, Sizing, choose_profile, fit_budgets
from storyai.core.memory.tokens import default_tokenizer
from storyai.core.narrators.ai import MAX_TOKENS_COMPACT, AINarrator
from storyai.core.narrators.compact_schema import COMPACT_REPLY_SCHEMA, COMPACT_WORST_CHARS
from storyai.core.narrators.schema import REPLY_SCHEMA
from storyai.core.play.telling import CHAPTER_TURNS
from storyai.core.storage.memory import InMemoryStore


def compact_reply(narrative: str, **changes) -> str:
    return json.dumps(
        {
            "narrative": narrative,
            "choices": [{"id": "a", "text": "Look around"}],
            "state_changes": {"location": None, "items": [], "quests": [], **changes},
        }
    )


def narrator_with(sizer: Sizer, default=echo) -> tuple[AINarrator, ScriptedModel]:
    model = ScriptedModel(name="small", default=default)
    router = Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]})
    return AINarrator(router, sizer=sizer), model


def test_auto_picks_compact_for_a_small_window_and_settings_win():
    assert choose_profile("auto", 4096) == "compact"
    assert choose_profile("auto", COMPACT_AT) == "compact"
    assert choose_profile("auto", 32768) == "full"
    assert choose_profile("auto", None) == "full"  # unknown: what a cloud model gets
    assert choose_profile("full", 2048) == "full"
    assert choose_profile("compact", None) == "compact"


def test_budgets_shrink_to_fit_the_window_with_the_reply():
    budgets = Sizing("full", 4096).budgets(reply_tokens=800)
    assert budgets.total <= (4096 - 800) * 0.8
    assert budgets.recent < Budgets().recent and budgets.world < Budgets().world
    assert Sizing("full", 128_000).budgets(800) == Budgets()  # never grown past the defaults
    assert fit_budgets(Budgets(), 10**6) == Budgets()


def test_the_compact_reply_is_the_full_one_cut_down():
    props = COMPACT_REPLY_SCHEMA["properties"]
    assert list(props) == ["narrative", "choices", "state_changes"]
    assert COMPACT_REPLY_SCHEMA["required"] == list(props)
    assert list(props["state_changes"]["properties"]) == ["location", "items", "quests"]
    full_narrative = REPLY_SCHEMA["properties"]["narrative"]
    assert props["narrative"]["type"] == full_narrative["type"]
    assert props["narrative"]["maxLength"] < full_narrative["maxLength"]
    # and no empty narrative: a grammar makes a small model write a sentence at least
    assert props["narrative"]["minLength"] >= 20
    assert "minLength" not in without_bounds(COMPACT_REPLY_SCHEMA)["properties"]["narrative"]
    # a grammar keeps even a rambling model's reply inside the compact token cap
    # (about 3 characters a token at worst, keys and punctuation included)
    assert 3 * min(MAX_TOKENS_COMPACT.values()) >= COMPACT_WORST_CHARS + 200
    assert "media_hints" in REPLY_SCHEMA["properties"]  # the full one is untouched


async def test_a_small_window_gets_a_compact_prompt_that_keeps_the_world_and_its_limits():
    uow = InMemoryStore().unit_of_work
    full, full_model = narrator_with(Sizer("full"))
    small, small_model = narrator_with(
        Sizer("auto", detect=_window(4096)), default=lambda r: compact_reply("The snow falls.")
    )
    opening_full = await start(uow, full)
    await playing.take_turn(uow, opening_full.session_id, "look", narrator=full)
    opening = await start(uow, small)
    result = await playing.take_turn(uow, opening.session_id, "look", narrator=small)

    big, compact = full_model.requests[-1], small_model.requests[-1]
    assert compact.schema == COMPACT_REPLY_SCHEMA and big.schema == REPLY_SCHEMA
    assert compact.max_tokens < big.max_tokens
    tokens = sum(s.tokens for s in compact.sections)
    assert tokens < 0.6 * sum(s.tokens for s in big.sections)
    assert tokens <= (4096 - compact.max_tokens) * 0.8
    names = [s.name for s in compact.sections]
    assert names[:2] == ["rules", "world"] and names[-1] == "input"  # stable first
    world = section(compact, "world")
    assert "Never include:" in world and "village_square" in world and "hesta" in world
    prompt = "\n".join(s.text for s in compact.sections)
    assert "Ash" in world
    for opened in (opening, opening_full):
        for player_id in (await playing.resume(uow, opened.session_id)).state.players:
            assert player_id not in prompt  # player characters by name, never by id
    assert '"state_changes": {"location": null, "items": [], "quests": []}' in section(
        compact, "rules"
    )
    assert "The snow falls." in " ".join(line.text for line in result.lines)


async def test_a_compact_reply_moves_the_player_like_a_full_one():
    uow = InMemoryStore().unit_of_work
    narrator, _ = narrator_with(
        Sizer("compact"),
        default=lambda r: compact_reply("You walk into the tavern.", location="tavern"),
    )
    opening = await start(uow, narrator)
    result = await playing.take_turn(
        uow, opening.session_id, "walk to the tavern", narrator=narrator
    )
    assert result.state.players[next(iter(result.state.players))].location == "tavern"


async def test_a_server_that_does_not_say_is_asked_again_then_left_unknown():
    asked = []

    async def silent():
        asked.append(1)
        return None, ""

    sizer = Sizer("auto", detect=silent, tries=2)
    assert (await sizer.resolve()).profile == "full"
    assert (await sizer.resolve()).window is None
    await sizer.resolve()
    assert len(asked) == 2


async def test_a_configured_window_needs_no_server():
    sizer = Sizer("auto", window=4096, detect=_window(128_000))
    sizing = await sizer.resolve()
    assert (sizing.profile, sizing.window, sizing.source) == ("compact", 4096, "config")


@pytest.mark.parametrize("setting", ["full", "compact"])
async def test_a_server_that_fails_leaves_the_configured_profile(setting):
    async def broken():
        raise OSError("connection refused")

    assert (await Sizer(setting, detect=broken).resolve()).profile == setting


def _window(n: int):
    async def detect():
        return n, "test"

    return detect


async def test_a_calibration_that_moves_a_little_keeps_the_prompt_byte_stable():
    """The server's prompt cache reuses the prefix only if the budgets hold still."""
    uow = InMemoryStore().unit_of_work
    long = " ".join(f"Snow falls on roof {n}." for n in range(20))  # ~100 tokens a turn
    narrator, _ = narrator_with(Sizer("compact"), default=lambda r: compact_reply(long))
    seen = []
    original = narrator.prompt_for

    def recording(request, sizing=None):
        seen.append(request)
        return original(request, sizing)

    narrator.prompt_for = recording  # type: ignore[method-assign]
    opening = await start(uow, narrator)
    for _ in range(7):  # enough to fill the recent turns' budget, not to close a chapter
        await playing.take_turn(uow, opening.session_id, "look", narrator=narrator)
    key = narrator._calibration_key()
    texts = []
    for factor in (1.15, 1.2, 1.24):  # unrounded, the recent turns would keep 3, then 2
        narrator.calibration.factors[key] = factor
        texts.append([s.text for s in original(seen[-1]).sections])
    assert texts[0] == texts[1] == texts[2]
    narrator.calibration.factors[key] = 2.0
    assert [s.text for s in original(seen[-1]).sections] != texts[0]  # the budget did bind


async def test_a_compact_prompt_keeps_what_changes_every_turn_short_and_extends_the_last_one():
    """A small local server reads anew, each turn, what the previous prompt did not end
    with: the newest turn and what changes every turn (lore, scene, input). So the
    compact prompt tells fired lore in one sentence each, and its recent turns only grow
    from one chapter's close to the next: each prompt starts with the previous one up to
    its recent turns, except at a chapter's close."""
    uow = InMemoryStore().unit_of_work
    told = "The square is quiet. Hesta counts the cold stones again."
    narrator, model = narrator_with(
        Sizer("compact"), default=lambda r: echo(r) if r.task == "summary" else compact_reply(told)
    )
    opening = await start(uow, narrator)
    texts = [
        "talk to hesta about the village",  # fires lore of several sentences
        *[f"wander the square {n}" for n in range(2 * CHAPTER_TURNS + 2)],
    ]
    for text in texts:
        await playing.take_turn(uow, opening.session_id, text, narrator=narrator)
    state = (await playing.resume(uow, opening.session_id)).state
    narrations = [r for r in model.requests if r.task == "narration"]

    lore = section(narrations[1], "lore").splitlines()[1:]
    assert lore, "no lore fired: the test means nothing"
    for line in lore:
        said = line.split(": ", 1)[1]
        assert said.count(". ") == 0 and said.endswith((".", "!", "?", "…")), line
        assert "fired by" not in said  # why it fired is in the trace, not the prompt

    stable, closes = 0, []
    for n, (before, after) in enumerate(itertools.pairwise(narrations), 1):
        cached = "\n\n".join(
            s.text for s in before.sections if s.name in ("rules", "world", "summaries", "recent")
        )
        if "\n\n".join(s.text for s in after.sections).startswith(cached):
            stable += 1
        elif section(before, "summaries") != section(after, "summaries"):
            closes.append(n)
    assert len(state.chapters) == 2
    assert len(closes) == 2 and stable == len(narrations) - 1 - 2, closes
    # after a close: that chapter in the summaries, its last two turns still verbatim
    newest = state.chapters[-1]
    last = narrations[-1]
    assert f"Chapter {newest.number} (turns" in section(last, "summaries")
    recent = section(last, "recent")
    assert (
        f"[Turn {newest.last_turn - 1}]" in recent
        and f"[Turn {newest.last_turn - 2}]" not in recent
    )


async def test_a_4k_window_gives_way_in_the_recent_turns_not_in_the_world():
    """Fitted to a 4,096-token window, the compact budgets still hold Ember Hollow's whole
    brief world bible for a tokenizer that counts a quarter more than ours (SmolLM2's
    does about 10 % more): the recent turns give way first (the summaries keep what
    they lose)."""
    uow = InMemoryStore().unit_of_work
    narrator, _ = narrator_with(Sizer("compact"), default=lambda r: compact_reply("Snow."))
    opening = await start(uow, narrator)
    state = (await playing.resume(uow, opening.session_id)).state
    count = default_tokenizer().count
    bible = sum(count(line) + 1 for line in brief_bible(bundled("ember_hollow"), state))
    reply = MAX_TOKENS_COMPACT["medium"]
    budgets = Sizing("compact", 4096).budgets(reply)
    assert budgets.total <= (4096 - reply) * 0.8
    assert budgets.scaled(1.25).world >= bible
    assert budgets.recent < Sizing("compact", 8192).budgets(reply).recent
