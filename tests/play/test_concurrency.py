"""Group play at the same instant, on memory, SQLite and PostgreSQL.

The model is held (``ScriptedModel(hold=...)``) until the test lets go, so a telling is
really under way while the other player starts, joins, reads or acts; the tests wait
on conditions (an ``asyncio.Event``, a request reaching the model), never on fixed
sleeps. ``SAFETY_NET`` only bounds a test that would otherwise hang.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import ChannelBusy, ChoiceExpired
from storyai.core.domain.events import Narration, PlayerAction, PlayerJoined
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.quotas import QuotaPolicy
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

SAFETY_NET = 30.0
WORLD = load_world(bundled_world_paths()["ember_hollow"])


def reply(narrative: str) -> str:
    return json.dumps(
        {
            "narrative": narrative,
            "dialogue": [],
            "choices": [{"id": "a", "text": "Look around"}],
            "state_changes": {},
            "check": None,
            "media_hints": {"image_prompt": "", "ambient_audio": ""},
        }
    )


def said(request: ModelRequest) -> str:
    """What the player did, as the prompt tells the model."""
    text = next((s.text for s in request.sections if s.name == "input"), "")
    return text.rsplit("says: ", 1)[-1].strip() or "arrives"


class Held:
    """A model that tells each request only when the test lets it: ``reached`` is set
    when a request arrives, ``go`` lets every held request through."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.go = asyncio.Event()
        self.model = ScriptedModel(
            name="held", default=lambda r: reply(f"The AI tells: {said(r)}."), hold=self._hold
        )

    async def _hold(self, request: ModelRequest) -> None:
        if request.task == "narration":
            self.reached.set()
            await self.go.wait()

    def narrator(self) -> AINarrator:
        router = Router(
            {"narration": [RouteEntry(self.model)], "summary": [RouteEntry(self.model)]}
        )
        return AINarrator(router, name="held/fake-1")


