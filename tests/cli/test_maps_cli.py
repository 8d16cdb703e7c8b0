"""`storyai map`, `storyai codex` and `storyai lore` as a creator and a player use them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("cli_database")


def test_generate_a_dungeon_make_it_a_world_and_draw_it(cli, tmp_path: Path) -> None:
    out = cli("map", "generate", "dungeon", "--seed", "7", "--size", "8", "-o", "crypt.yaml")
    assert "a dungeon of 8 places" in out.output
    again = cli("map", "generate", "dungeon", "--seed", "7", "--size", "8").output
    assert again == (tmp_path / "crypt.yaml").read_text(encoding="utf-8")
    cli("world", "new", "crypt", "--from-map", "crypt.yaml")
    assert "is valid" in cli("world", "validate", "crypt").output
    drawn = cli("map", "show", "./crypt").output
    assert "◆" in drawn and "╳" in drawn  # the party at the entrance; the locked door
    cli("map", "show", "./crypt", "-o", "crypt.svg")
    assert (tmp_path / "crypt.svg").read_text(encoding="utf-8").startswith("<svg")
    assert "unknown map format" in cli("map", "show", "./crypt", "-f", "gif", code=1).output
    assert "unknown map kind 'maze'" in cli("map", "generate", "maze", code=1).output
    assert (
        "already exists" in cli("world", "new", "crypt", "--from-map", "crypt.yaml", code=1).output
    )


def test_a_players_codex_and_map_of_a_saved_story(cli) -> None:
    cli(
        "run",
        "ember_hollow",
        "--save",
        "--seed",
        "4",
        "--name",
        "Ash",
        input="talk to hesta about mine\ngo north\n",
    )
    short_id = cli("session", "list").output.splitlines()[1].split()[0]
    codex = cli("codex", short_id).output
    assert "Ash's codex" in codex
    for heading in ("Places", "People", "Items", "Lore"):
        assert heading in codex
    assert "Hesta" in codex and "learned, turn 1" in codex and "Mine Road" in codex
    found = cli("codex", short_id, "--search", "mine road").output
    assert "Mine Road" in found and "Hesta" not in found
    drawn = cli("map", "show", short_id).output
    assert "◆Mine Road" in drawn and "Deep Gallery" not in drawn


def test_lore_for_authors(cli) -> None:
    listed = cli("lore", "list", "ember_hollow").output
    assert "heartstone" in listed and "gm-only" in listed
    assert "known by" in cli("lore", "show", "ember_hollow", "heartstone").output
    assert (
        "did you mean 'heartstone'"
        in cli("lore", "show", "ember_hollow", "hartstone", code=1).output
    )
    assert "sealed_door" in cli("lore", "search", "ember_hollow", "door").output
    why = cli("lore", "why", "ember_hollow", "ask about the heartstone").output
    assert "heartstone: included" in why  # Hesta, who knows it, is in the square
    assert "lore never triggers lore" in why
    assert "'village' in the scene" in why and "not fired" in why
    why = cli("lore", "why", "ember_hollow", "ask about the heartstone", "--at", "mine_road").output
    assert "heartstone: withheld: known only by" in why and "lore never triggers" not in why
    told = cli(
        "lore",
        "why",
        "ember_hollow",
        "ask about the heartstone",
        "--at",
        "mine_road",
        "--knows",
        "heartstone",
    ).output
    assert "heartstone: included" in told
    tight = cli(
        "lore", "why", "ember_hollow", "the founders of the village", "--budget", "40"
    ).output
    assert "over budget" in tight
    cli(
        "run",
        "ember_hollow",
        "--save",
        "--seed",
        "4",
        "--name",
        "Ash",
        input="ask hesta about the founders\nlook\n",
    )
    short_id = cli("session", "list").output.splitlines()[1].split()[0]
    cli("session", "export", short_id, "-o", "story.md")
    replayed = cli("lore", "why", "ember_hollow", "--transcript", "story.md").output
    assert "1. > ask hesta about the founders" in replayed and "2. > look" in replayed
    assert "the_founders: included, fired by 'founders' in your action" in replayed
    assert "the_founders: included, fired by 'founders' in input 1" in replayed
    lint = cli("lore", "lint", "ember_hollow").output
    assert "keyword 'nail' is shared with the_binding" in lint and "0 errors" in lint


def test_publish_a_wiki_of_a_world_and_of_a_story(cli, tmp_path: Path) -> None:
    done = cli("wiki", "ember_hollow", "-o", "site").output
    assert "Wrote" in done and (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "places" / "village_square.html").is_file()
    again = cli("wiki", "ember_hollow", "-o", "site", "--gm").output  # over its own site
    assert "GM edition" in again
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    refused = cli("wiki", "ember_hollow", "-o", "notes", code=1).output
    assert "not a wiki" in refused and (tmp_path / "notes" / "mine.txt").read_text() == "keep"
    cli("run", "ember_hollow", "--save", "--seed", "4", "--name", "Ash", input="go north\n")
    short_id = cli("session", "list").output.splitlines()[1].split()[0]
    cli("wiki", short_id, "-o", "campaign")
    story = (tmp_path / "campaign" / "story.html").read_text(encoding="utf-8")
    assert "go north" in story
    assert not (tmp_path / "campaign" / "places" / "deep_gallery.html").exists()


@pytest.mark.usefixtures("cli_database")
def test_a_name_that_is_neither_a_world_nor_a_story_says_so(cli, tmp_path: Path) -> None:
    for args in (("map", "show", "atlantis"), ("wiki", "atlantis", "-o", tmp_path / "w")):
        out = cli(*args, code=1).output
        assert "There is no world or story called 'atlantis'." in out
        assert "storyai world list" in out and "storyai session list" in out
    assert not (tmp_path / "w").exists(), "nothing written"


def test_map_show_draws_a_hidden_way_only_once_it_is_found(cli, tmp_path: Path) -> None:
    import yaml

    keep = yaml.safe_load(
        (Path(__file__).parents[1] / "maps" / "data" / "keep" / "world.yaml").read_text()
    )
    tower = keep["locations"]["tower"]
    tower["exits"]["north"] = {"to": "secret_room", "hidden": True, "requires": {"flag": "found"}}
    tower["phrases"] = [
        {
            "says": ["open"],
            "text": "A stone sighs aside.",
            "effects": [{"type": "set_flag", "flag": "found"}],
        }
    ]
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "world.yaml").write_text(yaml.safe_dump(keep), encoding="utf-8")

    def drawn_after(steps: str) -> str:
        cli("run", "./keep", "--save", "--seed", "3", "--name", "Ash", input=steps)
        newest = cli("session", "list").output.splitlines()[1].split()[0]
        return cli("map", "show", newest).output + cli("map", "show", newest, "-f", "svg").output

    assert "Secret Room" not in drawn_after("go north\ngo east\n")
    assert "Secret Room" in drawn_after("go north\ngo east\nsay open\n")
