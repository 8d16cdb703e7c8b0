"""NeDB lines are parsed fast (orjson) but read exactly as the standard library reads
them: the same values, the same depth limit, the same reasons for skipped lines."""

from __future__ import annotations

import json
from pathlib import Path

from storyai.core.importers.foundry.read import read_foundry


def line(doc_id: str, system: str) -> str:
    return f'{{"_id": "{doc_id}", "name": "{doc_id}", "type": "loot", "system": {system}}}'


def test_depth_is_counted_outside_strings_whatever_they_hold(tmp_path: Path) -> None:
    # strings full of brackets, escaped quotes and backslashes around the nesting
    tricky = json.dumps({"a": '\\"[[[{{', "b": "\\", "c": '"]]]}}'})
    within = "[" * 198 + tricky + "]" * 198  # 200 levels with the document: the limit
    beyond = "[" * 199 + tricky + "]" * 199  # 201 levels
    closers = json.dumps("]" * 400)  # closing brackets in a string do not end the nesting
    sneaky = "[" * 120 + closers + ", " + "[" * 90 + "1" + "]" * 210
    pack = tmp_path / "items.db"
    lines = [line("within", within), line("beyond", beyond), line("sneaky", sneaky)]
    pack.write_text("\n".join(lines) + "\n")

    source = read_foundry(pack)

    assert [d.data["name"] for d in source.docs] == ["within"]
    deepest = source.docs[0].data["system"]
    for _ in range(197):
        deepest = deepest[0]
    assert deepest == [{"a": '\\"[[[{{', "b": "\\", "c": '"]]]}}'}]
    assert [(s.origin, s.reason) for s in source.skipped] == [
        ("items.db:2", "nested deeper than 200 levels"),
        ("items.db:3", "nested deeper than 200 levels"),
    ]


def test_values_are_the_standard_librarys(tmp_path: Path) -> None:
    system = (
        '{"big": 123456789012345678901234567890, "max": 18446744073709551615, '
        '"tiny": 1e-7, "huge": 1e400, "zero": -0, "weight": NaN, "moon": "\\ud83c\\udf19", '
        '"lone": "\\ud800", "twice": 1, "twice": 2}'
    )
    plain = '{"n": 9007199254740993, "f": 0.1, "s": "caf\\u00e9 \\u2028"}'
    pack = tmp_path / "items.db"
    pack.write_text("\n".join([line("odd", system), line("plain", plain)]) + "\n")

    source = read_foundry(pack)

    odd, plain_doc = (d.data["system"] for d in source.docs)
    assert odd["big"] == 123456789012345678901234567890 and isinstance(odd["big"], int)
    assert odd["max"] == 2**64 - 1 and isinstance(odd["max"], int)
    assert odd["tiny"] == 1e-7 and odd["huge"] == float("inf") and odd["weight"] is None
    assert odd["moon"] == "🌙" and odd["lone"] == "\ud800" and odd["twice"] == 2
    assert plain_doc == {"n": 9007199254740993, "f": 0.1, "s": "café \u2028"}
    assert not source.skipped


def test_a_broken_line_still_says_where(tmp_path: Path) -> None:
    pack = tmp_path / "items.db"
    pack.write_text(line("ok", "{}") + "\n" + '{"_id": "x", "name": "Broken", "system": {]}\n')

    source = read_foundry(pack)

    assert [d.data["name"] for d in source.docs] == ["ok"]
    assert [(s.origin, s.reason) for s in source.skipped] == [("items.db:2", "not valid JSON")]
