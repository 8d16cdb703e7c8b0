"""`storyai profile` and the legacy a saved story earns, as a player uses them."""

from __future__ import annotations

import json

from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

EMBER = load_world(bundled_world_paths()["ember_hollow"])
REMEMBERED = next(t for t in EMBER.playtests if t.expect.ending == "the_long_thaw_remembered")


def test_a_saved_ending_shows_in_the_profile_which_exports_and_imports_once(
    cli, cli_database, tmp_path
):
    assert cli("profile", "show").output.startswith("Legacy: no finished stories yet.")
    moves = tmp_path / "moves.txt"
    moves.write_text("\n".join(REMEMBERED.inputs) + "\n", encoding="utf-8")
    played = cli("run", "ember_hollow", "-s", moves, "--seed", REMEMBERED.seed, "--save")
    assert "The story ended: The Long Thaw, Remembered" in played.output
    shown = cli("profile", "show").output
    assert "Legacy: 1 finished story · 30 legend points · Friend of the Hollow" in shown
    assert "Everwarm Coal (from ember_hollow)" in shown and "Sister Wren" in shown
    out = tmp_path / "legacy.json"
    assert "Exported 1 stories" in cli("profile", "export", "-o", out).output
    assert json.loads(out.read_text(encoding="utf-8"))["profile"] == "local"
    assert "exists already" in cli("profile", "export", "-o", out, code=1).output
    assert "Imported 0 stories into 'local'" in cli("profile", "import", out).output
    assert (
        "Imported 1 story into 'discord:7'"
        in cli("profile", "import", out, "--key", "discord:7").output
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert "not a Story AI profile" in cli("profile", "import", bad, code=1).output
    brought = cli(
        "run",
        "ember_hollow",
        "-s",
        moves,
        "--save",
        "--heirloom",
        "everwarm_coal",
        "--legacy-title",
        "Friend of the Hollow",
        input=None,
    )
    assert brought.exit_code == 0
    refused = cli("run", "ember_hollow", "-s", moves, "--save", "--heirloom", "longsword", code=1)
    assert "not an heirloom this story accepts" in refused.output