@pytest.fixture
async def world(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


def told_by_ai(lines) -> bool:
    return any(line.text.startswith("The AI tells") for line in lines)


async def test_two_starts_in_one_channel_make_one_story(world) -> None:
    held = Held()
    play = Play(world, narrator=held.narrator())
    async with asyncio.timeout(SAFETY_NET):
        first = asyncio.create_task(
            play.start_in_channel("table-1", "ember_hollow", user_ref="u1", player_name="Ash")
        )
        await held.reached.wait()  # the first story is stored, its opening being told
        with pytest.raises(ChannelBusy, match="already being told here"):
            await play.start_in_channel(
                "table-1", "ember_hollow", user_ref="u2", player_name="Bryn"
            )
        held.go.set()
        opened = await first
    story = await play.here("table-1")
    assert story.id == opened.session_id
    assert told_by_ai(opened.lines)
    assert [s.name for s in (await play.table(story.id)).seats] == ["Ash"]


async def test_a_join_while_the_opening_is_told_is_seated_after_it(world) -> None:
    held = Held()
    play = Play(world, narrator=held.narrator())
    async with asyncio.timeout(SAFETY_NET):
        opening = asyncio.create_task(
            play.start_in_channel("table-2", "ember_hollow", user_ref="u1", player_name="Ash")
        )
        await held.reached.wait()
        story = await play.here("table-2")  # the story is already there to join
        status = await play.status(story.id)
        assert status.telling and not status.ended
        joining = asyncio.create_task(play.join(story.id, user_ref="u2", name="Bryn"))
        await asyncio.sleep(0)
        assert not joining.done()  # it waits for the opening, it is not refused
        held.go.set()
        opened = await opening
        seat, told = await joining
    assert seat.name == "Bryn" and told is not None and told_by_ai(told.lines)
    assert told_by_ai(opened.lines)
    history = await play.history(story.id)
    kinds = [(e.kind, getattr(e.event, "name", "")) for e in history]
    assert kinds.index(("narration", "")) < kinds.index(("player_joined", "Bryn"))
    assert [s.name for s in (await play.table(story.id)).seats] == ["Ash", "Bryn"]


async def test_a_join_during_an_ai_turn_is_seated_after_it(world) -> None:
    held = Held()
    held.go.set()
    play = Play(world, narrator=held.narrator())
    opened = await play.start_in_channel(
        "table-3", "ember_hollow", user_ref="u1", player_name="Ash"
    )
    sid = opened.session_id
    held.go.clear()
    held.reached.clear()
    async with asyncio.timeout(SAFETY_NET):
        turn = asyncio.create_task(play.act_at_table(sid, user_ref="u1", text="look"))
        await held.reached.wait()
        joining = asyncio.create_task(play.join(sid, user_ref="u2", name="Bryn"))
        await asyncio.sleep(0)
        assert not joining.done()
        held.go.set()
        played = await turn
        seat, _ = await joining
    assert played.result is not None and told_by_ai(played.result.lines)
    assert seat.name == "Bryn"
    history = await play.history(sid)
    look = next(i for i, e in enumerate(history) if isinstance(e.event, PlayerAction))
    told = next(i for i, e in enumerate(history) if i > look and isinstance(e.event, Narration))
    arrival = next(
        i
        for i, e in enumerate(history)
        if isinstance(e.event, PlayerJoined) and e.event.name == "Bryn"
    )
    assert look < told < arrival


async def test_reading_during_an_ai_turn_never_tells_it_or_charges_twice(world) -> None:
    held = Held()
    held.go.set()
    policy = QuotaPolicy(user_turns=10, user_credits=10, guild_turns=None, guild_credits=None)
    play = Play(world, narrator=held.narrator(), quota=policy)
    opened = await play.start_in_channel(
        "table-4", "ember_hollow", user_ref="u1", player_name="Ash"
    )
    sid = opened.session_id
    held.go.clear()
    held.reached.clear()
    async with asyncio.timeout(SAFETY_NET):
        turn = asyncio.create_task(
            play.act_at_table(sid, user_ref="u1", text="examine emberstone", guild="g")
        )
        await held.reached.wait()
        status = await play.status(sid)
        me, state, _ = await play.character(sid, user_ref="u1")
        at, offered, telling = await play.choices(sid)
        assert status.telling and telling and at == state.turn == 0 and offered
        assert me.name == "Ash"
        assert (await play.quota_report(user="u1", guild="g")).user.turns == 1
        held.go.set()
        played = await turn
    assert played.result is not None and told_by_ai(played.result.lines)
    assert not any("find nothing special" in line.text for line in played.result.lines)
    after = await play.status(sid)
    assert not after.telling and after.turn == 1
    usage = await play.quota_report(user="u1", guild="g")
    assert usage.user.turns == 1 and usage.user.credits == played.charged == 1


async def test_a_choice_clicked_while_another_turn_is_told_is_refused_after_it(world) -> None:
    """The choice was offered after turn 0; a turn is told in between, so when its
    action's turn comes the story has moved on: refused, nothing stored or charged."""
    held = Held()
    held.go.set()
    policy = QuotaPolicy(user_turns=10, user_credits=10, guild_turns=None, guild_credits=None)
    play = Play(world, narrator=held.narrator(), quota=policy)
    opened = await play.start_in_channel(
        "table-7", "ember_hollow", user_ref="u1", player_name="Ash"
    )
    sid = opened.session_id
    at, offered, telling = await play.choices(sid)
    assert at == 0 and offered and not telling  # what the buttons show
    held.go.clear()
    held.reached.clear()
    async with asyncio.timeout(SAFETY_NET):
        typed = asyncio.create_task(play.act_at_table(sid, user_ref="u1", text="look"))
        await held.reached.wait()
        clicked = asyncio.create_task(
            play.act_at_table(sid, user_ref="u1", text=offered[0].command, after_turn=at)
        )
        held.go.set()
        await typed
        with pytest.raises(ChoiceExpired):
            await clicked
    actions = [e.event.text for e in await play.history(sid) if isinstance(e.event, PlayerAction)]
    assert actions == ["look"]
    assert (await play.quota_report(user="u1", guild=None)).user.turns == 1
    # A choice offered now is taken.
    at, offered, _ = await play.choices(sid)
    chosen = await play.act_at_table(sid, user_ref="u1", text=offered[0].command, after_turn=at)
    assert chosen.result is not None and chosen.result.turn == at + 1


async def test_two_channels_told_at_once_keep_their_secrets(world) -> None:
    """One narrator tells two tables at once: each reply is checked for gm-only lore
    against its own prompt, never the other table's."""
    secret = " ".join(WORLD.lore["the_binding"].text.split())
    first_reached = asyncio.Event()
    second_done = asyncio.Event()

    async def hold(request: ModelRequest) -> None:
        if request.task == "narration" and "the binding" in said(request):
            first_reached.set()
            await second_done.wait()  # the other table is told meanwhile

    def answer(request: ModelRequest) -> str:
        if "the binding" in said(request):
            return reply(f"Here is the truth. {secret}\n\nThe wind howls.")
        return reply("The square is quiet.")

    model = ScriptedModel(name="shared", default=answer, hold=hold)
    narrator = AINarrator(Router({"narration": [RouteEntry(model)]}))
    offline = Play(world)
    a = await offline.start_in_channel("chan-a", "ember_hollow", user_ref="ua", player_name="A")
    b = await offline.start_in_channel("chan-b", "ember_hollow", user_ref="ub", player_name="B")
    play = Play(world, narrator=narrator)
    async with asyncio.timeout(SAFETY_NET):
        first = asyncio.create_task(
            play.act_at_table(
                a.session_id, user_ref="ua", text="tell me about the binding and the nail"
            )
        )
        await first_reached.wait()
        second = await play.act_at_table(b.session_id, user_ref="ub", text="look")
        second_done.set()
        first_result = await first
    assert "GM SECRET" in next(s.text for s in model.requests[0].sections if s.name == "lore"), (
        "the secret was in the first table's prompt"
    )
    for outcome in (first_result, second):
        assert outcome.result is not None
        told = " ".join(line.text for line in outcome.result.lines)
        assert secret[:60] not in told
    assert "The wind howls." in " ".join(x.text for x in first_result.result.lines)


async def test_a_telling_whose_teller_stopped_is_told_by_the_next_writer(world) -> None:
    """A teller that dies mid-turn (its task cancelled, as a killed process) leaves the
    action stored and marked; once its lease has run out, the next player's action
    tells it first, with the configured narrator, and both are told in order."""
    now = [datetime(2026, 12, 6, 12, 0, tzinfo=UTC)]
    clock = Clock(now=lambda: now[0])
    held = Held()
    held.go.set()
    play = Play(world, narrator=held.narrator(), clock=clock, lease_seconds=30)
    opened = await play.start_in_channel(
        "table-6", "ember_hollow", user_ref="u1", player_name="Ash"
    )
    sid = opened.session_id
    await play.join(sid, user_ref="u2", name="Bryn")
    held.go.clear()
    held.reached.clear()
    async with asyncio.timeout(SAFETY_NET):
        turn = asyncio.create_task(play.act_at_table(sid, user_ref="u1", text="look"))
        await held.reached.wait()
        turn.cancel()  # the teller's process is gone; its action stays stored
        with pytest.raises(asyncio.CancelledError):
            await turn
    held.go.set()
    assert (await play.status(sid)).telling
    now[0] += timedelta(seconds=31)  # the lease runs out
    async with asyncio.timeout(SAFETY_NET):
        nxt = await play.act_at_table(sid, user_ref="u2", text="inventory")
    assert nxt.result is not None
    actions = [e.event.text for e in nxt.result.events if isinstance(e.event, PlayerAction)]
    assert actions == ["look", "inventory"]
    assert told_by_ai(nxt.result.lines)
    history = await play.history(sid)
    assert [e.event.text for e in history if isinstance(e.event, PlayerAction)] == [
        "look",
        "inventory",
    ]
    narrations = [e.event for e in history if isinstance(e.event, Narration)]
    assert all(n.narrator == "held/fake-1" for n in narrations)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_two_processes_play_one_story_in_turn(backend, database_url_factory) -> None:
    """Two services with their own engines, caches and wakeups (as two bot processes):
    the second player's action waits for the first one's telling, stored by the other
    process, then is played on top of it."""
    from storyai.core.storage.database import Database, upgrade
    from storyai.core.storage.sql import sql_uow_factory

    held = Held()
    held.go.set()
    async with database_url_factory(backend) as url, Database(url) as one, Database(url) as two:
        await upgrade(one)
        await services.install_world(sql_uow_factory(one), WORLD, source="bundled")
        first = Play(sql_uow_factory(one), narrator=held.narrator())
        second = Play(sql_uow_factory(two), narrator=held.narrator())
        opened = await first.start_in_channel(
            "table-7", "ember_hollow", user_ref="u1", player_name="Ash"
        )
        sid = opened.session_id
        await second.join(sid, user_ref="u2", name="Bryn")
        held.go.clear()
        held.reached.clear()
        async with asyncio.timeout(SAFETY_NET):
            turn = asyncio.create_task(first.act_at_table(sid, user_ref="u1", text="look"))
            await held.reached.wait()
            waiting = asyncio.create_task(second.act_at_table(sid, user_ref="u2", text="inventory"))
            held.go.set()  # the first's action was stored before the second asked
            played, then = await asyncio.gather(turn, waiting)
        assert played.result is not None and then.result is not None
        assert then.result.turn == played.result.turn + 1
        history = await second.history(sid)
        assert [e.event.text for e in history if isinstance(e.event, PlayerAction)] == [
            "look",
            "inventory",
        ]
