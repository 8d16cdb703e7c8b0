"""Builders for the card tests: V1/V2/V3 cards, lorebooks, PNG and CHARX files.

Everything here is written from the public specs (Character Card V2/V3,
SillyTavern World Info); nothing is copied from real cards. No tests here.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from storyai.core.domain.world import Character, Location, LoreEntry
from storyai.core.importers.plan import ImportPlan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MODELS = {"characters": Character, "lore": LoreEntry, "locations": Location}


def v1_card(**over: Any) -> dict[str, Any]:
    card = {
        "name": "Old Tom",
        "description": "{{char}} is a ferryman who has crossed the river a thousand times.",
        "personality": "gruff, honest",
        "scenario": "A misty river crossing at dawn.",
        "first_mes": "*{{char}} holds out a hand.* A coin for the crossing, {{user}}.",
        "mes_example": "<START>\n{{user}}: How deep is it?\n{{char}}: Deep enough.",
    }
    card.update(over)
    return card


def book_entry(entry_id: int, keys: list[str], content: str, **over: Any) -> dict[str, Any]:
    entry = {
        "id": entry_id,
        "keys": keys,
        "content": content,
        "extensions": {},
        "enabled": True,
        "insertion_order": 100,
        "use_regex": False,
    }
    entry.update(over)
    return entry


def v2_card(**over: Any) -> dict[str, Any]:
    data = {
        **v1_card(),
        "name": "Mira",
        "description": "{{char}} keeps the lighthouse on Gull Rock.",
        "scenario": "The lighthouse during a storm.",
        "first_mes": "Come in out of the rain, {{user}}.",
        "mes_example": "{{char}}: The lamp must not go out.",
        "creator_notes": "A calm keeper.",
        "system_prompt": "",
        "post_history_instructions": "",
        "alternate_greetings": ["Storm's coming.", "You again?"],
        "tags": ["mystery", "sea"],
        "creator": "tester",
        "character_version": "1.0",
        "extensions": {"talkativeness": "0.5"},
        "character_book": {
            "name": "Gull Rock",
            "extensions": {},
            "entries": [
                book_entry(0, ["lamp", "lens"], "The lamp is older than the island's church."),
                book_entry(1, ["wreck"], "The Alba sank here in a gale.", insertion_order=10),
            ],
        },
    }
    data.update(over)
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}


def v3_card(**over: Any) -> dict[str, Any]:
    """A V3 card with an unknown key or extension at every level."""
    data = {
        "name": "Seraphina",
        "nickname": "Sera",
        "description": "{{char}} guards the glade.",
        "personality": "kind, watchful",
        "scenario": "A moonlit glade where {{user}} wakes up, hurt.",
        "first_mes": "*{{char}} kneels beside {{user}}.* Easy now. You're safe here.",
        "mes_example": "<START>\n{{char}}: Rest.",
        "creator_notes": "Be gentle.",
        "system_prompt": "Stay in character.",
        "post_history_instructions": "",
        "alternate_greetings": ["The glade is quiet tonight."],
        "group_only_greetings": ["Welcome, all of you."],
        "tags": ["fantasy", "healer"],
        "creator": "spec-writer",
        "character_version": "3",
        "extensions": {"x_app/voice": {"pitch": 3, "list": [1, {"deep": True}]}},
        "assets": [{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}],
        "source": ["https://example.invalid/sera"],
        "creation_date": 1700000000,
        "modification_date": 1700000001,
        "x_unknown_field": {"keep": "me"},
        "character_book": {
            "name": "Glade lore",
            "description": "What Sera knows.",
            "scan_depth": 4,
            "extensions": {"x_book": [1, 2, 3]},
            "entries": [
                book_entry(
                    1,
                    ["glade", "/moon(lit)?/i"],
                    "@@depth 4\n@@role system\nThe glade heals those who rest in it.",
                    secondary_keys=["clearing"],
                    name="The Glade",
                    extensions={"x_entry": {"weight": 7}},
                    insertion_order=200,
                ),
                book_entry(
                    2,
                    [],
                    "The forest spirits watch over Sera.",
                    constant=True,
                    comment="Spirits",
                    extensions={"x_entry": "constant"},
                    insertion_order=5,
                ),
                book_entry(3, ["curse"], "An old curse.", enabled=False, extensions={"x": 1}),
                book_entry(4, ["empty"], "   ", extensions={"x": 2}),
                book_entry(5, ["wolves"], "Wolves avoid {{char}}'s glade.", x_entry_field="kept"),
            ],
        },
    }
    data.update(over)
    return {
        "spec": "chara_card_v3",
        "spec_version": "3.0",
        "x_top_level": {"kept": True},
        "data": data,
    }


def worldinfo(entries_as_list: bool = False) -> dict[str, Any]:
    entries = [
        {
            "uid": 0,
            "key": ["castle", "keep"],
            "keysecondary": ["walls"],
            "comment": "The castle",
            "content": "Castle Vire stands on the cliff.",
            "constant": False,
            "disable": False,
            "order": 100,
            "position": 0,
            "selectiveLogic": 0,
            "excludeRecursion": True,
        },
        {
            "uid": 1,
            "key": ["king"],
            "keysecondary": [],
            "comment": "",
            "content": "King Aldo is old and tired.",
            "constant": False,
            "disable": True,
            "order": 50,
        },
        {
            "uid": 2,
            "key": [],
            "keysecondary": [],
            "comment": "Weather",
            "content": "It always rains in Vire.",
            "constant": True,
            "disable": False,
            "order": 10,
        },
        {
            "uid": 3,
            "key": ["/dragon(s)?/i"],
            "keysecondary": [],
            "comment": "Dragons",
            "content": "No dragon has been seen for a century.",
            "constant": False,
            "disable": False,
            "order": 0,
        },
    ]
    if entries_as_list:
        return {"entries": entries}
    return {"entries": {str(e["uid"]): e for e in entries}, "originalData": {"name": "Vire"}}


def lorebook_v3() -> dict[str, Any]:
    return {
        "spec": "lorebook_v3",
        "data": {
            "name": "Harbour",
            "extensions": {},
            "entries": [
                book_entry(0, ["harbour", "docks"], "Ships come in at high tide."),
                book_entry(1, ["tax"], "", comment="empty"),
            ],
        },
    }


TROLL_SECRETS = ["Fears the dawn above all things", "Buried the miller under the bridge"]


def troll_character(**over: Any) -> Character:
    """One of our own characters with game data a card has no field for."""
    fields: dict[str, Any] = {
        "name": "Troll",
        "kind": "creature",
        "attitude": "hostile",
        "description": "A hulking troll under the bridge.",
        "voice": "Grunts. Short words.",
        "goals": ["Collect the toll"],
        "secrets": list(TROLL_SECRETS),
        "dialogue": {
            "greeting": "Pay the toll.",
            "farewell": "Go, then.",
            "topics": {
                "toll": {"text": "Three coins, or I eat you.", "keywords": ["coins", "pay"]},
                "bridge": {
                    "text": "My bridge. Always my bridge.",
                    "requires": {"flag": "met_troll"},
                    "reveals": ["bridge_history"],
                },
            },
        },
        "stats": {
            "abilities": {"str": 18, "dex": 13, "con": 20, "int": 7, "wis": 9, "cha": 7},
            "ac": 15,
            "hp": 84,
            "cr": "5",
            "attacks": [
                {"name": "Claw", "to_hit": 7, "damage": "2d6+4", "damage_type": "slashing"},
                {"name": "Bite", "to_hit": 7, "damage": "1d6+4", "damage_type": "piercing"},
            ],
        },
        "inventory": ["club", "toll_box"],
        "gold": 12,
        "tags": ["troll", "bridge"],
    }
    fields.update(over)
    return Character.model_validate(fields)


def decoded_chunks(data: bytes) -> dict[str, str]:
    """Every card chunk of a PNG as the JSON text it carries."""
    return {
        keyword: base64.b64decode(value).decode("utf-8")
        for keyword, value in png_text_chunks(data).items()
    }


# ------------------------------------------------------------------ containers


def b64(card: dict[str, Any]) -> bytes:
    return base64.b64encode(json.dumps(card).encode("utf-8"))


def chunk(ctype: bytes, body: bytes, *, crc: int | None = None) -> bytes:
    value = zlib.crc32(ctype + body) if crc is None else crc
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", value)


def text_chunk(keyword: str, value: bytes, *, crc: int | None = None) -> bytes:
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + value, crc=crc)


def png_bytes(*extra: bytes, size: int = 4) -> bytes:
    """A small valid RGB PNG with ``extra`` chunks before IEND."""
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    pixels = zlib.compress((b"\x00" + b"\x80\x40\x20" * size) * size)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + b"".join(extra)
        + chunk(b"IEND", b"")
    )


def card_png(path: Path, *, ccv3: dict | None = None, chara: dict | None = None) -> Path:
    chunks = []
    if chara is not None:
        chunks.append(text_chunk("chara", b64(chara)))
    if ccv3 is not None:
        chunks.append(text_chunk("ccv3", b64(ccv3)))
    path.write_bytes(png_bytes(*chunks))
    return path


def png_text_chunks(data: bytes) -> dict[str, bytes]:
    """Every tEXt chunk of a PNG (keyword -> value), read independently of the importer."""
    assert data.startswith(PNG_SIGNATURE)
    found, pos = {}, 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(ctype + body) == crc
        if ctype == b"tEXt":
            keyword, value = body.split(b"\0", 1)
            assert keyword.decode() not in found
            found[keyword.decode()] = value
        pos += 12 + length
        if ctype == b"IEND":
            break
    assert pos == len(data)
    return found


def charx_bytes(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# -------------------------------------------------------------------- checks


def validated(plan: ImportPlan) -> dict[str, dict[str, Any]]:
    """Every entry validated with its world model; section -> id -> model."""
    out: dict[str, dict[str, Any]] = {"characters": {}, "lore": {}, "locations": {}}
    for entry in plan.entries:
        out[entry.section][entry.id] = MODELS[entry.section].model_validate(entry.data)
    return out


def lore_by_title(plan: ImportPlan) -> dict[str, LoreEntry]:
    return {lore.title: lore for lore in validated(plan)["lore"].values()}


def skipped_reasons(plan: ImportPlan) -> list[str]:
    return [s.reason for s in plan.skipped]
