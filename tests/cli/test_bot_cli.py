"""`storyai bot` says what is missing instead of failing somewhere inside discord.py."""

from __future__ import annotations

from typer.testing import CliRunner

from storyai.cli.main import app


def test_a_missing_token_is_explained(monkeypatch):
    monkeypatch.delenv("STORYAI_DISCORD_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["bot"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "STORYAI_DISCORD_TOKEN is not set" in result.output
    assert "developer" in result.output and "Traceback" not in result.output


def test_bot_help_names_the_token_and_the_database():
    result = CliRunner().invoke(app, ["bot", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "STORYAI_DISCORD_TOKEN" in result.output and "PostgreSQL" in result.output
