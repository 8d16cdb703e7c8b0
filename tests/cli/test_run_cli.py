"""`storyai run` and `storyai world test` as an author uses them: scripts in, story out."""

from __future__ import annotations

import asyncio
import json
import re
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


def test_dice_typed_in_the_story_are_rolled_or_refused_plainly(cli) -> None:
    out = cli("run", "ember_hollow", "--seed", "7", input="roll 2d20kl1\nroll 0d6\nlook\n").stdout
    kept = re.search(r"rolls 2d20kl1 \(kept (\d+), dropped (\d+)\) = (\d+)", out)
    assert kept, out
    assert int(kept[1]) <= int(kept[2]) and kept[1] == kept[3]  # the lower die is kept
    assert "'0d6' rolls no dice; roll at least one, like 2d6+3." in out
    assert "0d6 ()" not in out and "> look" in out  # refused, and the story goes on


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
    assert f"All {len(tests)} playtest(s) passed ({len(tests)} passed, 0 failed)." in out


def test_every_playtest_runs_and_a_miss_shows_its_last_turns(cli, tmp_path: Path) -> None:
    world = copy_world(tmp_path)
    write_playtests(
        world,
        [
            {"name": "the square", "inputs": ["look"], "expect": {"location": "village_square"}},
            {
                "name": "off to the chapel",
                "inputs": ["look", "go west", "talk to dunnick about gossip"],
                "expect": {"location": "chapel"},
            },
            {"name": "still played", "inputs": ["go west"], "expect": {"location": "chapel"}},
            {"name": "the tavern", "inputs": ["go west"], "expect": {"location": "tavern"}},
        ],
    )
    out = cli("world", "test", str(world), code=1).stdout
    assert "✓ the square (1 turns): ok" in out
    assert "✗ off to the chapel (3 turns): expected to be at 'chapel', but at 'tavern'" in out
    # which expectation, where it is written
    playtests = (world / "playtests.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(playtests, 1) if "location: chapel" in text)
    assert f"expected: location: chapel  ({world.name}/playtests.yaml:{line}:5)" in out
    # the last turns, input and reply, in order
    miss = out[out.index("✗ off to the chapel") : out.index("✗ still played")]
    assert "last 3 turn(s):" in miss
    assert miss.index("> look") < miss.index("> go west") < miss.index("> talk to dunnick")
    assert "Dunnick" in miss[miss.index("> talk to dunnick") :]  # what the reply told
    # a miss does not stop the run; the summary counts both
    assert "✗ still played (1 turns)" in out and "✓ the tavern" in out
    assert out.rstrip().endswith("2 passed, 2 failed.")


def test_a_story_that_ends_before_its_inputs_run_out_says_so(cli, tmp_path: Path) -> None:
    world = copy_world(tmp_path)
    ending = next(t for t in load_world(WORLDS["ember_hollow"]).playtests if t.expect.ending)
    inputs = [*ending.inputs, "look", "go south"]  # two more than the story lasts
    write_playtests(
        world,
        [{"name": "too long", "seed": ending.seed, "inputs": inputs, "expect": {"flag": "nope"}}],
    )
    out = cli("world", "test", str(world), code=1).stdout
    assert "expected flag 'nope' to be set (set: " in out
    assert f"the story ended: {ending.expect.ending}" not in out  # told by its title
    assert "the story ended: " in out and f"({ending.expect.ending}); 2 input(s) not played" in out
    assert out.rstrip().endswith("0 passed, 1 failed.")


@pytest.mark.parametrize(
    ("expect", "missed"),
    [
        ({"quest": "cold_hearths", "stage": "the_deep"}, "to reach stage 'the_deep'"),
        ({"quest": "cold_hearths", "stage": "no_such_stage"}, "has no stage 'no_such_stage'"),
        (
            {"quest_done": "cold_hearths"},
            "expected quest 'cold_hearths' to be complete, but it is at stage",
        ),
        ({"has_item": "founders_hammer"}, "expected to carry 'founders_hammer' (carrying: "),
        ({"flag": "spirit_freed"}, "expected flag 'spirit_freed' to be set (set: "),
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


def test_a_new_world_ships_a_playtest_that_passes(cli) -> None:
    cli("world", "new", "harbour")
    out = cli("world", "test", "harbour").stdout
    assert "✓ Tam's key opens the lighthouse (3 turns): ok" in out
    assert "All 1 playtest(s) passed (1 passed, 0 failed)." in out


@pytest.mark.parametrize(
    ("told", "missed"),
    [
        (["Wolf attacks Tester", "Tester attacks Wolf"], None),
        (
            ["Tester attacks Wolf", "Wolf attacks Tester"],
            "expected 'Wolf attacks Tester' to be told after 'Tester attacks Wolf', "
            "but it came first",
        ),
        (["Wolf attacks Tester", "The wolf yawns"], "expected the story to tell 'The wolf yawns'"),
    ],
)
def test_what_the_story_told_is_checked_in_order(
    cli, tmp_path: Path, told: list[str], missed: str | None
) -> None:
    """Seed 1: the wolf wins initiative and bites before the hero's first swing."""
    world = copy_world(tmp_path)
    inputs = ["talk to hesta about mine", "go north", "attack wolf"]
    test = {"name": "the wolf", "seed": 1, "inputs": inputs}
    write_playtests(world, [{**test, "expect": {"told": told}}])
    if missed is None:
        assert "✓ the wolf" in cli("world", "test", str(world)).stdout
    else:
        out = cli("world", "test", str(world), code=1).stdout
        assert "✗ the wolf" in out and missed in out.replace("\n", " ")


def test_a_world_without_playtests_is_a_clear_error(cli, tmp_path: Path) -> None:
    world = copy_world(tmp_path)
    (world / "playtests.yaml").unlink()
    result = cli("world", "test", str(world), code=1)
    assert "has no playtests" in result.stderr
    assert "playtests:" in result.stderr  # the hint says what to add
