"""Bad, corrupt, hostile or huge files are refused with a message naming the file."""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import pytest
from cards_support import (
    PNG_SIGNATURE,
    b64,
    card_png,
    charx_bytes,
    chunk,
    png_bytes,
    text_chunk,
    v2_card,
    v3_card,
    validated,
    write_json,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core.importers.cards import limits, plan_from_card_file
from storyai.core.importers.errors import ImportRefused


def refused(path: Path) -> str:
    with pytest.raises(ImportRefused) as caught:
        plan_from_card_file(path)
    message = caught.value.message
    assert message.startswith(f"{path.name}: "), message
    return message


def _bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------ PNG


def test_truncated_png(tmp_path):
    good = card_png(tmp_path / "good.png", ccv3=v3_card()).read_bytes()
    message = refused(_bytes(tmp_path, "cut.png", good[: len(good) // 2]))
    assert "cut short" in message or "past the end" in message


def test_png_cut_exactly_before_its_end_chunk(tmp_path):
    good = card_png(tmp_path / "good.png", ccv3=v3_card()).read_bytes()
    message = refused(_bytes(tmp_path, "noend.png", good[:-12]))
    assert "without its end chunk (IEND)" in message


def test_png_chunk_running_past_the_end(tmp_path):
    bad = chunk(b"tEXt", b"chara\0" + b64(v2_card()))
    bad = struct.pack(">I", 10**9) + bad[4:]
    message = refused(_bytes(tmp_path, "long.png", png_bytes(bad)))
    assert "claims 1,000,000,000 bytes, past the end of the file" in message


def test_bad_crc_on_the_card_chunk(tmp_path):
    path = _bytes(tmp_path, "crc.png", png_bytes(text_chunk("ccv3", b64(v3_card()), crc=1)))
    assert "'ccv3' card chunk is unusable" in refused(path)
    assert "checksum (CRC) is wrong" in refused(path)


def test_garbage_chunks_elsewhere_are_ignored(tmp_path):
    garbage = chunk(b"\x00\xff!?", b"\x13\x37" * 50) + chunk(b"zzZZ", b"junk", crc=0)
    idat_bad_crc = chunk(b"IDAT", b"not really pixels", crc=12345)
    path = _bytes(
        tmp_path,
        "noisy.png",
        png_bytes(garbage, idat_bad_crc, text_chunk("ccv3", b64(v3_card()))),
    )
    plan = plan_from_card_file(path)
    assert plan.title == "Seraphina"
    validated(plan)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"!!!not base64!!!", "'chara' chunk is not valid base64"),
        (b"bm90IGpzb24=", "the 'chara' chunk is not valid JSON"),  # "not json"
        (b"/w==", "the 'chara' chunk is not valid UTF-8"),  # a lone 0xff byte
        (b"WzEsMiwzXQ==", "the JSON is a list"),  # [1,2,3]
    ],
)
def test_garbage_inside_the_card_chunk(tmp_path, value, expected):
    path = _bytes(tmp_path, "garbage.png", png_bytes(text_chunk("chara", value)))
    assert expected in refused(path)


def test_card_chunk_refusals_read_as_sentences(tmp_path):
    not_json = _bytes(tmp_path, "a.png", png_bytes(text_chunk("ccv3", b"bm90IGpzb24=")))
    assert refused(not_json).startswith("a.png: the 'ccv3' chunk is not valid JSON (")
    not_utf8 = _bytes(tmp_path, "b.png", png_bytes(text_chunk("chara", b"/w==")))
    assert refused(not_utf8) == (
        "b.png: the 'chara' chunk is not valid UTF-8 text (bad byte at position 0)"
    )
    deep = b'{"spec":"chara_card_v3","data":' + b"[" * 150 + b"]" * 150 + b"}"
    nested = _bytes(tmp_path, "c.png", png_bytes(text_chunk("ccv3", base64.b64encode(deep))))
    assert refused(nested) == (
        "c.png: the JSON in the 'ccv3' chunk is nested 101 levels deep, over the limit of 100"
    )
    charx = _bytes(tmp_path, "d.charx", charx_bytes({"card.json": b"{not json"}))
    assert refused(charx).startswith("d.charx: card.json is not valid JSON (")


def test_a_broken_ccv3_chunk_is_reported_in_a_sentence(tmp_path):
    path = _bytes(
        tmp_path,
        "half.png",
        png_bytes(text_chunk("chara", b64(v2_card())), text_chunk("ccv3", b64(v3_card()), crc=1)),
    )
    plan = plan_from_card_file(path)
    assert plan.title == "Mira"
    assert (
        "half.png: the 'ccv3' chunk is unusable (its checksum (CRC) is wrong, so the file is "
        "corrupt); read the 'chara' chunk instead"
    ) in plan.warnings


def test_lorebook_in_a_card_chunk(tmp_path):
    chunk_value = b64({"spec": "lorebook_v3", "data": {"entries": []}})
    path = _bytes(tmp_path, "book.png", png_bytes(text_chunk("chara", chunk_value)))
    assert "holds a lorebook, not a character card" in refused(path)


def test_png_without_a_card(tmp_path):
    path = _bytes(tmp_path, "photo.png", png_bytes(text_chunk("Comment", b"a holiday photo")))
    assert refused(path) == "photo.png: this PNG has no character card in it"


def test_not_a_card_file_at_all(tmp_path):
    path = _bytes(tmp_path, "goblin.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00")
    assert refused(path) == "goblin.png: not a PNG, JSON or CHARX file (it starts with 'GIF89a')"
    binary = _bytes(tmp_path, "blob.png", b"\x00\x01\x02\x03")
    assert "it starts with bytes 00 01 02 03" in refused(binary)


def test_empty_missing_and_folder(tmp_path):
    assert refused(_bytes(tmp_path, "empty.json", b"")) == "empty.json: the file is empty"
    assert refused(tmp_path / "missing.png") == "missing.png: no such file"
    (tmp_path / "folder.png").mkdir()
    assert refused(tmp_path / "folder.png") == "folder.png: not a file"


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:
        handle.write(PNG_SIGNATURE)
        handle.truncate(limits.MAX_FILE_BYTES + 1)  # sparse: nothing much on disk
    assert "over the limit of 52,428,800" in refused(path)


def test_card_json_over_the_size_limit(tmp_path):
    card = v2_card(description="x" * (limits.MAX_CARD_JSON_BYTES + 10))
    assert "over the limit of 8,388,608" in refused(write_json(tmp_path / "big.json", card))


# ----------------------------------------------------------------------- JSON


def test_json_that_is_not_a_card(tmp_path):
    path = write_json(tmp_path / "settings.json", {"theme": "dark", "volume": 3})
    with pytest.raises(ImportRefused) as caught:
        plan_from_card_file(path)
    assert caught.value.message == (
        "settings.json: valid JSON but not a character card or lorebook "
        "(its keys: 'theme', 'volume')"
    )
    assert "chara_card_v2" in caught.value.hint and "entries" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"spec": "chara_card_v2", "data": ', "not valid JSON"),
        (b'{"name": "\xff\xfe"}', "not valid UTF-8 text"),
        (b'{"name": NaN, "first_mes": ""}', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 150 + b"1" + b"}" * 150, "nested 101 levels deep"),
        (b'{"spec": "chara_card_v9000"}', "without a 'data' object"),
        (b'{"spec": "something_else", "data": {}}', "unknown 'spec' value"),
        (b'{"lorebookVersion": 5, "entries": []}', "NovelAI lorebook"),
        (b'"just a string"', "the JSON is a str"),
    ],
)
def test_bad_json(tmp_path, text, expected):
    assert expected in refused(_bytes(tmp_path, "bad.json", text))


