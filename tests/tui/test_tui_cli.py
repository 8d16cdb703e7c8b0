"""`storyai play`: its help, its errors, and what it hands the app."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList
from tui_helpers import settle, wait_until
from typer.testing import CliRunner

from storyai.cli.main import app as cli
from storyai.tui.app import StoryApp
from storyai.tui.screens.title import TitleScreen


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[StoryApp]:
    """Apps `storyai play` would run, recorded instead of run (there is no terminal here)."""
    apps: list[StoryApp] = []

    async def run_async(self: StoryApp, **_kwargs) -> None:
        apps.append(self)

    monkeypatch.setattr(StoryApp, "run_async", run_async)
    return apps


def test_help_has_examples() -> None:
    out = invoke("play", "--help")
    for text in ("storyai play ember_hollow", "--session", "--seed", "ctrl+q"):
        assert text in out


def test_no_world_opens_the_title_screen(launched) -> None:
    invoke("play")
    [app] = launched
    assert app._start_world is None and app._start_session is None


def test_a_world_goes_to_character_creation(launched) -> None:
    invoke("play", "ember_hollow", "--seed", "5")
    [app] = launched
    assert app._start_world == "ember_hollow" and app.deps.seed == 5


def test_a_world_folder_is_validated_and_installed(launched, tmp_path) -> None:
    invoke("world", "new", str(tmp_path / "harbour_town"))
    invoke("play", str(tmp_path / "harbour_town"))
    assert launched[0]._start_world == "harbour_town"


def test_unknown_world_and_session_are_errors_not_tracebacks(launched) -> None:
    out = invoke("play", "no_such_world", code=1)
    assert "no_such_world" in out
    out = invoke("play", "--session", "nope", code=1)
    assert "Error" in out
    out = invoke("play", "ember_hollow", "--session", "nope", code=1)
    assert "not both" in out
    assert launched == []


def test_session_by_the_start_of_its_id(launched) -> None:
    invoke("run", "ember_hollow", "--save", "--seed", "2")
    listed = invoke("session", "list")
    short_id = listed.splitlines()[1].split()[0]
    invoke("play", "--session", short_id)
    [app] = launched
    assert app._start_session is not None and app._start_session.startswith(short_id)
    assert len(app._start_session) > len(short_id)


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """`storyai play` runs its app in Textual's headless test mode until it settles;
    records the title screen's world list each time."""
    seen: list[list[str]] = []

    async def run_async(self: StoryApp, **_kwargs) -> None:
        async with self.run_test(size=(80, 24)) as pilot:
            # the database opens after the first frame: the lists fill, or the app ends
            await wait_until(
                pilot,
                lambda: (
                    self.return_code is not None
                    or (isinstance(self.screen, TitleScreen) and bool(self.screen.worlds))
                ),
                "the title's lists are filled, or the app ended",
            )
            if self.return_code is not None:  # it ended itself (the database failed)
                return
            await settle(pilot)
            if isinstance(self.screen, TitleScreen):
                worlds = self.screen.query_one("#worlds", OptionList)
                count = worlds.option_count
                seen.append([str(worlds.get_option_at_index(i).id) for i in range(count)])

    monkeypatch.setattr(StoryApp, "run_async", run_async)
    return seen


def test_the_title_opens_the_database_after_it_is_drawn(headless) -> None:
    invoke("play")
    invoke("play")  # a second start finds everything in place
    assert headless == [["ember_hollow", "halvard_relay"]] * 2
    out = invoke("world", "list")
    assert "Installed worlds" in out and "halvard_relay" in out


def test_a_database_that_cannot_be_opened_ends_the_app_with_its_error(
    headless, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("STORYAI_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    out = invoke("play", code=1)
    assert "folder" in out and "does not exist" in out
