"""Warming a local model server up for the next turn (``play/warming.py``): after each
turn the stable part of the next prompt goes ahead, so the next turn reads only what
changes every turn. It never holds a turn and never changes a story."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from ai_helpers import section
from walkthrough import bundled

from storyai.core import services
from storyai.core.domain.errors import ProviderUnavailable
from storyai.core.domain.events import Narration, text_of
from storyai.core.llm.fake import ScriptedModel, prompt_text
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.memory.sizing import Sizer
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.play.telling import CHAPTER_TURNS
from storyai.core.storage.memory import InMemoryStore

INPUTS = (
    "look around",
    "talk to hesta about the village",
    "examine the emberstone",
    "go west",
    "talk to dunnick about gossip",
    "go east",
    "go south",
    "rest by the fire",
    "go north",
    "look at the chapel records",
)
TURNS = CHAPTER_TURNS + 4  # past a chapter's close
LONG = (
    "Snow slides from the eaves while the emberstone ticks in the cold, and the villagers "
    "watch you from doorways with their hands wrapped in wool. "
)


def warm(request: ModelRequest) -> bool:
    return request.max_tokens == 1


def storyteller(request: ModelRequest) -> str:
    """A long narrative, so the compact window outgrows its budget and is trimmed."""
    if request.task == "summary":
        return "The hero walked the village and asked about the mine."
    if warm(request):
        return "{"
    said = section(request, "input").rsplit("says: ", 1)[-1]
    reply = {"narrative": f"You did {said}. " + LONG * 3, "choices": [], "state_changes": {}}
    return json.dumps(reply)


def narrator(prewarm: str, profile: str, model: ScriptedModel, sizer: Sizer | None = None):
    router = Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]})
    window = 8192 if profile == "compact" else 200_000
    return AINarrator(router, sizer=sizer or Sizer(profile, window), prewarm=prewarm)


async def play_story(uow, gm: AINarrator, turns: int = TURNS) -> tuple[Play, str]:
    service = Play(uow, narrator=gm)
    started = await opening(uow, service)
    for text in (INPUTS * 3)[:turns]:
        await service.act(started.session_id, text)
        await service.warmed_up()  # the player reads the turn meanwhile
    return service, started.session_id


async def opening(uow, service: Play):
    await services.install_world(uow, bundled("ember_hollow"), source="bundled")
    started = await service.start("ember_hollow", player_name="Ash", seed=7)
    await service.warmed_up()
    return started


def turn_requests(model: ScriptedModel) -> list[ModelRequest]:
    return [r for r in model.requests if r.task == "narration" and not warm(r)]


@pytest.mark.parametrize("profile", ["compact", "full"])
async def test_the_next_turn_reads_only_what_changes_every_turn(uow_factory, profile):
    model = ScriptedModel(name="local", default=storyteller)
    gm = narrator("on", profile, model)
    await play_story(uow_factory, gm)

    asked = model.requests
    warmed = 0
    for i, request in enumerate(asked):
        if request.task != "narration" or warm(request) or i == 0:
            continue
        before = asked[i - 1]
        if not warm(before):
            continue  # the opening, told before any warm-up
        warmed += 1
        # the warm-up was the prompt's stable part, sent as the turn sends it
        assert before.schema == request.schema and before.sections
        names = [s.name for s in request.sections]
        stable = [s.name for s in before.sections]
        assert names[: len(stable)] == stable and stable[-1] in ("world", "summaries", "recent")
        assert [s.text for s in before.sections] == [s.text for s in request.sections][
            : len(stable)
        ]
        # so all the server reads anew is the volatile tail: lore, scene, the turn's input
        ahead = prompt_text(before)
        assert prompt_text(request).startswith(ahead)
        fresh = set(names[len(stable) :])
        assert fresh <= {"lore", "memories", "scene", "input"} and "input" in fresh
    assert warmed == TURNS
    # the window was trimmed or restarted on the way, and the warm-up kept up with it
    recents = [section(r, "recent") for r in turn_requests(model)]
    assert any(not b.startswith(a) for a, b in itertools.pairwise(recents))


async def test_a_warmed_up_server_takes_more_of_each_turn_from_its_cache():
    cached = {}
    for prewarm in ("off", "on"):
        model = ScriptedModel(name="local", default=storyteller)
        gm = narrator(prewarm, "compact", model)
        service, session_id = await play_story(InMemoryStore().unit_of_work, gm)
        events = await service.history(session_id)
        told = [e.event for e in events if isinstance(e.event, Narration) and e.turn > 1]
        cached[prewarm] = [
            (n.usage.cached_tokens, n.usage.input_tokens) for n in told if n.usage is not None
        ]
    assert len(cached["on"]) == len(cached["off"]) > CHAPTER_TURNS
    share = {k: sum(c for c, _ in v) / sum(n for _, n in v) for k, v in cached.items()}
    assert share["on"] > share["off"] + 0.05, share
    # turn by turn: never less, and the turns where the window moved gain the most
    for (on, _), (off, _) in zip(cached["on"], cached["off"], strict=True):
        assert on >= off


async def test_only_a_local_server_that_said_so_is_warmed_up_by_default():
    async def llama() -> tuple[int | None, str]:
        return 8192, "llama.cpp /props"

    async def unknown() -> tuple[int | None, str]:
        return None, ""

    cases = [
        ("auto", Sizer("auto", detect=llama), True),
        ("auto", Sizer("auto", detect=unknown, tries=1), False),
        ("auto", Sizer("compact", 8192), False),  # a window from config: a hosted API maybe
        ("off", Sizer("auto", detect=llama), False),
        ("on", Sizer("full"), True),
    ]
    for prewarm, sizer, warms in cases:
        model = ScriptedModel(name="local", default=storyteller)
        gm = narrator(prewarm, "compact", model, sizer)
        await play_story(InMemoryStore().unit_of_work, gm, turns=2)
        assert any(warm(r) for r in model.requests) is warms, (prewarm, sizer)
    with pytest.raises(ValueError, match="prewarm"):
        narrator("always", "compact", ScriptedModel())


async def until(condition, seconds: float = 30.0) -> None:
    """Wait for ``condition`` (checked as the loop turns), failing after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.005)