def test_deep_nesting_inside_a_png_chunk(tmp_path):
    value = b'{"spec":"chara_card_v3","data":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    path = _bytes(tmp_path, "deep.png", png_bytes(text_chunk("ccv3", base64.b64encode(value))))
    assert "nested" in refused(path)


def test_too_many_lore_entries(tmp_path):
    entries = {str(i): {"uid": i, "key": ["k"], "content": "c"} for i in range(20_001)}
    message = refused(write_json(tmp_path / "wi.json", {"entries": entries}))
    assert "20,001 entries, over the limit of 20,000" in message


# ---------------------------------------------------------------------- CHARX


def _charx(tmp_path: Path, files: dict[str, bytes], name: str = "card.charx") -> Path:
    return _bytes(tmp_path, name, charx_bytes(files))


CARD_JSON = json.dumps(v3_card()).encode()


def test_charx_that_is_not_a_zip(tmp_path):
    path = _bytes(tmp_path, "broken.charx", b"PK\x03\x04" + b"\x00" * 40)
    assert refused(path) == "broken.charx: not a valid zip (CHARX) file"


def test_charx_without_card_json(tmp_path):
    path = _charx(tmp_path, {"assets/icon/images/main.png": png_bytes(), "x/card.json": b"{}"})
    assert "without card.json at its top" in refused(path)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.sh", "'..'"),
        ("assets/../../evil", "'..'"),
        ("/etc/passwd", "an absolute path"),
        ("assets\\..\\evil", "a backslash"),
        ("C:/Windows/evil", "a drive letter"),
    ],
)
def test_charx_zip_slip_refuses_the_whole_file(tmp_path, name, why):
    path = _charx(tmp_path, {"card.json": CARD_JSON, name: b"x"})
    message = refused(path)
    assert "unsafe entry name" in message and why in message
    assert "the whole file was refused" in message


