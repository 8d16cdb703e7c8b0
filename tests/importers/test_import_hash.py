"""The content hash of an imported world is the one earlier releases computed (sha256 of
the content's compact, sorted ``json.dumps``), whatever its raw documents hold, so a
world installed before is found unchanged when installed again."""

from __future__ import annotations

import hashlib
import json
import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.core import services
from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.read import read_foundry
from storyai.core.importers.plan import Entry, ImportPlan
from storyai.core.importers.service import import_plan
from storyai.core.worlds import rawdocs

ODD_RAWS = [
    {"name": "Tiny", "_id": "t1", "system": {"weight": 1e-05, "cost": 0.00009, "rate": 1e-7}},
    {"name": "Huge", "_id": "h1", "system": {"xp": 1e16, "gold": 1.5e300, "id": 2**70}},
    {"name": "NaN", "_id": "n1", "system": {"hp": float("nan"), "ac": float("inf"), "x": None}},
    {"name": "Éowyn 🌙", "_id": "e1", "system": {"\uffff": 1, "😀": 2, "é": "a\x00\x1f\u2028"}},
    {"name": "Plain", "_id": "p1", "system": {"hp": 7, "ac": 15.5, "tags": ["x", None, True]}},
]


def entry(number: int, raw: dict) -> Entry:
    return Entry(
        "characters",
        f"c{number}",
        {
            "name": raw["name"],
            "kind": "creature",
            "description": "Imported.",
            "source": {"format": "foundry", "ref": f"Actor.{raw['_id']}", "raw": raw},
        },
        origin=f"monsters.db: {raw['name']}",
        kind="creature",
    )


def old_hash(content: dict) -> str:
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def test_the_hash_is_the_earlier_releases_and_reinstalling_changes_nothing(
    uow_factory,
) -> None:
    plan = ImportPlan(source="monsters.db", kind="NeDB pack", title="Odd Numbers")
    plan.entries.extend(entry(n, raw) for n, raw in enumerate(ODD_RAWS))
    outcome = await import_plan(uow_factory, plan, new_id="odd")
    world, record = await services.get_world(uow_factory, "odd")

    assert record.content_hash == old_hash(world.canonical())
    raws = {c.name: c.source.raw for c in world.characters.values() if c.source}
    assert [raws[raw["name"]] == raw for raw in ODD_RAWS] == [True, True, False, True, True]
    odd = raws["NaN"]["system"]  # nan != nan
    assert math.isnan(odd["hp"]) and odd["ac"] == math.inf and odd["x"] is None
    again = await services.install_world(uow_factory, world, source="again")
    assert again.status == "unchanged" and outcome.version == again.record.version


def test_every_kind_of_nan_and_infinity_hashes_as_the_earlier_releases() -> None:
    """NaN with any payload or sign and both infinities are found wherever they sit (orjson
    would write them as null), and text that merely looks like one changes nothing."""
    odd_nan = struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf0\x7f")[0]
    negative_nan = struct.unpack("<d", b"\x00\x00\x00\x00\x00\x00\xf8\xff")[0]
    raws = [
        {"_id": "a", "system": {"hp": None, "deep": [[{"x": odd_nan}]]}},
        {"_id": "b", "system": {"hp": None, "x": negative_nan}},
        {"_id": "c", "system": {"hp": None, "x": [-math.inf, 2.5]}},
        {"_id": "d", "system": {"hp": None, "note": "G\x7f\xf0 \U0001f319", "n": -1_073_741_825}},
        {"_id": "e", "system": {"hp": None, "x": 0.5, "y": 1e300}},
    ]
    for raw in raws:
        content = {"characters": {"c": {"name": "C", "source": {"format": "f", "raw": raw}}}}
        assert rawdocs.content_hash(content) == old_hash(content), raw["_id"]


async def test_a_nedb_pack_hashes_as_the_earlier_releases_with_or_without_infinity(
    uow_factory, tmp_path
) -> None:
    """Documents read from JSON text by orjson cannot hold NaN or infinity, so they are not
    looked for when the world is hashed; one line the standard library had to read (a
    number too large for a float is infinity there) and they are looked for again."""
    base = {"_id": "a", "name": "Rat", "type": "npc", "system": {"attributes": {}}}
    for number, extra in enumerate(("", ', "huge": 1e400', ', "tiny": 0.00001')):
        line = json.dumps(base)[:-1] + extra + "}"
        pack = tmp_path / f"pack{number}.db"
        pack.write_text(line + "\n")
        plan = plan_from_foundry(read_foundry(pack))
        assert plan.raws_finite == (number != 1)
        await import_plan(uow_factory, plan, new_id=f"pack{number}")
        world, record = await services.get_world(uow_factory, f"pack{number}")
        assert record.content_hash == old_hash(world.canonical())
        raw = next(iter(world.characters.values())).source.raw
        assert raw.get("huge", 1.0) == math.inf if number == 1 else "huge" not in raw


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=4),
    st.text(alphabet="0123456789e-+.:,[ abc", max_size=12),
)
def test_raw_documents_are_written_as_the_standard_library_writes_them(
    numbers: list[float], text: str
) -> None:
    """Whatever floats a document holds (tiny, huge, exponents) beside text that looks like
    numbers, its stored text is the standard library's, so hashes stay as they were."""
    doc = {"n": numbers, "t": text, "deep": [{text: numbers[0]}], "x": numbers[-1]}
    expected = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert rawdocs.dumps(doc) == expected
    assert rawdocs.dumps(doc, finite=True) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(min_value=1e-12, max_value=1e-3) | st.floats(min_value=-1e-3, max_value=-1e-12),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["", "e-1", "type-2", "0.0000", "1e-5", "a3e-7b"]),
)
def test_small_floats_and_text_like_exponents_are_written_as_the_standard_library_does(
    numbers: list[float], text: str
) -> None:
    """Floats below 1e-4 (orjson writes ``0.00001`` or ``1e-7`` where ``json.dumps``
    writes ``1e-05`` and ``1e-07``), beside text holding such marks or not: the stored
    text is still the standard library's."""
    doc = {"n": numbers, "t": text, "x": {"y": numbers[0]}}
    expected = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert rawdocs.dumps(doc) == expected
    assert rawdocs.dumps(doc, finite=True) == expected
    plain = {"t": text, "n": [round(abs(n) * 1e6, 3) + 1.0 for n in numbers]}
    assert rawdocs.dumps(plain) == json.dumps(
        plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
