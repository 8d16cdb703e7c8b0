"""Recall: the game master finds what was said and done earlier in a session, by full-text
search over the event log, on the current branch and among what a character witnessed.

Every test runs on memory, SQLite and PostgreSQL (the ``storage`` / ``uow_factory``
fixtures in conftest.py), except those about the SQL schema itself (cascades, the
backfill in migration 0005), which run on both databases.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from storyai.core.domain.events import DiceRolled, Line, Narration, PlayerAction, Roll
from storyai.core.domain.records import EventRecord, SessionRecord, WorldVersionRecord
from storyai.core.storage.database import Database, upgrade
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.recall import MAX_TERMS, PER_TERM, search_terms
from storyai.core.storage.sql import sql_uow_factory

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

FACT = "The smith's daughter is called Mirelle."
QUESTION = "who are the smiths daughters?"

FILLER = [
    "Rain drums on the roof of the tavern.",
    "You order a bowl of stew and sit by the fire.",
    "A cart rolls past, loaded with barrels of salted fish.",
    "The bell of the chapel rings twice.",
    "Gulls quarrel over scraps on the quay.",
    "An old sailor hums a tune about the northern sea.",
    "The innkeeper wipes the counter and yawns.",
    "Fog rolls in from the harbour mouth.",
]
"""Everyday narration: none of it about smiths, daughters, keepers or lanterns."""


def world() -> WorldVersionRecord:
    return WorldVersionRecord(
        world_id="harbour",
        version="1.0.0",
        title="Harbour",
        content={"world": {"id": "harbour"}},
        content_hash="sha256-harbour",
        installed_at=T0,
    )


def session(session_id: str) -> SessionRecord:
    return SessionRecord(
        id=session_id,
        world_id="harbour",
        world_version="1.0.0",
        title="A night at the harbour",
        status="active",
        active_branch="main",
        created_at=T0,
        updated_at=T0,
    )


def narration(
    event_id: str,
    seq: int,
    parent: str | None,
    *lines: str,
    session_id: str = "s1",
    witnesses: list[str] | None = None,
) -> EventRecord:
    """A narration event of the game master; its depth is its seq (a chain) unless changed."""
    told = Narration(
        lines=tuple(Line("narration", line) for line in lines),
        witnesses=None if witnesses is None else tuple(witnesses),
    )
    return EventRecord(
        id=event_id,
        session_id=session_id,
        parent_id=parent,
        seq=seq,
        depth=seq,
        turn=(seq + 1) // 2,
        actor="gm",
        event=told,
        created_at=T0 + timedelta(seconds=seq),
    )


def action(
    event_id: str, seq: int, parent: str | None, said: str, actor: str = "p1", **_: Any
) -> EventRecord:
    """A player's action (depth = seq); who saw it is the actor."""
    return replace(narration(event_id, seq, parent), actor=actor, event=PlayerAction(text=said))


def chain(*texts: str, start: int = 1, parent: str | None = None) -> list[EventRecord]:
    """Narration events n1, n2, ... each the child of the previous one."""
    events = []
    for seq, line in enumerate(texts, start=start):
        events.append(narration(f"n{seq}", seq, parent, line))
        parent = f"n{seq}"
    return events


