"""`storyai run` and `storyai world test` as an author uses them: scripts in, story out."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import playing
import pytest
import yaml
from typer.testing import CliRunner

from storyai.cli.main import app
from storyai.core.storage.database import Database
from storyai.core.storage.sql import sql_uow_factory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLDS = bundled_world_paths()
VILLAGE = ["look", "go west", "talk to dunnick about gossip"]
FIGHT = ["go north", "attack wolf", "attack wolf", "attack wolf"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, code: int | None = 0, input: str | None = None):
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    return invoke


def script(tmp_path: Path, lines: list[str], name: str = "script.txt") -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def dice_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("🎲")]


def copy_world(tmp_path: Path, name: str = "ember_hollow") -> Path:
    target = tmp_path / f"{name}_copy"
    shutil.copytree(WORLDS[name], target)
    return target


def write_playtests(world: Path, playtests: list[dict]) -> None:
    (world / "playtests.yaml").write_text(
        yaml.safe_dump({"playtests": playtests}, sort_keys=False), encoding="utf-8"
    )


# ------------------------------------------------------------------ storyai run


def test_a_script_is_played_and_narrated(cli, tmp_path: Path) -> None:
    out = cli("run", "ember_hollow", "--script", script(tmp_path, VILLAGE), "--seed", "7").stdout
    assert out.startswith("The Cold Hearths of Ember Hollow")
    assert "Village Square" in out and "Reeve Hesta" in out  # the opening scene
    for typed in VILLAGE:
        assert f"> {typed}" in out
    tavern = out.index("> go west")
    assert "The Banked Coal" in out[tavern:]
    assert "Dunnick:" in out and "Brannock at the forge" in out  # the topic, in his voice
    assert "1. " in out  # numbered choices are offered


def test_same_seed_same_story_other_seed_other_dice(cli, tmp_path: Path) -> None:
    fight = script(tmp_path, FIGHT)
    first = cli("run", "ember_hollow", "--script", fight, "--seed", "7").stdout
    again = cli("run", "ember_hollow", "--script", fight, "--seed", "7").stdout
    other = cli("run", "ember_hollow", "--script", fight, "--seed", "8").stdout
    assert first == again
    assert dice_lines(first), "the wolf fight rolls dice"
    assert dice_lines(first) != dice_lines(other)


def test_inputs_come_from_stdin_without_a_script(cli) -> None:
    out = cli("run", "ember_hollow", input="# a comment is skipped\n\ngo south\ninventory\n").stdout
    assert "> go south" in out and "Hearth Chapel" in out
    assert "> inventory" in out and "You carry:" in out
    assert "a comment" not in out


def test_json_prints_one_event_per_line(cli, tmp_path: Path) -> None:
    result = cli("run", "ember_hollow", "--script", script(tmp_path, VILLAGE), "--json")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["kind"] for e in events]
    assert kinds[:2] == ["session_started", "player_joined"]
    assert {"player_action", "narration", "state_changed"} <= set(kinds)
    actions = [e for e in events if e["kind"] == "player_action"]
    assert [a["payload"]["text"] for a in actions] == VILLAGE
    assert [a["turn"] for a in actions] == [1, 2, 3]
    narrations = [e for e in events if e["kind"] == "narration"]
    told = [line["text"] for e in narrations for line in e["payload"]["lines"]]
    assert "The Banked Coal" in told
    assert all(e["actor"] for e in events)


def test_json_names_input_that_was_not_understood_and_stored_nothing(cli, tmp_path: Path) -> None:
    steps = ["look", "dance wildly", "go west"]
    result = cli("run", "ember_hollow", "--script", script(tmp_path, steps), "--json")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    skipped = [e for e in events if e["kind"] == "not_understood"]
    assert [(e["input"], e["turn"]) for e in skipped] == [("dance wildly", 1)]
    assert "help" in " ".join(skipped[0]["lines"])
    actions = [e for e in events if e["kind"] == "player_action"]
    assert [(a["payload"]["text"], a["turn"]) for a in actions] == [("look", 1), ("go west", 2)]


def test_json_stays_json_when_the_world_has_warnings(cli, tmp_path: Path) -> None:
    world = copy_world(tmp_path)
    (world / "attic.yaml").write_text(
        "locations:\n  attic:\n    name: The Attic\n    description: Nobody comes up here.\n"
    )
    result = cli("run", str(world), "--script", script(tmp_path, ["look"]), "--json")
    assert "attic" in result.stderr  # the warning is shown, on stderr
    assert all(json.loads(line)["kind"] for line in result.stdout.splitlines())


def test_a_script_that_reaches_an_ending_prints_it_and_stops(cli, tmp_path: Path) -> None:
    world = load_world(WORLDS["halvard_relay"])
    test = next(t for t in world.playtests if t.expect.ending == "quiet_money")
    path = script(tmp_path, [*test.inputs, "inventory"])
    out = cli("run", "halvard_relay", "--script", path, "--seed", str(test.seed)).stdout
    assert "Quiet Money" in out
    assert out.rstrip().endswith("The story ended: Quiet Money (quiet_money)")
    assert "> inventory" not in out  # nothing after the ending is played


def test_unknown_world_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli("run", "no_such_world", "--script", script(tmp_path, ["look"]), code=1)
    assert "no_such_world" in result.stderr
    assert "Error" in result.stderr
    assert result.stdout == ""


def test_missing_script_file_is_a_clear_error(cli) -> None:
    result = cli("run", "ember_hollow", "--script", "nowhere.txt", code=1)
    assert "no script file 'nowhere.txt'" in result.stderr


def test_unknown_archetype_is_a_clear_error(cli, tmp_path: Path) -> None:
    path = script(tmp_path, ["look"])
    result = cli("run", "ember_hollow", "--script", path, "--archetype", "pirate", code=1)
    assert "no archetype 'pirate'" in result.stderr and "sellsword" in result.stderr


def test_without_save_nothing_is_stored(cli, tmp_path: Path) -> None:
    cli("run", "ember_hollow", "--script", script(tmp_path, VILLAGE))
    assert json.loads(cli("world", "list", "--json").stdout)["installed"] == []


def test_save_keeps_the_session_in_the_database(cli, tmp_path: Path, cli_database: str) -> None:
    out = cli("run", "ember_hollow", "--script", script(tmp_path, VILLAGE), "--save").stdout
    session_id = out.strip().splitlines()[-1].removeprefix("Saved as session ").rstrip(".")
    installed = json.loads(cli("world", "list", "--json").stdout)["installed"]
    assert [(w["id"], w["sessions"]) for w in installed] == [("ember_hollow", 1)]

    async def load():
        async with Database(cli_database) as db:
            return await playing.resume(sql_uow_factory(db), session_id)

    resumed = asyncio.run(load())
    assert resumed.state.turn == len(VILLAGE)
    assert next(iter(resumed.state.players.values())).location == "tavern"
    assert any("Brannock at the forge" in line.text for line in resumed.lines)


# ------------------------------------------------------------------ storyai world test


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_bundled_playtests_pass(cli, name: str) -> None:
    out = cli("world", "test", str(WORLDS[name])).stdout
    tests = load_world(WORLDS[name]).playtests
    assert len(tests) >= 4  # every ending, and a quest stage
    for test in tests:
        assert f"✓ {test.name}" in out
    assert f"All {len(tests)} playtest(s) passed." in out


def test_a_missed_expectation_fails_at_the_first_miss(cli, tmp_path: Path) -> None:
    world = copy_world(tmp_path)
    write_playtests(
        world,
        [
            {"name": "the square", "inputs": ["look"], "expect": {"location": "village_square"}},
            {
                "name": "off to the chapel",
                "inputs": ["go west", "talk to dunnick about gossip"],
                "expect": {"location": "chapel"},
            },
            {"name": "never played", "inputs": ["go south"], "expect": {"location": "chapel"}},
        ],
    )
    out = cli("world", "test", str(world), code=1).stdout
    assert "✓ the square" in out
    assert "✗ off to the chapel" in out
    assert "expected to be at 'chapel', but at 'tavern'" in out
    assert "talk to dunnick about gossip" in out  # where it went astray
    assert "never played" not in out
    assert "1 later playtest(s) not run" in out
    assert "passed" not in out


@pytest.mark.parametrize(
    ("expect", "missed"),
    [
        ({"quest": "cold_hearths", "stage": "the_deep"}, "to reach stage 'the_deep'"),
        ({"quest": "cold_hearths", "stage": "no_such_stage"}, "has no stage 'no_such_stage'"),
        ({"quest_done": "cold_hearths"}, "expected quest 'cold_hearths' to be complete"),
        ({"has_item": "founders_hammer"}, "expected to carry 'founders_hammer'"),
        ({"flag": "spirit_freed"}, "expected flag 'spirit_freed' to be set"),
        ({"ending": "the_long_thaw"}, "expected ending 'the_long_thaw', got no ending"),
    ],
)
def test_each_kind_of_expectation_says_what_was_missed(
    cli, tmp_path: Path, expect: dict, missed: str
) -> None:
    world = copy_world(tmp_path)
    inputs = ["talk to hesta about mine"]
    write_playtests(world, [{"name": "a short visit", "inputs": inputs, "expect": expect}])
    out = cli("world", "test", str(world), code=1).stdout
    assert "✗ a short visit (1 turns)" in out
    assert missed in out


def test_a_world_without_playtests_is_a_clear_error(cli, tmp_path: Path) -> None:
    world = copy_world(tmp_path)
    (world / "playtests.yaml").unlink()
    result = cli("world", "test", str(world), code=1)
    assert "has no playtests" in result.stderr
    assert "playtests:" in result.stderr  # the hint says what to add
