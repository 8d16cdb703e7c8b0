"""Memory that lasts, prompts that don't grow: chapters, recall, prefix stability."""

from __future__ import annotations

import itertools

import playing
import pytest
from ai_helpers import echo, gm, prompt_of, section, start, turn_json
from walkthrough import bundled

from storyai.core.domain.errors import InvalidChange
from storyai.core.domain.ops import CHAPTERS_KEPT, close_chapter
from storyai.core.domain.state import Chapter
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.memory.context import Budgets, build_prompt
from storyai.core.memory.tokens import default_tokenizer
from storyai.core.narrators.ai import AINarrator
from storyai.core.narrators.port import NarrationRequest
from storyai.core.play.telling import CHAPTER_TURNS

count_tokens = default_tokenizer().count
FACT = "The smith's daughter is called Mirelle, and she hides a silver key."


def planting(request):
    if request.task == "narration" and "tell me about the smith" in section(request, "input"):
        return turn_json(FACT)
    return echo(request)


async def play_n(uow, session_id, narrator, n, start_at=0):
    result = None
    for i in range(n):
        result = await playing.take_turn(
            uow, session_id, f"wander the square {start_at + i}", narrator=narrator
        )
    return result


async def test_consecutive_prompts_share_their_prefix_until_a_chapter_closes(uow_factory):
    narrator, model = gm()
    opening = await start(uow_factory, narrator)
    await play_n(uow_factory, opening.session_id, narrator, 2 * CHAPTER_TURNS + 3)
    narrations = [r for r in model.requests if r.task == "narration"]
    stable = 0
    for before, after in itertools.pairwise(narrations):
        assert section(before, "world") == section(after, "world")  # byte-stable static block
        cached = "\n\n".join(
            s.text for s in before.sections if s.name in ("rules", "world", "summaries", "recent")
        )
        if prompt_of(after).startswith(cached):
            stable += 1
    # The recent-turns window moves only when a chapter closes; every other turn appends.
    assert stable >= len(narrations) - 1 - 2


async def test_a_recent_window_over_its_budget_is_trimmed_in_steps_that_keep_the_prefix(
    uow_factory,
):
    """A small model's prompt holds only a few recent turns. Dropping the oldest one
    every turn would change the prompt's prefix every turn (the server's prompt cache
    would reuse only the static block); trimmed by half its budget at once, the window
    then only grows for a few turns, and each of those turns extends the previous
    prompt."""
    model = ScriptedModel(
        name="fake", default=lambda r: echo(r) if r.task == "summary" else turn_json(WORDY)
    )
    router = Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]})
    narrator = AINarrator(router, budgets=Budgets(recent=400))
    opening = await start(uow_factory, narrator)
    await play_n(uow_factory, opening.session_id, narrator, CHAPTER_TURNS)  # one window
    narrations = [r for r in model.requests if r.task == "narration"]
    recent = [section(r, "recent") for r in narrations]
    assert all(count_tokens(text) <= 400 for text in recent)
    trimmed = [
        n for n, (a, b) in enumerate(itertools.pairwise(recent), 1) if a and not b.startswith(a)
    ]
    assert trimmed, "the window never outgrew its budget: the test means nothing"
    extended = 0
    for before, after in itertools.pairwise(narrations):
        cached = "\n\n".join(
            s.text for s in before.sections if s.name in ("rules", "world", "summaries", "recent")
        )
        extended += prompt_of(after).startswith(cached)
    # the window is cut at most every other turn (a one-a-turn trim cuts it every turn
    # once it is full, from turn 4 here)
    assert len(trimmed) <= len(narrations) // 3, trimmed
    assert extended >= len(narrations) - 1 - len(trimmed)


WORDY = "The wind carries old songs through the square and the lamps burn low. " * 3


async def test_chapters_close_with_summaries_and_follow_the_branch(uow_factory):
    narrator, model = gm()
    opening = await start(uow_factory, narrator)
    result = await play_n(uow_factory, opening.session_id, narrator, CHAPTER_TURNS + 1)
    assert [c.number for c in result.state.chapters] == [1]
    chapter = result.state.chapters[0]
    assert (chapter.first_turn, chapter.last_turn) == (1, CHAPTER_TURNS)
    assert "wander the square 0" in chapter.summary
    assert any(r.task == "summary" for r in model.requests)
    await playing.rewind(uow_factory, opening.session_id, 3)
    resumed = await playing.resume(uow_factory, opening.session_id)
    assert resumed.state.chapters == []  # memory moves with the branch


async def test_a_fact_from_the_first_turns_is_recalled_much_later(uow_factory):
    narrator, model = gm(default=planting)
    opening = await start(uow_factory, narrator)
    await playing.take_turn(
        uow_factory, opening.session_id, "tell me about the smith", narrator=narrator
    )
    await play_n(uow_factory, opening.session_id, narrator, 3 * CHAPTER_TURNS)
    await playing.take_turn(
        uow_factory, opening.session_id, "what was the smith's daughter called?", narrator=narrator
    )
    last = model.requests[-1] if model.requests[-1].task == "narration" else model.requests[-2]
    assert "Mirelle" not in section(last, "recent")  # long out of the verbatim window
    assert "Mirelle" in section(last, "memories")


async def test_recall_never_brings_back_an_abandoned_branch(uow_factory):
    narrator, model = gm(default=planting)
    opening = await start(uow_factory, narrator)
    await playing.take_turn(
        uow_factory, opening.session_id, "tell me about the smith", narrator=narrator
    )
    await playing.rewind(uow_factory, opening.session_id, 0)
    await play_n(uow_factory, opening.session_id, narrator, 3)
    await playing.take_turn(
        uow_factory, opening.session_id, "what was the smith's daughter called?", narrator=narrator
    )
    last = [r for r in model.requests if r.task == "narration"][-1]
    assert "Mirelle" not in prompt_of(last)