@pytest.fixture
async def uow(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """``uow_factory`` with the world installed and the sessions s1 and s2 started."""
    async with uow_factory() as unit:
        await unit.worlds.add_version(world())
        await unit.sessions.add(session("s1"))
        await unit.sessions.add(session("s2"))
        await unit.commit()
    return uow_factory


async def append(uow_factory: UnitOfWorkFactory, *records: EventRecord) -> None:
    """Store and index events, as a telling does."""
    async with uow_factory() as unit:
        await unit.events.append(list(records))
        await unit.recall.index(list(records))
        await unit.commit()


async def found(uow_factory: UnitOfWorkFactory, query: str, **options: Any) -> list[str]:
    """The event ids a search of s1 finds, best first."""
    async with uow_factory() as unit:
        return [hit.event_id for hit in await unit.recall.search("s1", query, **options)]


# -------------------------------------------------------------------------------- finding


async def test_a_fact_told_early_answers_a_later_question_in_other_words(
    uow: UnitOfWorkFactory,
) -> None:
    await append(uow, *chain(FILLER[0], FACT, *FILLER[1:]))
    async with uow() as unit:
        hits = await unit.recall.search("s1", QUESTION)
    assert [hit.event_id for hit in hits] == ["n2"]
    (hit,) = hits
    assert (hit.depth, hit.turn, hit.kind, hit.actor) == (2, 1, "narration", "gm")
    assert hit.witnesses == ("gm",)
    assert hit.text == FACT
    assert hit.score > 0


async def test_every_line_of_a_narration_is_searchable(uow: UnitOfWorkFactory) -> None:
    told = narration("n1", 1, None, "The door creaks open.", "A lantern swings in the draught.")
    await append(uow, told, *chain(*FILLER, start=2, parent="n1"))
    async with uow() as unit:
        hits = await unit.recall.search("s1", "lanterns")
    assert [(hit.event_id, hit.text) for hit in hits] == [
        ("n1", "The door creaks open.\nA lantern swings in the draught.")
    ]


async def test_player_actions_are_found_with_their_witnesses(uow: UnitOfWorkFactory) -> None:
    await append(
        uow,
        action("a1", 1, None, "I whisper the password: silverfin"),
        action("a2", 2, "a1", "I hide the silverfin key under the mat", actor="p2"),
        *chain(*FILLER, start=3, parent="a2"),
    )
    async with uow() as unit:
        hits = await unit.recall.search("s1", "silverfin")
    assert {(h.event_id, h.kind, h.actor, h.witnesses) for h in hits} == {
        ("a1", "player_action", "p1", ("p1",)),
        ("a2", "player_action", "p2", ("p2",)),
    }


async def test_other_kinds_and_other_sessions_are_not_searched(uow: UnitOfWorkFactory) -> None:
    await append(uow, *chain(*FILLER))
    await append(
        uow,
        replace(
            action("x1", 9, "n8", "silverfin"), event=DiceRolled(rolls=(Roll(text="silverfin"),))
        ),
        action("x2", 10, "x1", "   "),
        narration("o1", 1, None, "The silverfin sails at dawn.", session_id="s2"),
    )
    assert await found(uow, "silverfin") == []
    async with uow() as unit:
        assert [h.event_id for h in await unit.recall.search("s2", "silverfin")] == ["o1"]


async def test_non_ascii_words_are_found(uow: UnitOfWorkFactory) -> None:
    await append(uow, *chain("Die Möwe schreit über dem Hafen.", *FILLER))
    assert await found(uow, "Möwe?") == ["n1"]


# -------------------------------------------------------------------------------- ranking


async def test_the_best_match_comes_first(uow: UnitOfWorkFactory) -> None:
    await append(
        uow,
        *chain(
            "A lantern hangs by the door.",
            *FILLER[:4],
            "The lighthouse keeper lit his lantern at dusk.",
            *FILLER[4:],
            "The keeper of the inn nods at you.",
        ),
    )
    async with uow() as unit:
        hits = await unit.recall.search("s1", "Where is the lighthouse keeper's lantern?")
    assert hits[0].event_id == "n6"
    assert {hit.event_id for hit in hits} == {"n1", "n6", "n11"}
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]


async def test_limit_keeps_the_best(uow: UnitOfWorkFactory) -> None:
    await append(
        uow,
        *chain(
            "The lighthouse keeper lit his lantern.",
            "A lantern hangs by the door.",
            *FILLER,
            "The keeper of the inn nods.",
            "The lighthouse is dark tonight.",
        ),
    )
    question = "lighthouse keeper lantern"
    everything = await found(uow, question)
    assert len(everything) == 4
    assert await found(uow, question, limit=2) == everything[:2]
    assert await found(uow, question, limit=1) == ["n1"]
    assert await found(uow, question, limit=0) == []


# -------------------------------------------------------------------------------- filters


