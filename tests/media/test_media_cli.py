"""The CLI shows what media cost and exports pictures and audio beside the transcript,
with the image and speech providers configured in ``[media]`` (a local fake server)."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from fakes.media_server import threaded_media_server
from typer.testing import CliRunner

from storyai.cli.main import app

pytestmark = pytest.mark.usefixtures("cli_database")


def invoke(*args: str, code: int = 0, stdin: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def media_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with threaded_media_server() as server:
        config = tmp_path / "storyai.toml"
        config.write_text(
            f"""
[media]
image = ["local-images"]
speech = ["voices"]
directory = "{tmp_path / "media"}"

[media.providers.local-images]
kind = "openai-compatible"
base_url = "{server.openai_base_url}"
model = "sdxl"

[media.providers.voices]
kind = "espeak"
""",
            encoding="utf-8",
        )
        monkeypatch.setenv("STORYAI_CONFIG", str(config))
        yield server


def test_a_portrait_is_drawn_once_shown_by_session_show_and_exported(media_config, tmp_path):
    invoke("run", "ember_hollow", "--save", "--seed", "4", "--name", "Ash", stdin="look\n")
    short_id = invoke("session", "list").splitlines()[1].split()[0]
    drawn = invoke("session", "portrait", short_id)
    assert "Portrait:" in drawn and "(20 credits)" in drawn
    again = invoke("session", "portrait", short_id)
    assert "from the store, free" in again
    assert len(media_config.requests) == 1
    assert "(20 credits)" in invoke("session", "portrait", short_id, "-c", "hesta")
    assert media_config.requests[-1].body["prompt"].startswith("Character: Reeve Hesta.")
    missing = invoke("session", "portrait", short_id, "-c", "nobody", code=1)
    assert "nobody" in missing
    shown = invoke("session", "show", short_id)
    assert "Media: 2 image(s), 0 voice line(s), 40 credits (1 reused" in shown
    out = tmp_path / "story.md"
    told = invoke("session", "export", short_id, "-o", str(out))
    assert "2 picture(s)" in told
    markdown = out.read_text(encoding="utf-8")
    folder = tmp_path / "story_media"
    pictures = sorted(folder.iterdir())
    assert len(pictures) == 2 and all(p.suffix == ".png" for p in pictures)
    assert f"](story_media/{pictures[0].name})" in markdown
    assert "## Pictures" in markdown and "portrait: hesta" in markdown


def test_export_audio_needs_a_file_and_says_why_a_line_was_not_spoken(media_config, tmp_path):
    invoke("run", "ember_hollow", "--save", "--seed", "4", "--name", "Ash", stdin="look\n")
    short_id = invoke("session", "list").splitlines()[1].split()[0]
    assert "--audio writes a file" in invoke("session", "export", short_id, "--audio", code=2)
    out = tmp_path / "story.md"
    told = invoke("session", "export", short_id, "-o", str(out), "--audio")
    audio = tmp_path / "story_chapter1.wav"
    if audio.exists():  # espeak-ng installed
        with wave.open(str(audio)) as spoken:
            assert spoken.getnframes() > 0
        assert "chapter 1 spoken into" in told
    else:
        assert "espeak-ng is not installed" in told
