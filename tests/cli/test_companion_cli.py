"""`storyai run` prints the companion's remarks after the turn, within
--companion-remarks or the player's `storyai companion settings`; the companion's bond
and memory show in `storyai profile show` and travel with an exported profile."""

from __future__ import annotations

import json


def test_run_prints_remarks_after_the_turn_and_obeys_the_settings(cli, cli_database):
    out = cli("run", "ember_hollow", "--seed", "1", input="go north\nlook\n").output
    remark = out.index("Aria: Mine Road. New ground.")
    assert out.index("1. Attack Wolf") < remark < out.index("> look")
    assert out.count("Aria:") == 1
    quiet = cli("run", "ember_hollow", "--companion-remarks", "off", input="go north\n").output
    assert "Aria:" not in quiet
    rows = cli("run", "ember_hollow", "--json", input="go north\n").output.splitlines()
    said = [json.loads(r) for r in rows if "companion_remark" in r]
    assert said == [
        {
            "turn": 1,
            "kind": "companion_remark",
            "actor": "Aria",
            "payload": {"text": "Mine Road. New ground. Keep your eyes open."},
        }
    ]
    bad = cli("run", "ember_hollow", "--companion-remarks", "loud", input="look\n", code=1)
    assert "No remark setting 'loud'" in bad.output

    assert "Companion remarks: on" in cli("companion", "settings").output
    assert "lethal,every=2" in cli("companion", "settings", "lethal,every=2").output
    cli("companion", "settings", "off")
    assert "Aria:" not in cli("run", "ember_hollow", "--save", input="go north\n").output


def test_profile_shows_the_companions_bond_and_carries_it_in_export_and_import(
    cli, cli_database, tmp_path
):
    cli("run", "ember_hollow", "--save", input="ask aria about the founders\ngo north\n")
    shown = cli("profile", "show").output
    assert "Companion: bond 2: remembers 2 things from 1 story" in shown
    cli("companion", "settings", "lethal")
    out = tmp_path / "me.json"
    cli("profile", "export", "-o", out)
    kinds = [n["kind"] for n in json.loads(out.read_text(encoding="utf-8"))["companion_notes"]]
    assert kinds == ["asked", "remark:place:mine_road", "settings:remarks"]
    assert "Companion:" not in cli("profile", "show", "--key", "discord:7").output
    cli("profile", "import", out, "--key", "discord:7")
    cli("profile", "import", out, "--key", "discord:7")  # twice: nothing more
    cli("profile", "import", out)  # into itself: nothing more
    for key in ("discord:7", "local"):
        again = cli("profile", "show", "--key", key).output
        assert "Companion: bond 2: remembers 2 things from 1 story" in again
    bad = tmp_path / "bad.json"
    document = json.loads(out.read_text(encoding="utf-8"))
    document["companion_notes"][0].pop("text")
    bad.write_text(json.dumps(document), encoding="utf-8")
    refused = cli("profile", "import", bad, "--key", "discord:8", code=1).output
    assert "Companion note 1 of the profile file can't be read" in refused