async def test_the_prompt_stays_within_budget_however_long_the_story(uow_factory):
    def wordy(request):
        if request.task == "summary":
            return "A long summary. " * 100  # two fit the summaries' budget, a third does not
        return turn_json("The wind carries old songs through the square. " * 40)

    narrator, model = gm(default=wordy)
    opening = await start(uow_factory, narrator)
    # Chapter summaries join the prompt from turn 21 on: by turn 31 two fill their
    # budget, and each later chapter brings one more that must not make the prompt grow.
    await play_n(uow_factory, opening.session_id, narrator, 6 * CHAPTER_TURNS)
    narrations = [r for r in model.requests if r.task == "narration"]
    sizes = [sum(s.tokens for s in r.sections) for r in narrations]
    assert max(sizes) <= narrator.budgets.total
    # Summaries grow until their budget is full; from then on the prompt is flat.
    late = [max(sizes[-k * CHAPTER_TURNS : -(k - 1) * CHAPTER_TURNS or None]) for k in (1, 2, 3)]
    assert max(late) - min(late) <= 0.05 * max(late)
    assert sizes[-1] > sizes[CHAPTER_TURNS]  # and it did have to cut, so the test means it


async def test_the_prompt_shown_for_a_turn_is_exactly_the_one_sent(uow_factory):
    narrator, model = gm()
    opening = await start(uow_factory, narrator)
    sent = {}
    for n, text in enumerate(["look", "talk to hesta about mine", "go east", "look"], 1):
        seen = len(model.requests)
        await playing.take_turn(uow_factory, opening.session_id, text, narrator=narrator)
        sent[n] = next(r for r in model.requests[seen:] if r.task == "narration")
    for turn in (2, 4):
        view = await playing.play(uow_factory).prompt_at(opening.session_id, turn)
        shown = [(s.name, s.text) for s in view.prompt.sections]
        assert shown == [(s.name, s.text) for s in sent[turn].sections]
        assert view.recorded == [(s.name, s.tokens) for s in sent[turn].sections]


async def test_a_character_only_remembers_what_it_witnessed(uow_factory):
    narrator, model = gm()
    opening = await start(uow_factory, narrator)
    ash = next(iter(opening.state.players))
    bryn, _ = await playing.join_session(uow_factory, opening.session_id, player_name="Bryn")

    async def act(who, text):
        seen = len(model.requests)
        await playing.take_turn(
            uow_factory, opening.session_id, text, player_id=who, narrator=narrator
        )
        return next(r for r in model.requests[seen:] if r.task == "narration")

    await act(bryn, "go east")  # Bryn leaves for the forge
    await act(ash, "whisper the password marigold to hesta")
    bryn_sees = await act(bryn, "look around the forge")
    ash_sees = await act(ash, "look")
    assert "marigold" in section(ash_sees, "recent")
    assert "marigold" not in prompt_of(bryn_sees)  # Bryn was not there
    recalled = await act(bryn, "what is the password marigold?")
    assert "marigold" not in section(recalled, "memories")


async def test_a_service_kept_between_turns_sends_the_prompts_a_fresh_one_would(uow_factory):
    """The recent-turns window is kept between turns; across chapters, a rewind and a
    switch back it must still be exactly what reading the story afresh gives."""
    narrator, model = gm()
    opening = await start(uow_factory, narrator)
    kept = playing.play(uow_factory, narrator)
    session_id = opening.session_id

    async def act(text):
        seen = len(model.requests)
        result = await kept.act(session_id, text)
        sent = next(r for r in model.requests[seen:] if r.task == "narration")
        fresh = await playing.play(uow_factory).prompt_at(session_id, result.turn)
        assert [(s.name, s.text) for s in sent.sections] == [
            (s.name, s.text) for s in fresh.prompt.sections
        ]
        return section(sent, "recent")

    for i in range(2 * CHAPTER_TURNS + 3):
        await act(f"wander the square {i}")
    main = (await kept.list_branches(session_id))[0].name
    await kept.rewind(session_id, CHAPTER_TURNS + 2)
    recent = await act("pray in the chapel")
    assert "wander the square 12" not in recent  # the abandoned line's turns are gone
    assert "wander the square 11" in recent
    await kept.switch_branch(session_id, main)
    recent = await act("hum by the fire")
    assert "wander the square 22" in recent
    assert "pray in the chapel" not in recent


async def test_a_state_keeps_only_the_chapters_a_prompt_can_use(uow_factory):
    """A thousand-chapter story must not carry a thousand summaries in every snapshot,
    load and prompt; the prompt still says how many older chapters it left out."""
    narrator, _ = gm()
    opening = await start(uow_factory, narrator)
    world = bundled("ember_hollow")
    state = opening.state.fork()
    for n in range(1, 101):
        chapter = Chapter(
            number=n, first_turn=10 * n - 9, last_turn=10 * n, end_depth=30 * n, summary=f"c{n}."
        )
        close_chapter(state, chapter)
    assert [c.number for c in state.chapters] == list(range(101 - CHAPTERS_KEPT, 101))
    actor = next(iter(state.players))
    request = NarrationRequest(world, state, actor, "look", [], [], turn=1001, seed=7)
    prompt = build_prompt(request)
    summaries = next(s.text for s in prompt.sections if s.name == "summaries")
    shown = summaries.count("Chapter ")
    assert "Chapter 99 " in summaries and "Chapter 100 " not in summaries  # 100 is recent
    assert shown + prompt.dropped.get("summaries", 0) == 99
    with pytest.raises(InvalidChange):
        close_chapter(state, chapter.model_copy(update={"number": 7}))