def test_charx_with_too_many_entries(tmp_path):
    files = {"card.json": CARD_JSON} | {f"assets/other/{i}.txt": b"" for i in range(2_001)}
    assert "2,002 entries, over the limit of 2,000" in refused(_charx(tmp_path, files))


def _bomb(tmp_path: Path, entry_name: str) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if entry_name != "card.json":
            archive.writestr("card.json", CARD_JSON)
        with archive.open(entry_name, "w", force_zip64=True) as stream:
            block = b"\0" * (1 << 20)
            for _ in range(200):  # 200 MiB of zeros, compressed to ~200 KB
                stream.write(block)
    return _bytes(tmp_path, "bomb.charx", buffer.getvalue())


def test_charx_zip_bomb(tmp_path):
    message = refused(_bomb(tmp_path, "assets/other/bomb.bin"))
    assert "looks like a zip bomb" in message


def test_charx_declaring_too_much_in_total(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_UNCOMPRESSED_BYTES", 100_000)
    files = {"card.json": CARD_JSON} | {
        f"assets/other/{i}.bin": os.urandom(30_000) for i in range(4)
    }
    assert "would unpack to" in refused(_charx(tmp_path, files))


def test_charx_card_json_that_lies_about_its_size(tmp_path):
    """The header says 100 bytes; reading must stop at what the header promised."""
    big = b'{"spec":"chara_card_v3","data":{"name":"' + b"a" * 5_000_000 + b'"}}'
    data = bytearray(charx_bytes({"card.json": big}))
    real = struct.pack("<I", len(big))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    assert data[local + 22 : local + 26] == real and data[central + 24 : central + 28] == real
    data[local + 22 : local + 26] = struct.pack("<I", 100)
    data[central + 24 : central + 28] = struct.pack("<I", 100)
    assert "card.json is corrupt" in refused(_bytes(tmp_path, "liar.charx", bytes(data)))


def test_charx_card_json_over_the_limit(tmp_path):
    big = json.dumps(v3_card(description="d" * (limits.MAX_CARD_JSON_BYTES + 1))).encode()
    stored = charx_bytes({"card.json": big}, compression=zipfile.ZIP_STORED)
    message = refused(_bytes(tmp_path, "big.charx", stored))
    assert "card.json is 8,39" in message and "over the limit of 8,388,608" in message


def test_charx_encrypted_entry(tmp_path):
    data = bytearray(charx_bytes({"card.json": CARD_JSON}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature) + offset
        data[at] |= 0x01  # the "encrypted" flag bit
    message = refused(_bytes(tmp_path, "locked.charx", bytes(data)))
    assert "the zip is encrypted" in message


# ------------------------------------------------------------------ fuzzing


@pytest.fixture(scope="module")
def seed_png(tmp_path_factory) -> bytes:
    path = card_png(tmp_path_factory.mktemp("fuzz") / "seed.png", ccv3=v3_card(), chara=v2_card())
    return path.read_bytes()


def _check_outcome(path: Path) -> None:
    try:
        plan = plan_from_card_file(path)
    except ImportRefused as refusal:
        assert refusal.message.startswith(f"{path.name}: ")
        return
    validated(plan)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=8,
    ),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
    data=st.data(),
)
def test_mutated_card_png_is_refused_or_imported(tmp_path_factory, seed_png, edits, cut, data):
    mutated = bytearray(seed_png)
    for position, value in edits:
        mutated[position % len(mutated)] = value
    if cut is not None:
        mutated = mutated[: cut % (len(mutated) + 1)]
    if data.draw(st.booleans()):
        at = data.draw(st.integers(min_value=0, max_value=len(mutated)))
        mutated[at:at] = data.draw(st.binary(max_size=40))
    path = tmp_path_factory.getbasetemp() / "mutant.png"
    path.write_bytes(bytes(mutated))
    _check_outcome(path)


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_charx_is_refused_or_imported(tmp_path_factory, edits):
    mutated = bytearray(charx_bytes({"card.json": CARD_JSON}))
    for position, value in edits:
        mutated[position % len(mutated)] = value
    path = tmp_path_factory.getbasetemp() / "mutant.charx"
    path.write_bytes(bytes(mutated))
    _check_outcome(path)
