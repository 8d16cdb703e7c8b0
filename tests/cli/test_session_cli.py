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
