"""`storyai import foundry` as a creator uses it: real fixtures, real databases."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.usefixtures("cli_database")


def installed(cli) -> dict[str, list[str]]:
    data = json.loads(cli("world", "list", "--json").stdout)
    return {w["id"]: w["versions"] for w in data["installed"]}


def test_a_source_folder_becomes_a_world_with_a_report(cli, foundry_fixtures: Path) -> None:
    out = cli(
        "import", "foundry", foundry_fixtures / "dnd5e-5.3.3-source-yaml", "--new", "bestiary"
    ).output
    assert "Imported" in out and "Goblin" in out
    assert "Skipped" in out and "empty page" in out
    assert "Created bestiary 1.0.0" in out and "storyai play bestiary" in out
    assert installed(cli)["bestiary"] == ["1.0.0"]


def test_json_report_lists_every_entry_and_every_skip(cli, foundry_fixtures: Path) -> None:
    result = cli(
        "import",
        "foundry",
        foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db",
        "--new",
        "heroes",
        "--json",
    )
    report = json.loads(result.stdout)
    assert report["status"] == "installed" and report["world"] == "heroes"
    names = {e["name"] for e in report["imported"] if e["section"] == "characters"}
    assert len(names) == 12
    assert all(e["action"] == "added" for e in report["imported"])


def test_a_dry_run_writes_nothing(cli, foundry_fixtures: Path) -> None:
    out = cli(
        "import",
        "foundry",
        foundry_fixtures / "wwn-leveldb" / "ose-monsters",
        "--new",
        "ose",
        "--dry-run",
    ).output
    assert "Dry run: nothing was written" in out and "147" in out
    assert "ose" not in installed(cli)


def test_importing_again_updates_instead_of_duplicating(cli, foundry_fixtures: Path) -> None:
    pack = foundry_fixtures / "dnd5e-3.3.1-source-json"
    cli("import", "foundry", pack, "--new", "old_monsters")
    again = cli("import", "foundry", pack, "--into", "old_monsters")
    assert "already holds exactly this; nothing changed" in again.output
    newer = cli(
        "import",
        "foundry",
        foundry_fixtures / "dnd5e-5.3.3-source-yaml" / "monsters",
        "--into",
        "old_monsters",
        "--json",
    )
    report = json.loads(newer.stdout)
    # The goblin keeps its Foundry id across dnd5e 3.3.1 and 5.3.3: the newer one replaces it.
    goblins = [e for e in report["imported"] if e["name"] == "Goblin"]
    assert [(g["action"], g["id"]) for g in goblins] == [("replaced", "goblin")]
    assert installed(cli)["old_monsters"] == ["1.0.1", "1.0.0"]


def test_a_world_open_in_foundry_is_refused_and_nothing_written(
    cli, foundry_fixtures: Path, tmp_path: Path
) -> None:
    plyvel = pytest.importorskip("plyvel")
    assert plyvel
    pack = tmp_path / "ose-monsters"
    shutil.copytree(foundry_fixtures / "wwn-leveldb" / "ose-monsters", pack)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import plyvel, sys, time; db = plyvel.DB(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)",
            str(pack),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = cli("import", "foundry", pack, "--new", "ose", code=1)
        assert "close the world in Foundry first" in result.output
    finally:
        holder.kill()
        holder.wait()
    assert "ose" not in installed(cli)
    # the lock went with the process: the same import now works
    cli("import", "foundry", pack, "--new", "ose")


def test_a_file_that_is_not_foundry_data_is_refused_by_name(cli, tmp_path: Path) -> None:
    fake = tmp_path / "monsters.db"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    result = cli("import", "foundry", fake, "--new", "broken", code=1)
    assert "monsters.db" in result.output
    assert "broken" not in installed(cli)


def test_into_a_world_that_is_not_installed(cli, foundry_fixtures: Path) -> None:
    result = cli(
        "import",
        "foundry",
        foundry_fixtures / "dnd5e-3.3.1-source-json",
        "--into",
        "nowhere",
        code=1,
    )
    assert "No installed world has the id 'nowhere'" in result.output


def test_a_reimport_keeps_the_authors_edits_and_says_so(cli, foundry_fixtures: Path) -> None:
    # Five monsters: the same steps as with any pack, on a world small enough to export,
    # edit and read back three times in a second (the 12 heroes of the NeDB pack keep
    # 1.5 MB of Foundry data, which only made this test slow).
    pack = foundry_fixtures / "dnd5e-3.3.1-source-json" / "monsters"
    cli("import", "foundry", pack, "--new", "monsters")
    cli("world", "export", "monsters", "--to", "out")
    text = Path("out/world.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    npc_id, npc = next(iter(data["characters"].items()))
    npc["personality"] = "serene, never hurried"
    data["world"]["version"] = "1.1.0"
    Path("out/world.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    cli("world", "install", "out")

    out = cli("import", "foundry", pack, "--into", "monsters").output
    assert "Kept your edits" in out and npc_id in out and "--overwrite" in out
    assert "already holds exactly this; nothing changed" in out
    cli("world", "export", "monsters", "--to", "again")
    shown = yaml.safe_load(Path("again/world.yaml").read_text(encoding="utf-8"))
    assert shown["characters"][npc_id]["personality"] == "serene, never hurried"

    cli("import", "foundry", pack, "--into", "monsters", "--overwrite")
    cli("world", "export", "monsters", "--to", "third")
    third = yaml.safe_load(Path("third/world.yaml").read_text(encoding="utf-8"))
    assert third["characters"][npc_id].get("personality", "") != "serene, never hurried"


def test_with_json_a_refusal_is_json_too(cli, tmp_path: Path) -> None:
    fake = tmp_path / "monsters.db"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    result = cli("import", "foundry", fake, "--new", "broken", "--json", code=1)
    report = json.loads(result.stdout)
    assert report["status"] == "refused" and "monsters.db" in report["error"]
    card = cli("import", "card", fake, "--json", code=1)
    assert json.loads(card.stdout)["status"] == "refused"


def test_new_with_dashes_becomes_an_underscored_id_and_the_report_says_so(
    cli, foundry_fixtures: Path
) -> None:
    pack = foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db"
    out = cli("import", "foundry", pack, "--new", "Heldout-5").output
    assert "--new Heldout-5: world ids use underscores, so the id is heldout_5" in out
    assert "Created heldout_5 1.0.0" in out
    assert "heldout_5" in installed(cli)


def test_a_bad_target_is_refused_before_the_source_is_read(cli, tmp_path: Path) -> None:
    # The source does not exist: a refusal that names the id came before any reading.
    missing = tmp_path / "no-such-pack.db"
    bad = cli("import", "foundry", missing, "--new", "5 rats!", code=1).output
    assert "'5 rats!' cannot be a world id" in bad and "--new n5_rats" in bad
    into = cli("import", "foundry", missing, "--into", "nowhere", code=1).output
    assert "No installed world has the id 'nowhere'" in into
    cli("world", "install", "ember_hollow")
    taken = cli("import", "card", missing, "--new", "Ember-Hollow", code=1).output
    assert "A world with the id 'ember_hollow' is already installed" in taken
    both = cli("import", "foundry", missing, "--new", "a", "--into", "b", code=1).output
    assert "Give --into WORLD or --new ID, not both" in both


def test_an_exported_import_installs_again_as_identical(
    cli, foundry_fixtures: Path, tmp_path
) -> None:
    # The content hash reads each kept Foundry document once; it must still be the hash
    # of the whole world, so the export of an imported world is recognised as the same.
    cli("import", "foundry", foundry_fixtures / "dnd5e-3.3.1-source-json", "--new", "again")
    cli("world", "export", "again", "--to", tmp_path / "again")
    out = cli("world", "install", tmp_path / "again").output
    assert "again 1.0.0 is already installed (identical); nothing changed" in out


def _database_file(url: str) -> Path:
    from sqlalchemy.engine import make_url

    return Path(str(make_url(url).database))


def test_a_reimport_stores_only_the_documents_that_changed(
    cli, cli_database: str, foundry_fixtures: Path, tmp_path: Path
) -> None:
    if not cli_database.startswith("sqlite"):
        pytest.skip("measured on the SQLite file")
    pack = tmp_path / "heroes.db"
    lines = (foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db").read_text().splitlines()
    pack.write_text("\n".join(lines) + "\n")
    database = _database_file(cli_database)
    empty = database.stat().st_size
    cli("import", "foundry", pack, "--new", "party")
    first = database.stat().st_size - empty
    hero = json.loads(lines[0])
    hero["name"] = "Perrin the Bold"  # one of twelve heroes changed
    pack.write_text("\n".join([json.dumps(hero), *lines[1:]]) + "\n")
    report = json.loads(cli("import", "foundry", pack, "--into", "party", "--json").stdout)
    assert [e["name"] for e in report["imported"] if e["action"] == "replaced"] == [
        "Perrin the Bold"
    ]
    assert installed(cli)["party"] == ["1.0.1", "1.0.0"]
    second = database.stat().st_size - empty - first
    # the new version keeps the eleven unchanged documents by reference, not a copy
    assert second < first / 2, (first, second)
    world = json.loads(cli("world", "show", "party", "--json").stdout)
    assert "Perrin the Bold" in json.dumps(world)
