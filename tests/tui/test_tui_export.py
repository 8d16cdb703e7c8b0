"""Exporting a transcript from the palette never writes into the current directory: it
goes to the user's documents folder (or the storyai data folder), never over an earlier
export, and the notice gives the whole path."""

from __future__ import annotations

import os
from pathlib import Path

import playing
import pytest
from tui_helpers import screen_text, settle, type_text, wait_until


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's home with no documents folder yet, and a working directory apart."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("STORYAI_EXPORT_DIR", raising=False)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_DOCUMENTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return home


async def export(pilot, fmt: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_text(pilot, f"export transcript ({fmt})")
    await pilot.press("enter")
    await settle(pilot)


def exported(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("documents", [True, False])
async def test_export_goes_to_the_documents_or_data_folder_and_says_where(
    make_app, memory_uow, home: Path, documents: bool
) -> None:
    if documents:
        (home / "Documents").mkdir()
    folder = (
        home / "Documents" / "storyai"
        if documents
        else home / ".local" / "share" / "storyai" / "transcripts"
    )
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    await playing.take_turn(memory_uow, start.session_id, "talk to hesta")
    app = make_app(memory_uow, session_id=start.session_id, export_dir=None)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await export(pilot, "Markdown")
        await wait_until(pilot, lambda: exported(folder), "the transcript is written")
        [name] = exported(folder)
        assert name.endswith("-turn1.md")
        written = folder / name
        assert "**Wren** (turn 1): talk to hesta" in written.read_text(encoding="utf-8")
        # the notice names the folder in full (a long path wraps inside the toast); the
        # file is written before the toast is drawn, so wait for it to show
        await wait_until(pilot, lambda: "Transcript written to" in screen_text(app), "the notice")
        notice = "".join(n.message for n in app._notifications)
        assert str(written) in notice

        await export(pilot, "Markdown")  # again, same turn: a second file, none lost
        await export(pilot, "JSON")
        await wait_until(pilot, lambda: len(exported(folder)) == 3, "three files")
        assert exported(folder) == sorted([name, name[:-3] + "-2.md", name[:-3] + ".json"])
    assert os.listdir(Path.cwd()) == []  # nothing in the current directory


async def test_an_export_folder_that_cannot_be_made_is_a_clear_error(
    make_app, memory_uow, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = home / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("STORYAI_EXPORT_DIR", str(blocker / "exports"))
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id, export_dir=None)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await export(pilot, "Markdown")
        await wait_until(
            pilot, lambda: "Could not write the transcript" in screen_text(app), "the error"
        )
        assert app.is_running
        assert "STORYAI_EXPORT_DIR" in "".join(n.message for n in app._notifications)