async def test_before_depth_keeps_only_earlier_events(uow: UnitOfWorkFactory) -> None:
    events = chain(FACT, *FILLER[:4], "Mirelle, the smith's daughter, waves at you.")
    question = action("a7", 7, "n6", QUESTION)
    await append(uow, *events, question)
    assert set(await found(uow, QUESTION)) == {"n1", "n6", "a7"}
    assert set(await found(uow, QUESTION, before_depth=7)) == {"n1", "n6"}
    assert await found(uow, QUESTION, before_depth=6) == ["n1"]
    assert await found(uow, QUESTION, before_depth=1) == []


async def test_witness_keeps_what_that_character_saw(uow: UnitOfWorkFactory) -> None:
    await append(
        uow,
        narration("n1", 1, None, "Only you see the hidden ledger.", witnesses=["p1"]),
        narration("n2", 2, "n1", "The ledger burns in the hearth.", witnesses=["p1", "p2"]),
        action("a3", 3, "n2", "I steal the ledger", actor="p2"),
        narration("n4", 4, "a3", "Nobody notices the ledger fall.", witnesses=[]),
        *chain(*FILLER, start=5, parent="n4"),
    )
    assert set(await found(uow, "ledger")) == {"n1", "n2", "a3", "n4"}
    assert set(await found(uow, "ledger", witness="p1")) == {"n1", "n2"}
    assert set(await found(uow, "ledger", witness="p2")) == {"n2", "a3"}
    assert await found(uow, "ledger", witness="p3") == []
    assert await found(uow, "ledger", witness="p2", before_depth=3) == ["n2"]


# -------------------------------------------------------------------------------- branches

TREE = [
    #    id   seq depth parent                s1 is:  e1 - e2 - e3 - e4 - e5   (main, segment 0)
    narration("e1", 1, None, "You arrive at the harbour."),  # \
    narration("e2", 2, "e1", "The smith's forge glows."),  #     b3 - b4        (alt, segment 1)
    narration("e3", 3, "e2", FACT),
    replace(
        narration("b3", 4, "e2", "The smith's daughter left for the capital."), depth=3, segment=1
    ),
    replace(narration("e4", 5, "e3", *FILLER[:2]), depth=4),
    replace(narration("b4", 6, "b3", "The daughters of the smith are twins."), depth=4, segment=1),
    replace(narration("e5", 7, "e4", *FILLER[2:]), depth=5),
]


MAIN = ((0, None),)
ALT = ((1, None), (0, 2))


async def test_search_on_a_branch_ignores_the_other_branch(uow: UnitOfWorkFactory) -> None:
    await append(uow, *TREE)
    async with uow() as unit:
        everywhere = await unit.recall.search("s1", QUESTION)
    assert {hit.event_id for hit in everywhere} == {"e2", "e3", "b3", "b4"}
    # The search keeps to a branch's line, so `limit` counts only hits on the branch.
    assert set(await found(uow, QUESTION, lineage=MAIN)) == {"e2", "e3"}
    assert set(await found(uow, QUESTION, lineage=ALT)) == {"e2", "b3", "b4"}
    assert await found(uow, "daughters", lineage=MAIN, limit=1) == ["e3"]
    assert await found(uow, QUESTION, lineage=MAIN, before_depth=3) == ["e2"]
    assert await found(uow, QUESTION, lineage=((7, None),)) == []


async def test_a_rare_word_is_found_however_much_a_common_one_was_said(
    uow: UnitOfWorkFactory,
) -> None:
    """Every word of a question reads at most its PER_TERM newest mentions: a word said in
    every turn costs no more than that, and a name told once, long ago, is still found."""
    said = [f"The smith hammers at the forge, stroke {n}." for n in range(3 * PER_TERM)]
    await append(uow, *chain(FACT, *said))
    hits = await found(uow, "Mirelle the smith", limit=3)
    assert hits[0] == "n1", "the one event naming Mirelle ranks first"
    common = await found(uow, "smith", limit=100)
    assert len(common) == PER_TERM and "n1" not in common  # only the newest mentions


# -------------------------------------------------------------------------- hostile input

HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "smith*",
    "NEAR(",
    'NEAR("smith" "daughter", 2)',
    "smith NEAR/2 daughter",
    '"smith" OR',
    "-smith",
    "smith:daughter",
    "text:smith",
    "{text}: smith",
    "(((",
    ")",
    "^smith",
    "smith AND NOT",
    "AND OR NOT",
    "smith & | ! <-> daughter",
    "'; DROP TABLE events; --",
    "smith'; DELETE FROM recall; --",
    "\\",
    "%_%",
    "🐉🔥",
    "the smith 🔨",
    "中文字テスト",
    "ǅungla ẞtraße",
    "\x00smith\x00",
    "smith" * 200,
    "x" * 3000 + " smith",  # longer than PostgreSQL's 2047-byte lexemes
    "ö" * 1100,
    " ".join(f"word{n}" for n in range(500)),
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_break_the_search(uow: UnitOfWorkFactory, query: str) -> None:
    await append(uow, *chain(FACT, *FILLER))
    hits = await found(uow, query)
    if "smith" in search_terms(query):
        assert hits == ["n1"]
    else:
        assert "n1" not in hits
    async with uow() as unit:  # and nothing was dropped or deleted
        assert len(await unit.events.list("s1")) == 1 + len(FILLER)
    assert await found(uow, QUESTION) == ["n1"]


async def test_random_text_never_breaks_the_search(uow: UnitOfWorkFactory) -> None:
    await append(uow, *chain(FACT, *FILLER))
    alphabet = "abcsmith \"'*-:^()[]{}<>!&|~%_;\\/.,?+=#@$`" + "äöüßéñçøåœ中文字🐉\u0301\u200b\t\n"
    rng = random.Random(20261201)
    async with uow() as unit:
        for _ in range(200):
            query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            hits = await unit.recall.search("s1", query)
            assert all(hit.event_id == "n1" or hit.text in FILLER for hit in hits), query


@pytest.mark.parametrize("query", ["", "   ", "the and who are", "is it so?", "a b c d"])
async def test_a_query_of_no_searchable_words_finds_nothing(
    uow: UnitOfWorkFactory, query: str
) -> None:
    await append(uow, *chain(FACT, "So it is, and so it was.", *FILLER))
    assert await found(uow, query) == []


def test_a_long_question_is_cut_to_its_first_words() -> None:
    question = " ".join(f"word{n}" for n in range(40)) + " daughter"
    terms = search_terms(question)
    assert terms == [f"word{n}" for n in range(MAX_TERMS)]
    assert search_terms("Who ARE the Smith's daughters, the SMITHS?") == [
        "smith",
        "daughters",
        "smiths",
    ]


# ---------------------------------------------------------------------------- transactions


async def _start(factory: UnitOfWorkFactory) -> None:
    async with factory() as unit:
        await unit.worlds.add_version(world())
        await unit.sessions.add(session("s1"))
        await unit.commit()


async def test_a_rolled_back_unit_of_work_leaves_no_index_rows(storage: Any) -> None:
    factory = storage.uow_factory
    await _start(factory)
    async with factory() as unit:
        await unit.events.append(chain(FACT, *FILLER))
        await unit.recall.index(chain(FACT, *FILLER))
        assert [h.event_id for h in await unit.recall.search("s1", QUESTION)] == ["n1"]
        await unit.rollback()
        assert await unit.recall.search("s1", QUESTION) == []
    with pytest.raises(RuntimeError):
        async with factory() as unit:
            await unit.events.append(chain(FACT, *FILLER))
            await unit.recall.index(chain(FACT, *FILLER))
            raise RuntimeError("the narrator failed after the events were added")
    assert await found(factory, QUESTION) == []
    if storage.database is not None:
        assert await _recall_rows(storage.database) == 0
    # The same events can still be stored, and are found once.
    await append(factory, *chain(FACT, *FILLER))
    assert await found(factory, QUESTION) == ["n1"]


async def _recall_rows(database: Database) -> int:
    """Rows in the recall index."""
    async with database.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM recall_terms"))).scalar_one()


