"""The pure-Python LevelDB reader returns what LevelDB itself (plyvel) sees, read only."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storyai.core.importers.errors import SourceLocked
from storyai.core.importers.foundry.leveldb import looks_like_leveldb, read_leveldb

plyvel = pytest.importorskip("plyvel")


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with its content hash."""
    found = {}
    for item in sorted(folder.rglob("*")):
        relative = str(item.relative_to(folder))
        found[relative] = hashlib.sha256(item.read_bytes()).hexdigest() if item.is_file() else "/"
    return found


def _plyvel_items(folder: Path) -> dict[str, bytes]:
    """What LevelDB itself reads from a copy of ``folder`` (opening writes to it)."""
    copy = folder.parent / f"{folder.name}-plyvel-copy"
    shutil.copytree(folder, copy)
    db = plyvel.DB(str(copy), create_if_missing=False)
    try:
        return {key.decode(): value for key, value in db}
    finally:
        db.close()
        shutil.rmtree(copy)


def _db(folder: Path, **options) -> plyvel.DB:
    return plyvel.DB(str(folder), create_if_missing=True, **options)


def _value(number: int, size: int = 60) -> bytes:
    text = json.dumps({"_id": f"doc{number:05d}", "name": f"Goblin {number}", "hp": number % 17})
    return (text + " " * size)[: max(size, len(text))].encode()


# --- the real Foundry pack ----------------------------------------------------------------


@pytest.fixture(scope="module")
def wwn(foundry_fixtures: Path) -> Path:
    return foundry_fixtures / "wwn-leveldb" / "ose-monsters"


def test_reads_the_wwn_pack_in_place_without_changing_it(wwn: Path) -> None:
    before = _snapshot(wwn)
    contents = read_leveldb(wwn)
    assert _snapshot(wwn) == before
    assert contents.warnings == []
    assert contents.files_read == 2  # 002543.ldb and the empty 002940.log; never lost/
    keys = list(contents.items)
    assert len(keys) == 810
    assert keys == sorted(keys)
    actors = {
        k.removeprefix("!actors!"): v for k, v in contents.items.items() if k.startswith("!actors!")
    }
    items = [k for k in keys if k.startswith("!actors.items!")]
    assert (len(actors), len(items)) == (147, 663)
    docs = {key: json.loads(value) for key, value in contents.items.items()}
    assert all(isinstance(doc, dict) for doc in docs.values())
    embedded = 0
    for actor_id in actors:
        children = docs[f"!actors!{actor_id}"]["items"]
        assert all(f"!actors.items!{actor_id}.{child}" in docs for child in children)
        embedded += len(children)
    assert embedded == 663


def test_the_wwn_pack_matches_plyvel(wwn: Path, tmp_path: Path) -> None:
    shutil.copytree(wwn, tmp_path / "pack")
    expected = _plyvel_items(tmp_path / "pack")
    assert read_leveldb(wwn).items == expected