async def test_a_turn_that_comes_during_a_warm_up_waits_for_it_and_reads_from_the_cache():
    release = asyncio.Event()
    held: list[bool] = []

    async def hold(request: ModelRequest) -> None:
        if warm(request) and held:
            await release.wait()  # the server is still reading the warm-up

    model = ScriptedModel(name="local", default=storyteller, hold=hold)
    gm = narrator("on", "compact", model)
    uow = InMemoryStore().unit_of_work
    service = Play(uow, narrator=gm)
    started = await opening(uow, service)
    held.append(True)
    await service.act(started.session_id, "look around")
    await until(lambda: warm(model.requests[-1]))  # the warm-up is being read
    asked = len(model.requests)

    second = asyncio.create_task(service.act(started.session_id, "go west"))
    await until(lambda: service.deps.warmups.waiting == 1)
    assert len(model.requests) == asked  # the turn has not asked the server yet
    release.set()
    result = await second

    ahead, turn = model.requests[asked - 1], model.requests[asked]
    assert warm(ahead) and not warm(turn) and turn.task == "narration"
    assert prompt_text(turn).startswith(prompt_text(ahead))
    told = [e.event for e in result.events if isinstance(e.event, Narration)]
    assert told and not told[-1].error and "go west" in text_of(told[-1])


async def test_a_warm_up_that_never_ends_or_fails_holds_no_turn_and_changes_nothing():
    warming = asyncio.Event()
    held: list[bool] = []  # warm-ups are held once the opening is told

    async def hold(request: ModelRequest) -> None:
        if warm(request) and held and held[-1]:
            warming.set()
            await asyncio.Event().wait()  # a server that never finishes reading it

    def failing(request: ModelRequest) -> str | ProviderUnavailable:
        if warm(request):
            return ProviderUnavailable("the server is busy", provider="local")
        return storyteller(request)

    stuck = ScriptedModel(name="local", default=storyteller, hold=hold)
    broken = ScriptedModel(name="local", default=failing)
    calm = ScriptedModel(name="local", default=storyteller)
    stories = []
    for model in (stuck, broken, calm):
        gm = narrator("off" if model is calm else "on", "compact", model)
        uow = InMemoryStore().unit_of_work
        service = Play(uow, narrator=gm)
        service.deps.warmups.wait_at_most = 0.05  # how long a turn waits for a warm-up
        started = await opening(uow, service)
        held.append(model is stuck)
        for text in INPUTS[:4]:
            await service.act(started.session_id, text)
            if model is stuck:
                await warming.wait()
                warming.clear()
        if model is stuck:
            assert service.deps.warmups.pending == 1  # the newest; older ones were replaced
            await service.stop_warming()
            assert service.deps.warmups.pending == 0
        events = await service.history(started.session_id)
        stories.append([(e.turn, e.event.lines) for e in events if isinstance(e.event, Narration)])
        assert not [n for e in events if isinstance(n := e.event, Narration) and n.error]
    assert stories[0] == stories[1] == stories[2]  # the same story, word for word
    assert sum(warm(r) for r in broken.requests) == 5  # tried after every turn