async def test_deleted_events_are_forgotten(migrated_database: Database) -> None:
    """The index follows its session: deleting a session in SQL takes its recall along
    (a foreign key on both databases)."""
    factory = sql_uow_factory(migrated_database)
    await _start(factory)
    await append(factory, *chain(FACT, *FILLER))
    assert await _recall_rows(migrated_database) > len(FILLER)
    async with migrated_database.connect() as connection:
        await connection.execute(text("DELETE FROM sessions WHERE id = 's1'"))
        await connection.commit()
    assert await _recall_rows(migrated_database) == 0


# -------------------------------------------------------------------------------- backfill


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_upgrading_indexes_events_stored_by_the_previous_release(
    backend: str, database_url_factory
) -> None:
    """Events stored before 0005 (raw rows, as 0004 stored them) are indexed by the upgrade."""
    old = [
        ("n1", None, "narration", {"lines": [{"kind": "narration", "text": FACT}]}),
        ("n2", "n1", "narration", {"lines": [{"kind": "narration", "text": FILLER[0]}]}),
        ("a3", "n2", "player_action", {"text": "I ask about the smith's daughters"}),
        ("x4", "a3", "dice_rolled", {"rolls": [{"text": "smith"}]}),
        ("n5", "x4", "narration", {"lines": [{"kind": "narration", "text": FILLER[1]}]}),
    ]
    async with database_url_factory(backend) as url, Database(url) as database:
        await upgrade(database, "0004")
        async with database.connect() as connection:  # as storyai 0004 stored them
            await connection.execute(
                text(
                    "INSERT INTO worlds (id, title, created_at) VALUES ('harbour', 'H', :t);"
                    if backend == "sqlite"
                    else "INSERT INTO worlds (id, title, created_at) VALUES ('harbour', 'H', :t)"
                ),
                {"t": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO world_versions (world_id, version, seq, title, content, "
                    "content_hash, source, installed_at) VALUES ('harbour', '1.0.0', 1, 'H', "
                    "'{}', 'x', '', :t)"
                ),
                {"t": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO sessions (id, world_id, world_version, title, status, "
                    "active_branch, settings, created_at, updated_at) VALUES ('s1', 'harbour', "
                    "'1.0.0', 'T', 'active', 'main', '{}', :t, :t)"
                ),
                {"t": T0},
            )
            for depth, (event_id, parent, kind, payload) in enumerate(old, 1):
                await connection.execute(
                    text(
                        "INSERT INTO events (id, session_id, parent_id, seq, depth, turn, kind, "
                        "actor, payload, created_at) VALUES (:id, 's1', :parent, :seq, :depth, "
                        ":turn, :kind, 'p1', :payload, :t)"
                    ),
                    {
                        "id": event_id,
                        "parent": parent,
                        "seq": depth,
                        "depth": depth,
                        "turn": depth // 2,
                        "kind": kind,
                        "payload": json.dumps(payload),
                        "t": T0,
                    },
                )
            await connection.execute(
                text(
                    "INSERT INTO branches (session_id, name, head_event_id, created_at) "
                    "VALUES ('s1', 'main', 'n5', :t)"
                ),
                {"t": T0},
            )
            await connection.commit()

        await upgrade(database)

        factory = sql_uow_factory(database)
        async with factory() as unit:
            hits = await unit.recall.search("s1", QUESTION, lineage=MAIN)
            assert {(h.event_id, h.kind) for h in hits} == {
                ("n1", "narration"),
                ("a3", "player_action"),
            }
            assert [h.text for h in hits if h.event_id == "n1"] == [FACT]
            opened = await unit.sessions.open("s1")
            assert opened.session.next_seq == 6 and opened.branch is not None
            assert opened.branch.lineage == MAIN
            # Events stored after the upgrade join the same index.
            late = replace(narration("late", 6, "n5", "Mirelle smiles."), depth=6)
            await unit.events.append([late])
            await unit.recall.index([late])
            await unit.commit()
        assert set(await found(factory, "Mirelle")) == {"late", "n1"}
