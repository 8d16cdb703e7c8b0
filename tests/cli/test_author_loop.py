"""The author's loop: edit a world, play it from its folder, edit again, uninstall.

Against SQLite and PostgreSQL (``cli_database``), with the real commands.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyai.cli.main import app

pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, code: int | None = 0, stdin: str | None = None):
        result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    return invoke


def _installed(cli) -> dict[str, list[str]]:
    data = json.loads(cli("world", "list", "--json").stdout)
    return {w["id"]: w["versions"] for w in data["installed"]}


def _stories(cli) -> dict[str, int]:
    data = json.loads(cli("world", "list", "--json").stdout)
    return {w["id"]: w["sessions"] for w in data["installed"]}


def _edit(folder: Path, old: str, new: str) -> None:
    world_file = folder / "world.yaml"
    text = world_file.read_text()
    assert old in text
    world_file.write_text(text.replace(old, new))


def _play_saved(cli, ref: str) -> tuple[str, str]:
    """Play one look from ``ref`` and keep the story: what was told, and the story's id."""
    told = cli("run", ref, "--save", stdin="look\n").stdout
    match = re.search(r"Saved as session (\S+)\.", told)
    assert match, told
    return told, match.group(1)


def test_a_world_folder_plays_after_every_edit_without_a_version_bump(cli) -> None:
    cli("world", "new", "harbour")
    cli("world", "install", "harbour")  # the released 0.1.0
    assert "Fishing boats" in _play_saved(cli, "./harbour")[0]

    _edit(Path("harbour"), "Fishing boats", "Painted boats")
    told, painted = _play_saved(cli, "harbour")  # a name found as a folder works too
    assert "Painted boats" in told and "Fishing boats" not in told
    _edit(Path("harbour"), "Painted boats", "Sunken boats")
    assert "Sunken boats" in _play_saved(cli, "./harbour")[0]

    # Each edit made a working copy; the release was never touched, and the working
    # copies that stories were started on are kept for them.
    assert _installed(cli) == {"harbour": ["0.1.0+dev.3", "0.1.0+dev.2", "0.1.0+dev.1", "0.1.0"]}
    exported = Path("release")
    cli("world", "export", "harbour", "--version", "0.1.0", "--to", str(exported))
    assert "Fishing boats" in (exported / "world.yaml").read_text()

    # A story keeps the world it was started on: the one from the first edit still
    # shows the painted boats.
    context = cli("session", "context", painted).stdout
    assert "Painted boats" in context and "Sunken boats" not in context


def test_unchanged_folder_reuses_its_working_copy_and_unused_copies_go(cli) -> None:
    cli("world", "new", "harbour")
    _play_saved(cli, "./harbour")
    _play_saved(cli, "./harbour")
    assert _installed(cli) == {"harbour": ["0.1.0+dev.1"]}  # nothing changed: reused
    assert _stories(cli) == {"harbour": 2}

    _edit(Path("harbour"), "Fishing boats", "Painted boats")
    asyncio.run(_play_from_folder("./harbour", start=False))  # the title screen, say
    _edit(Path("harbour"), "Painted boats", "Sunken boats")
    asyncio.run(_play_from_folder("./harbour", start=False))
    # dev.2 had no story: replaced; dev.1 stays for its two stories.
    assert _installed(cli) == {"harbour": ["0.1.0+dev.3", "0.1.0+dev.1"]}
    cli("run", "./harbour")  # not saved: installs nothing
    assert _installed(cli) == {"harbour": ["0.1.0+dev.3", "0.1.0+dev.1"]}


async def _play_from_folder(ref: str, *, start: bool = True) -> str:
    """What `storyai play REF` does before its screen opens, then (with ``start``) a
    story started on the world and version it gives, as the character creation
    screen does: what that story told after a look."""
    from storyai.cli.play import world_to_play
    from storyai.core.bootstrap import build

    container = await build(migrate=True)
    try:
        await container.open()
        world_id, version = await world_to_play(container, ref)
        if not start:
            return ""
        started = await container.play.start(world_id, version=version, player_name="Ash", seed=1)
        looked = await container.play.act(started.session_id, "look")
        return " ".join(line.text for line in started.lines + looked.lines)
    finally:
        await container.close()


def test_play_from_a_folder_starts_the_story_on_the_edited_world(cli) -> None:
    """`storyai play ./harbour` tells the story of the folder as it is now; the world's
    id keeps playing the release."""
    cli("world", "new", "harbour")
    assert "Fishing boats" in asyncio.run(_play_from_folder("./harbour"))
    _edit(Path("harbour"), "Fishing boats", "Painted boats")
    assert "Painted boats" in asyncio.run(_play_from_folder("./harbour"))
    cli("world", "install", "harbour")  # the release, as the folder is now
    _edit(Path("harbour"), "Painted boats", "Sunken boats")
    assert "Sunken boats" in asyncio.run(_play_from_folder("./harbour"))
    assert _installed(cli)["harbour"][0] == "0.1.0+dev.3"

    # By id alone (no such folder here), a story starts on the release, not a draft.
    Path("harbour").rename("drafts")
    told = asyncio.run(_play_from_folder("harbour"))
    assert "Painted boats" in told and "Sunken boats" not in told
    latest = json.loads(cli("world", "list", "--json").stdout)["installed"][0]["latest"]
    assert latest == "0.1.0"


def test_uninstall_refuses_while_stories_use_it_and_force_deletes_them(cli) -> None:
    cli("world", "new", "worlds/harbour")
    cli("world", "install", "worlds/harbour")
    _, story = _play_saved(cli, "harbour")  # the installed id: no such folder here

    refused = cli("world", "uninstall", "harbour", code=1)
    assert "used by 1 story" in refused.output
    assert story[:8] in refused.output and "--force" in refused.output
    assert _installed(cli) == {"harbour": ["0.1.0"]}  # nothing was removed

    done = cli("world", "uninstall", "harbour", "--force").output
    assert "Uninstalled harbour 0.1.0" in done and "Deleted 1 story" in done
    assert _installed(cli) == {}
    assert "No stories yet" in cli("session", "list").output
    cli("world", "install", "worlds/harbour")  # and it installs again from scratch
    assert _installed(cli) == {"harbour": ["0.1.0"]}


def test_uninstall_one_version_keeps_the_others(cli) -> None:
    cli("world", "new", "harbour")
    cli("world", "install", "harbour")
    _edit(Path("harbour"), '"0.1.0"', '"0.2.0"')
    cli("world", "install", "harbour")
    cli("world", "uninstall", "harbour", "--version", "0.2.0")
    assert _installed(cli) == {"harbour": ["0.1.0"]}
    missing = cli("world", "uninstall", "harbour", "--version", "9.9.9", code=1)
    assert "no installed version '9.9.9'" in missing.output
    unknown = cli("world", "uninstall", "nowhere", code=1)
    assert "No installed world has the id 'nowhere'" in unknown.output
