"""Reassembling LevelDB keys into whole documents (synthetic key/value maps)."""

from __future__ import annotations

import json
from typing import Any

from storyai.core.importers.foundry.hierarchy import assemble


def encoded(entries: dict[str, Any]) -> dict[str, Any]:
    return {k: json.dumps(v).encode() if isinstance(v, dict) else v for k, v in entries.items()}


def test_nested_embedded_documents_are_inlined() -> None:
    result = assemble(
        encoded(
            {
                "!actors!a": {"_id": "a", "name": "A", "items": ["i1", "i2"], "effects": []},
                "!actors.items!a.i1": {"_id": "i1", "effects": ["e1"]},
                "!actors.items!a.i2": {"_id": "i2", "effects": []},
                "!actors.items.effects!a.i1.e1": {"_id": "e1", "name": "Blessed"},
                "!journal!j": {"_id": "j", "pages": ["p"]},
                "!journal.pages!j.p": {"_id": "p", "text": {"content": "<p>x</p>"}},
            }
        ),
        "pack",
    )

    assert [(p.collection, p.key) for p in result.docs] == [
        ("actors", "!actors!a"),
        ("journal", "!journal!j"),
    ]
    assert result.docs[0].data["items"] == [
        {"_id": "i1", "effects": [{"_id": "e1", "name": "Blessed"}]},
        {"_id": "i2", "effects": []},
    ]
    assert result.docs[1].data["pages"][0]["text"]["content"] == "<p>x</p>"
    assert result.warnings == []


def test_token_delta_with_and_without_its_own_id() -> None:
    entries = {
        "!scenes!s": {"_id": "s", "tokens": ["t1", "t2"]},
        "!scenes.tokens!s.t1": {"_id": "t1", "delta": "d1"},
        "!scenes.tokens.delta!s.t1.d1": {"_id": "d1", "items": ["x"]},
        "!scenes.tokens.delta.items!s.t1.d1.x": {"_id": "x", "name": "Dagger"},
        "!scenes.tokens!s.t2": {"_id": "t2", "delta": "t2"},
        "!scenes.tokens.delta!s.t2": {"_id": "t2", "items": ["y"]},
        "!scenes.tokens.delta.items!s.t2.y": {"_id": "y", "name": "Club"},
    }

    [scene] = assemble(encoded(entries), "scenes").docs

    t1, t2 = scene.data["tokens"]
    assert t1["delta"] == {"_id": "d1", "items": [{"_id": "x", "name": "Dagger"}]}
    assert t2["delta"] == {"_id": "t2", "items": [{"_id": "y", "name": "Club"}]}


def test_missing_children_orphans_and_bad_entries_are_counted() -> None:
    result = assemble(
        encoded(
            {
                "!actors!a": {"_id": "a", "items": ["i1", "gone1", "gone2"]},
                "!actors!b": {"_id": "b", "items": ["gone3"]},
                "!actors.items!a.i1": {"_id": "i1"},
                "!actors.items!a.unlisted": {"_id": "unlisted"},
                "!actors.items!zzz.i9": {"_id": "i9"},
                "!items!bad": b"\x00\x01 not json",
                "!items!list": b"[1, 2]",
                "not-a-key": b"{}",
            }
        ),
        "packs/monsters",
    )

    assert [p.data["items"] for p in result.docs] == [[{"_id": "i1"}], []]
    assert result.warnings == [
        "packs/monsters: 3 embedded documents listed by their parent are missing from the "
        "database; they were left out",
        "packs/monsters: 2 embedded documents have no parent that lists them (orphans); "
        "they were left out",
        "packs/monsters: 2 entries are not JSON documents; they were left out",
        "packs/monsters: 1 keys are not Foundry document keys; they were ignored",
    ]