def test_looks_like_leveldb(wwn: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.db").write_text("{}\n")
    assert looks_like_leveldb(wwn)
    assert not looks_like_leveldb(tmp_path / "empty")
    assert not looks_like_leveldb(tmp_path / "file.db")
    assert not looks_like_leveldb(tmp_path / "missing")


# --- databases built with plyvel -----------------------------------------------------------


@pytest.mark.parametrize("compression", ["snappy", None])
def test_overwrites_and_deletions_in_the_log(tmp_path: Path, compression: str | None) -> None:
    folder = tmp_path / "db"
    db = _db(folder, compression=compression)
    for number in range(50):
        db.put(f"!actors!{number:03d}".encode(), _value(number))
    db.put(b"!actors!007", b'{"name": "second"}')
    db.put(b"!actors!007", b'{"name": "third"}')
    db.delete(b"!actors!013")
    db.delete(b"!actors!never-written")
    db.close()  # LevelDB keeps all of it in the log until the next open

    contents = read_leveldb(folder)
    assert contents.items["!actors!007"] == b'{"name": "third"}'
    assert "!actors!013" not in contents.items
    assert len(contents.items) == 49
    assert contents.items == _plyvel_items(folder)
    assert contents.warnings == []


@pytest.mark.parametrize("compression", ["snappy", None])
def test_overwrites_and_deletions_across_tables(tmp_path: Path, compression: str | None) -> None:
    folder = tmp_path / "db"
    db = _db(folder, compression=compression)
    for number in range(300):
        db.put(f"!items!{number:04d}".encode(), _value(number, 200))
    db.compact_range()  # everything into tables
    db.put(b"!items!0001", b"overwritten after compaction")
    db.delete(b"!items!0002")
    db.close()
    db = _db(folder, compression=compression)  # reopening turns the log into a newer table
    db.delete(b"!items!0003")
    db.put(b"!items!0004", b"in the log")
    db.close()

    contents = read_leveldb(folder)
    assert contents.items["!items!0001"] == b"overwritten after compaction"
    assert contents.items["!items!0004"] == b"in the log"
    assert "!items!0002" not in contents.items
    assert "!items!0003" not in contents.items
    assert len(contents.items) == 298
    assert contents.items == _plyvel_items(folder)
    assert contents.files_read >= 2


def test_fully_compacted_database(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    db = _db(folder)
    for number in range(200):
        db.put(f"!journal!{number:04d}".encode(), _value(number, 500))
    for number in range(0, 200, 3):
        db.delete(f"!journal!{number:04d}".encode())
    db.compact_range()
    db.close()
    contents = read_leveldb(folder)
    assert sorted(contents.items) == [f"!journal!{n:04d}" for n in range(200) if n % 3]
    assert contents.items == _plyvel_items(folder)


@pytest.mark.parametrize("compact", [False, True], ids=["log", "table"])
def test_values_larger_than_a_log_block(tmp_path: Path, compact: bool) -> None:
    folder = tmp_path / "db"
    db = _db(folder)
    big = {
        b"!scenes!big-text": json.dumps({"notes": "The dragon sleeps. " * 5000}).encode(),
        b"!scenes!big-random": os.urandom(100_000),  # does not compress
        b"!scenes!exactly-32k": b"x" * 32768,
    }
    for key, value in big.items():
        db.put(key, value)
        db.put(key + b"-small", b"{}")
    if compact:
        db.compact_range()
    db.close()
    contents = read_leveldb(folder)
    for key, value in big.items():
        assert contents.items[key.decode()] == value
    assert len(contents.items) == 6
    assert contents.items == _plyvel_items(folder)


@pytest.mark.parametrize("compression", ["snappy", None])
def test_many_keys_span_many_blocks(tmp_path: Path, compression: str | None) -> None:
    folder = tmp_path / "db"
    db = _db(folder, compression=compression, block_size=1024, write_buffer_size=256 * 1024)
    expected = {}
    for number in range(4000):
        key = f"!actors.items!actor{number // 7:04d}.item{number:05d}"
        value = _value(number, number % 300)
        db.put(key.encode(), value)
        expected[key] = value
    db.close()
    assert read_leveldb(folder).items == expected  # several tables and a log
    db = _db(folder, compression=compression, block_size=1024)
    db.compact_range()
    db.close()
    contents = read_leveldb(folder)
    assert contents.items == expected
    assert contents.items == _plyvel_items(folder)


def test_unicode_keys_and_values(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    db = _db(folder)
    db.put("!actors!Ωmega".encode(), '{"name": "Drachen-Ölfass ✓"}'.encode())
    db.put(b"!actors!alpha", b"{}")
    db.close()
    contents = read_leveldb(folder)
    assert list(contents.items) == ["!actors!alpha", "!actors!Ωmega"]
    assert json.loads(contents.items["!actors!Ωmega"]) == {"name": "Drachen-Ölfass ✓"}


def test_an_empty_database_has_no_items(tmp_path: Path) -> None:
    _db(tmp_path / "db").close()
    contents = read_leveldb(tmp_path / "db")
    assert contents.items == {}
    assert contents.warnings == []


# --- which files are read ------------------------------------------------------------------


def _built(tmp_path: Path) -> Path:
    folder = tmp_path / "db"
    db = _db(folder)
    for number in range(100):
        db.put(f"!items!{number:03d}".encode(), _value(number))
    db.compact_range()
    db.delete(b"!items!050")
    db.put(b"!items!051", b"newer")
    db.close()
    return folder


def test_without_its_manifest_every_file_is_read_with_a_warning(tmp_path: Path) -> None:
    folder = _built(tmp_path)
    expected = _plyvel_items(folder)
    manifest = (folder / "CURRENT").read_text().strip()
    (folder / manifest).unlink()  # as in packs committed to git without it
    contents = read_leveldb(folder)
    assert contents.items == expected
    assert len(contents.warnings) == 1
    assert contents.warnings[0].startswith(f"no MANIFEST (CURRENT names {manifest}")
    assert "read every table and log file instead" in contents.warnings[0]


def test_without_current_every_file_is_read_with_a_warning(tmp_path: Path) -> None:
    folder = _built(tmp_path)
    expected = _plyvel_items(folder)
    (folder / "CURRENT").unlink()
    contents = read_leveldb(folder)
    assert contents.items == expected
    assert contents.warnings == [
        "no MANIFEST (there is no CURRENT file to name it): read every table and log file instead"
    ]


def test_an_unreadable_manifest_falls_back_to_reading_every_file(tmp_path: Path) -> None:
    folder = _built(tmp_path)
    expected = _plyvel_items(folder)
    manifest = folder / (folder / "CURRENT").read_text().strip()
    manifest.write_bytes(os.urandom(manifest.stat().st_size))
    contents = read_leveldb(folder)
    assert contents.items == expected
    assert contents.warnings[0].startswith(f"{manifest.name} cannot be used (")


def test_a_manifest_listing_missing_tables_falls_back_to_reading_every_file(
    tmp_path: Path,
) -> None:
    folder = _built(tmp_path)
    (table,) = folder.glob("*.ldb")
    table.unlink()
    contents = read_leveldb(folder)
    assert contents.items == {"!items!051": b"newer"}  # what is left, in the log
    manifest = (folder / "CURRENT").read_text().strip()
    assert contents.warnings == [
        f"{manifest} cannot be used (it lists table {table.name}, which is missing): "
        "read every table and log file instead"
    ]


def test_current_cannot_point_outside_the_folder(tmp_path: Path) -> None:
    folder = _built(tmp_path)
    expected = _plyvel_items(folder)
    (folder / "CURRENT").write_text("../../../etc/passwd\n")
    contents = read_leveldb(folder)
    assert contents.items == expected
    assert contents.warnings == [
        "no MANIFEST (CURRENT does not name one): read every table and log file instead"
    ]


def test_tables_the_manifest_does_not_list_are_ignored(tmp_path: Path) -> None:
    """A table left over in the folder (say, from an interrupted compaction) is not live."""
    other = tmp_path / "other"
    db = _db(other)
    for number in range(500):  # higher sequence numbers than anything in the real database
        db.put(b"!actors!kept", _value(number))
    db.put(b"!actors!ghost", b"{}")
    db.compact_range()
    db.close()
    folder = _built(tmp_path)
    expected = _plyvel_items(folder)
    (table,) = other.glob("*.ldb")
    shutil.copy(table, folder / "000999.ldb")
    assert read_leveldb(folder).items == expected


def test_subfolders_such_as_lost_are_never_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "other"
    db = _db(elsewhere)
    db.put(b"!actors!from-lost", b"{}")
    db.compact_range()
    db.close()
    folder = _built(tmp_path)
    (folder / "lost").mkdir()
    for table in elsewhere.glob("*.ldb"):
        shutil.copy(table, folder / "lost" / "999999.ldb")
    (folder / (folder / "CURRENT").read_text().strip()).unlink()  # scan mode too
    assert "!actors!from-lost" not in read_leveldb(folder).items


# --- a running Foundry -------------------------------------------------------------------

HOLDER = """
import sys, plyvel
db = plyvel.DB(sys.argv[1], create_if_missing=False)
print("open", flush=True)
sys.stdin.read()
db.close()
"""


def _hold(folder: Path) -> subprocess.Popen[str]:
    """Another process with the database open, as a running Foundry has it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "open\n"
    return holder


@pytest.mark.skipif(sys.platform == "win32", reason="LevelDB's lock is an fcntl lock")
def test_a_database_open_in_another_process_is_refused(tmp_path: Path) -> None:
    folder = _built(tmp_path)
    holder = _hold(folder)
    try:
        with pytest.raises(SourceLocked) as refused:
            read_leveldb(folder)
        assert refused.value.message == (
            f"{folder}: the database is open in another program (its LOCK is held)"
        )
        assert refused.value.hint == (
            "close the world in Foundry first (or stop Foundry), then import again"
        )
    finally:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0
    assert "!items!051" in read_leveldb(folder).items  # closed there: readable again


@pytest.mark.skipif(sys.platform == "win32", reason="LevelDB's lock is an fcntl lock")
def test_reading_leaves_the_database_free_for_foundry(tmp_path: Path) -> None:
    folder = _built(tmp_path)
    read_leveldb(folder)
    holder = _hold(folder)  # LevelDB in another process can still take its lock
    holder.communicate("", timeout=30)
    assert holder.returncode == 0
