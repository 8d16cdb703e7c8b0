"""Writing card files: paths that cannot be written are refused by name, and the
files written are ordinary files (the permissions ``open(path, "w")`` gives)."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyai.core.domain.world import Character
from storyai.core.importers.cards import (
    card_from_character,
    plan_from_card_file,
    write_card_json,
    write_card_png,
)
from storyai.core.importers.errors import ImportRefused

WRITERS = {"JSON": write_card_json, "PNG": write_card_png}
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file permissions")


def _card() -> dict:
    return card_from_character(Character(name="Ana", description="A smith."), "ana", {})


def _refusal(writer, path: Path | str) -> str:
    with pytest.raises(ImportRefused) as caught:
        writer(_card(), path)
    return caught.value.message


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """Restores the process umask that a test changes."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_missing_folder_is_refused_by_name(tmp_path, kind):
    assert (
        _refusal(WRITERS[kind], "/nonexistent/dir/x.png")
        == "cannot write /nonexistent/dir/x.png: no such folder"
    )
    target = tmp_path / "not-made-yet" / "ana.card"
    assert _refusal(WRITERS[kind], target) == f"cannot write {target}: no such folder"
    assert list(tmp_path.iterdir()) == []  # no folder made, nothing left behind


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_file_in_the_way_of_the_folder_is_refused(tmp_path, kind):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list", encoding="utf-8")
    target = notes / "ana.card"
    assert _refusal(WRITERS[kind], target) == f"cannot write {target}: {notes} is not a folder"
    assert notes.read_text(encoding="utf-8") == "shopping list"


@pytest.mark.parametrize("kind", list(WRITERS))
def test_writing_over_a_folder_is_refused_and_leaves_nothing(tmp_path, kind):
    folder = tmp_path / "ana.card"
    folder.mkdir()
    (folder / "inside.txt").write_text("kept", encoding="utf-8")
    assert _refusal(WRITERS[kind], folder) == f"cannot write {folder}: it is a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ana.card"]
    assert (folder / "inside.txt").read_text(encoding="utf-8") == "kept"


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_folder_the_system_will_not_let_us_write_in_is_refused(tmp_path, kind, monkeypatch):
    """A read-only folder, simulated: CI runs as root, who may write anywhere."""
    real_open = os.open

    def denied(path, flags, mode=0o777, *args, **kwargs):
        if str(path).startswith(str(tmp_path)) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    target = tmp_path / "ana.card"
    assert _refusal(WRITERS[kind], target) == f"cannot write {target}: permission denied"
    assert list(tmp_path.iterdir()) == []


@posix_only
@pytest.mark.parametrize("kind", list(WRITERS))
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_a_new_card_file_gets_the_permissions_of_any_new_file(tmp_path, umask, kind, mask):
    os.umask(mask)
    ordinary = tmp_path / "ordinary.txt"
    with open(ordinary, "w", encoding="utf-8") as handle:
        handle.write("made the usual way")
    target = tmp_path / "ana.card"
    WRITERS[kind](_card(), target)
    assert _mode(target) == _mode(ordinary) == 0o666 & ~mask
    assert plan_from_card_file(target).title == "Ana"


@posix_only
@pytest.mark.parametrize("kind", list(WRITERS))
def test_replacing_a_card_file_keeps_its_permissions(tmp_path, umask, kind):
    os.umask(0o022)
    target = tmp_path / "ana.card"
    target.write_bytes(b"an older export")
    target.chmod(0o640)
    WRITERS[kind](_card(), target)
    assert _mode(target) == 0o640
    assert plan_from_card_file(target).title == "Ana"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ana.card"]
