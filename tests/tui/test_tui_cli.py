"""`storyai play`: its help, its errors, and what it hands the app."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from storyai.cli.main import app as cli
from storyai.tui.app import StoryApp


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


def test_no_world_opens_the_title_screen_with_bundled_worlds_installed(launched) -> None:
    invoke("play")
    [app] = launched
    assert app._start_world is None and app._start_session is None
    out = invoke("world", "list")
    assert "ember_hollow" in out and "halvard_relay" in out  # installed for play


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
