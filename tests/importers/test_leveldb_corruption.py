"""Damaged or foreign folders: the reader warns or refuses (ImportRefused), never crashes."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.foundry import ldb_format
from storyai.core.importers.foundry.ldb_format import crc32c
from storyai.core.importers.foundry.leveldb import read_leveldb

plyvel = pytest.importorskip("plyvel")


def _value(number: int) -> bytes:
    return json.dumps(
        {"_id": f"id{number:05d}", "name": f"Orc {number}", "bio": "grr " * 40}
    ).encode()


def _compacted(folder: Path, count: int = 400, **options) -> dict[str, bytes]:
    """A database whose data is all in one table; returns what it holds."""
    db = plyvel.DB(str(folder), create_if_missing=True, **options)
    expected = {}
    for number in range(count):
        key = f"!actors!{number:05d}"
        db.put(key.encode(), _value(number))
        expected[key] = _value(number)
    db.compact_range()
    db.close()
    return expected


def _only_table(folder: Path) -> Path:
    (table,) = folder.glob("*.ldb")
    return table


def test_a_truncated_table_alone_is_refused_naming_it(tmp_path: Path) -> None:
    _compacted(tmp_path / "db")
    table = _only_table(tmp_path / "db")
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])
    with pytest.raises(ImportRefused) as refused:
        read_leveldb(tmp_path / "db")
    message = refused.value.message
    assert message.startswith(f"{tmp_path / 'db'}: nothing could be read (")
    assert f"{table.name}: skipped the whole table" in message
    assert "truncated" in message


def test_a_truncated_table_beside_good_data_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    _compacted(folder)
    table = _only_table(folder)
    db = plyvel.DB(str(folder))
    db.put(b"!actors!new", b"{}")
    db.close()
    table.write_bytes(table.read_bytes()[:-10])
    contents = read_leveldb(folder)
    assert contents.items == {"!actors!new": b"{}"}
    assert [w for w in contents.warnings if w.startswith(f"{table.name}: skipped the whole table")]


@pytest.mark.parametrize("compression", ["snappy", None])
def test_garbage_inside_a_table_skips_only_the_damaged_blocks(
    tmp_path: Path, compression: str | None
) -> None:
    folder = tmp_path / "db"
    expected = _compacted(folder, compression=compression, block_size=1024)
    table = _only_table(folder)
    data = bytearray(table.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 300] = os.urandom(300)
    table.write_bytes(bytes(data))

    contents = read_leveldb(folder)
    assert 0 < len(contents.items) < len(expected)
    assert all(expected[key] == value for key, value in contents.items.items())
    (warning,) = contents.warnings
    assert warning.startswith(f"{table.name}: skipped ")
    assert "unreadable block" in warning
    assert "checksum mismatch" in warning


def test_a_log_of_random_bytes_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    expected = _compacted(folder)
    (folder / "999999.log").write_bytes(os.urandom(70_000))
    contents = read_leveldb(folder)
    assert contents.items == expected
    (warning,) = contents.warnings
    assert warning.startswith("999999.log: skipped ")


def test_a_folder_of_only_random_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "000001.log").write_bytes(os.urandom(5000))
    (tmp_path / "000002.ldb").write_bytes(os.urandom(5000))
    with pytest.raises(ImportRefused, match="nothing could be read"):
        read_leveldb(tmp_path)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as refused:
        read_leveldb(tmp_path)
    assert refused.value.message == (
        f"{tmp_path}: not a LevelDB database (no CURRENT, MANIFEST, .ldb or .log files in it)"
    )


def test_a_file_instead_of_a_folder_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "monsters.db"
    file.write_text('{"_id": "a"}\n')
    with pytest.raises(ImportRefused, match=r"monsters.db: not a folder \(a LevelDB database is"):
        read_leveldb(file)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="nope: no such folder"):
        read_leveldb(tmp_path / "nope")


def test_too_large_on_disk_is_refused(tmp_path: Path) -> None:
    _compacted(tmp_path / "db")
    with pytest.raises(
        ImportRefused,
        match=r"too large to import \(\d+ bytes of tables and logs; limit 5000 bytes\)",
    ):
        read_leveldb(tmp_path / "db", max_total_bytes=5000)


def test_too_large_once_decompressed_is_refused(tmp_path: Path) -> None:
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True)
    db.put(b"!journal!long", b"All work and no play. " * 20_000)  # 440 kB, compresses well
    db.compact_range()
    db.close()
    with pytest.raises(
        ImportRefused, match="decompress to more than the limit; limit 100000 bytes"
    ):
        read_leveldb(tmp_path / "db", max_total_bytes=100_000)


def test_crc32c_check_value() -> None:
    """The standard check value, and LevelDB accepting every block proves the rest."""
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


# --- random damage ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[bytes]]]:
    """A database with tables and a log, and every value each key ever had."""
    folder = tmp_path_factory.mktemp("small") / "db"
    written: dict[str, set[bytes]] = {}
    db = plyvel.DB(str(folder), create_if_missing=True, block_size=512)
    for number in range(60):
        key, value = f"!items!{number:03d}", _value(number)
        db.put(key.encode(), value)
        written.setdefault(key, set()).add(value)
    db.compact_range()
    for number in range(0, 60, 4):
        key, value = f"!items!{number:03d}", b'{"changed": true}'
        db.put(key.encode(), value)
        written[key].add(value)
        db.delete(f"!items!{number + 1:03d}".encode())
    db.put(b"!items!big", b"long " * 10_000)  # spans log blocks
    written["!items!big"] = {b"long " * 10_000}
    db.close()
    return folder, written


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.parametrize("checksums", [True, False], ids=["checksums", "bounds-checks-only"])
@given(data=st.data())
def test_random_damage_only_ever_warns_or_refuses(
    small_db: tuple[Path, dict[str, set[bytes]]],
    checksums: bool,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    monkeypatch.setattr(ldb_format, "VERIFY_CHECKSUMS", checksums)
    source, written = small_db
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "db"
        shutil.copytree(source, folder)
        names = sorted(p.name for p in folder.iterdir() if p.name not in ("LOG", "LOCK"))
        victim = folder / data.draw(st.sampled_from(names), label="file")
        content = bytearray(victim.read_bytes())
        if content and data.draw(st.booleans(), label="flip"):
            for _ in range(data.draw(st.integers(1, 8), label="flips")):
                at = data.draw(st.integers(0, len(content) - 1), label="at")
                content[at] ^= data.draw(st.integers(1, 255), label="xor")
        else:
            del content[data.draw(st.integers(0, len(content)), label="cut") :]
        victim.write_bytes(bytes(content))
        try:
            contents = read_leveldb(folder)
        except ImportRefused:
            return
    if checksums:
        for key, value in contents.items.items():
            assert value in written[key], key  # damage never invents keys or values
