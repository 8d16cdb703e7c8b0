"""What read_foundry refuses or skips, and the exact reasons it gives (synthetic inputs)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.foundry.limits import BadDocument, check_shape, json_shape_problem
from storyai.core.importers.foundry.read import read_foundry

EXPECTED = "expected a Foundry world folder (world.json), a system or module folder"


def refused(path: Path) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_foundry(path)
    return caught.value.message


def item(doc_id: str, name: str) -> dict:
    return {"_id": doc_id, "name": name, "type": "loot", "system": {}, "_key": f"!items!{doc_id}"}


def test_png_file(tmp_path: Path) -> None:
    png = tmp_path / "goblin.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    message = refused(png)

    assert message.startswith(f"{png}: not a Foundry file (it is a PNG image); {EXPECTED}")


def test_random_text_file(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello there, adventurer\nmore text\n")

    assert refused(notes).startswith(f"{notes}: not a Foundry file (it starts with 'hello there")


def test_empty_folder_and_missing_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    assert refused(empty).startswith(f"{empty}: an empty folder; {EXPECTED}")
    assert refused(tmp_path / "nope") == f"{tmp_path / 'nope'}: no such file or folder"


def test_folder_without_foundry_data(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"theme": "dark"}))
    (tmp_path / "readme.md").write_text("# hi")

    message = refused(tmp_path)

    assert message.startswith(f"{tmp_path}: no Foundry documents found in 1 files (first problem:")
    assert "config.json" in message


def test_json_file_that_is_no_document(tmp_path: Path) -> None:
    file = tmp_path / "settings.json"
    file.write_text(json.dumps({"volume": 3}))
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x",\n  oops}')

    assert refused(file).startswith("settings.json: not a Foundry document; expected")
    assert refused(broken).startswith("broken.json: not valid JSON (line:column 2:3)")


def test_bad_nedb_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_text("")
    junk = tmp_path / "junk.db"
    junk.write_bytes(bytes(range(256)) * 4)
    sqlite = tmp_path / "world.db"
    sqlite.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    lines = tmp_path / "log.db"
    lines.write_text('{"event": "start"}\n{"event": "stop"}\n')

    assert refused(empty).startswith(f"{empty}: an empty file")
    assert refused(junk).startswith(f"{junk}: not a Foundry file (it is binary data)")
    assert refused(sqlite).startswith(f"{sqlite}: not a Foundry file (it is an SQLite database)")
    assert refused(lines) == (
        f"{lines}: no Foundry document in it (first problem: log.db:1: the document type "
        "can't be told (no _key, and its fields fit no Actor, Item, JournalEntry, Scene, "
        "RollTable or Folder))"
    )


def test_one_file_of_a_leveldb_pack(foundry_fixtures: Path) -> None:
    current = foundry_fixtures / "wwn-leveldb" / "ose-monsters" / "CURRENT"
    with pytest.raises(ImportRefused) as caught:
        read_foundry(current)
    assert caught.value.message == f"{current}: one file of a LevelDB pack"
    assert caught.value.hint == f"give the folder instead: {current.parent}"


def test_file_over_512_mib(tmp_path: Path) -> None:
    big = tmp_path / "huge.db"
    with big.open("wb") as handle:
        handle.truncate(513 * 1024 * 1024)  # sparse: no disk space used

    assert refused(big) == f"{big}: 513 MiB is too large (the limit is 512 MiB)"


def test_nedb_lines_nested_too_deep_are_skipped(tmp_path: Path) -> None:
    pack = tmp_path / "items.db"
    deep = '{"_id": "d", "name": "Deep", "type": "loot", "system": ' + "[" * 250 + "]" * 250 + "}"
    abyss = '{"_id": "e", "system": ' + "[" * 100_000 + "]" * 100_000 + "}"
    pack.write_text("\n".join([json.dumps(item("ok", "Fine")), deep, abyss]) + "\n")

    source = read_foundry(pack)

    assert [d.data["name"] for d in source.docs] == ["Fine"]
    assert [(s.origin, s.reason) for s in source.skipped] == [
        ("items.db:2", "nested deeper than 200 levels"),
        ("items.db:3", "nested deeper than 200 levels"),
    ]


def test_a_document_just_within_the_depth_limit_is_read_and_nan_reads_as_null(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "items.db"
    # 198 lists inside the document: 199 levels, within the limit of 200, with
    # more brackets in its strings than the limit (so its depth is really checked)
    nested = '{"_id": "n", "name": "Nested", "type": "loot", "system": ' + "[" * 198
    nested += '"' + "[" * 300 + '"' + "]" * 198 + ', "weight": NaN}'
    pack.write_text(nested + "\n")

    source = read_foundry(pack)

    assert [d.data["name"] for d in source.docs] == ["Nested"]
    assert source.docs[0].data["weight"] is None and not source.skipped


def test_yaml_problems_are_skipped_with_their_position(tmp_path: Path) -> None:
    src = tmp_path / "_source"
    src.mkdir()
    good = "name: Rope\ntype: loot\nsystem: {bought: 2023-01-01}\n_key: '!items!r1'\n_id: r1\n"
    (src / "good.yml").write_text(good)
    (src / "broken.yml").write_text("name: Bad\ntype: [loot\nsystem: {}\n")
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        bomb.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ", ".join([f"*{chr(96 + n)}"] * 10) + "]")
    bomb.append("name: Bomb\ntype: loot\nsystem: {}\n_key: '!items!b1'")
    (src / "bomb.yml").write_text("\n".join(bomb) + "\n")

    source = read_foundry(src)

    assert [d.data["name"] for d in source.docs] == ["Rope"]
    assert source.docs[0].data["system"] == {"bought": "2023-01-01"}  # JSON types only
    skipped = {s.origin: s.reason for s in source.skipped}
    assert skipped["bomb.yml"] == "too large once expanded (YAML aliases?)"
    [broken] = [origin for origin in skipped if origin.startswith("broken.yml:")]
    assert broken == "broken.yml:3:7"
    assert skipped[broken].startswith("not valid YAML")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_leading_outside_are_not_followed(tmp_path: Path, foundry_fixtures: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps(item("s1", "Secret")))
    src = tmp_path / "src"
    src.mkdir()
    (src / "rope.json").write_text(json.dumps(item("r1", "Rope")))
    (src / "secret.json").symlink_to(outside / "secret.json")
    (src / "more").symlink_to(outside)

    source = read_foundry(src)

    assert [d.data["name"] for d in source.docs] == ["Rope"]
    reason = "a symlink pointing outside the folder given: not followed"
    assert {(s.origin, s.reason) for s in source.skipped} == {
        ("more", reason),
        ("secret.json", reason),
    }

    module = tmp_path / "mod"
    (module / "packs").mkdir(parents=True)
    shutil.copy(foundry_fixtures / "dnd5e-2.4.1-nedb" / "tradegoods.db", outside / "goods.db")
    (module / "packs" / "goods.db").symlink_to(outside / "goods.db")
    manifest = {"id": "mod", "title": "Mod", "packs": [{"name": "goods", "path": "packs/goods.db"}]}
    (module / "module.json").write_text(json.dumps(manifest))

    source = read_foundry(module)

    assert source.docs == []
    assert [(s.origin, s.reason) for s in source.skipped] == [
        (
            "module.json: pack 'goods' (packs/goods.db)",
            "packs/goods.db is a symlink pointing outside mod: not followed",
        )
    ]


def test_module_without_packs(tmp_path: Path) -> None:
    (tmp_path / "module.json").write_text(json.dumps({"id": "m", "title": "M"}))

    with pytest.raises(ImportRefused) as caught:
        read_foundry(tmp_path)

    assert caught.value.message == (
        f"{tmp_path / 'module.json'}: lists no compendium packs, so there is nothing to import"
    )


def test_broken_world_manifest(tmp_path: Path) -> None:
    (tmp_path / "world.json").write_text('{"id": "w", ')

    assert refused(tmp_path) == f"{tmp_path / 'world.json'}: not valid JSON at line:column 1:13"


def test_nedb_lines_read_as_bytes_keep_every_reason(tmp_path: Path) -> None:
    """Document lines are parsed as the bytes they are: a byte-order mark, Windows line
    ends, lines of Unicode spaces, a line that is not UTF-8 and one that is not JSON
    each come out as they did when the whole file was decoded first, except that a blank
    line stays blank when another line is not UTF-8 (it used to be "not valid JSON")."""
    pack = tmp_path / "items.db"
    lines = [
        b"\xef\xbb\xbf" + json.dumps(item("a", "Ärmel")).encode() + b"\r",
        "\u00a0\u3000".encode(),  # blank, in Unicode's eyes
        b'{"_id": "b", "name": "Broken \xff", "type": "loot", "system": {}}',
        b"not json at all",
        json.dumps(item("c", "Zoë 🌙"), ensure_ascii=False).encode(),
        b'{"_id": "d", "name": "Weighty", "type": "loot", "system": {"weight": Infinity}}',
    ]
    pack.write_bytes(b"\n".join(lines) + b"\n")

    source = read_foundry(pack)

    assert [d.data["name"] for d in source.docs] == ["Ärmel", "Zoë 🌙", "Weighty"]
    assert source.docs[2].data["system"] == {"weight": None}
    assert [(s.origin, s.reason) for s in source.skipped] == [
        ("items.db:3", "not UTF-8 text"),
        ("items.db:4", "not valid JSON"),
    ]


_TEXTS = st.text(alphabet='ab[]{}"\\\n', max_size=6)


def _nested(depth: int, filler: list[str]) -> object:
    """``depth`` levels of lists and objects, with strings full of brackets, quotes and
    backslashes at every level."""
    value: object = filler[0] if filler else ""
    for level in range(depth):
        text = filler[level % len(filler)] if filler else ""
        value = [text, value, text] if level % 2 else {text: value, "k" + text: [text]}
    return value


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=260), st.lists(_TEXTS, max_size=5))
def test_depth_read_from_the_text_is_the_depth_of_the_document(
    depth: int, filler: list[str]
) -> None:
    """The depth limit, checked on a line's text (brackets outside strings), refuses
    exactly what walking the parsed document refuses, whatever its strings hold."""
    value = {"_id": "x", "system": _nested(depth, filler)}
    try:
        check_shape(value)
        walked = ""
    except BadDocument as exc:
        walked = exc.reason
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False).encode()):
        assert json_shape_problem(text) == walked
