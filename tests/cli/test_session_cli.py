"""`storyai session`: saved stories listed, branches shown, transcripts exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyai.cli.main import app

pytestmark = pytest.mark.usefixtures("cli_database")


def invoke(*args: str, code: int = 0, stdin: str | None = None):
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_saved_stories_are_listed_and_exported(tmp_path: Path):
    assert "No stories yet" in invoke("session", "list")
    invoke(
        "run",
        "ember_hollow",
        "--save",
        "--seed",
        "4",
        "--name",
        "Ash",
        stdin="talk to hesta about mine\ngo north\n",
    )
    listed = invoke("session", "list")
    assert "Ember Hollow" in listed and "main" in listed
    short_id = listed.splitlines()[1].split()[0]

    assert "● main  turn 2" in invoke("session", "branches", short_id)
    shown = invoke("session", "show", short_id)
    assert "Ember Hollow" in shown and "turn 2 on branch main" in shown
    assert "Model usage: none (told by the offline game master)." in shown
    markdown = invoke("session", "export", short_id)
    assert "**Ash** (turn 2): go north" in markdown
    out = tmp_path / "story.json"
    invoke("session", "export", short_id, "--format", "json", "--out", str(out))
    events = json.loads(out.read_text(encoding="utf-8"))["events"]
    assert [e["payload"]["text"] for e in events if e["kind"] == "player_action"] == [
        "talk to hesta about mine",
        "go north",
    ]


def test_unknown_story_and_format_are_clear_errors():
    assert "There is no story 'nope'" in invoke("session", "export", "nope", code=1)
    invoke("run", "ember_hollow", "--save", stdin="look\n")
    short_id = invoke("session", "list").splitlines()[1].split()[0]
    assert "Unknown transcript format" in invoke("session", "export", short_id, "-f", "pdf", code=1)


def test_a_story_whose_last_action_was_never_told_says_so(cli_database: str):
    import asyncio

    import playing

    from storyai.core.narrators.port import Narrator, TextDelta
    from storyai.core.storage.database import Database
    from storyai.core.storage.sql import sql_uow_factory

    class Exploding(Narrator):
        """The app stops half-way through telling a turn."""

        async def stream(self, request):
            yield TextDelta("The wind ")
            raise ConnectionError("gone")

    invoke("run", "ember_hollow", "--save", stdin="look\n")
    short_id = invoke("session", "list").splitlines()[1].split()[0]
    assert "(untold)" not in invoke("session", "list")

    async def stop_while_telling() -> None:
        async with Database(cli_database) as db:
            uow = sql_uow_factory(db)
            [story] = await playing.recent_sessions(uow)
            with pytest.raises(ConnectionError):
                await playing.take_turn(uow, story.id, "go north", narrator=Exploding())

    asyncio.run(stop_while_telling())
    assert "2 (untold)" in invoke("session", "list")
    shown = invoke("session", "show", short_id)
    assert "turn 1 on branch main — its last action is not told yet" in shown
    assert f"storyai play --session {short_id}" in shown
