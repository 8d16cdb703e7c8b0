"""The authoring CLI as an author uses it: real commands against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from storyai.cli.main import app
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.scaffold import scaffold_text

pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, code: int | None = 0):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    return invoke


def _new_world(cli, name: str = "harbour") -> Path:
    cli("world", "new", name)
    return Path(name)


def _installed(cli) -> dict[str, list[str]]:
    data = json.loads(cli("world", "list", "--json").stdout)
    return {w["id"]: w["versions"] for w in data["installed"]}


def test_new_validate_show_graph(cli) -> None:
    folder = _new_world(cli)
    assert (folder / "world.yaml").is_file()
    out = cli("world", "validate", str(folder)).output
    assert "is valid" in out
    out = cli("world", "show", str(folder)).output
    for text in ("The Quay", "Old Tam", "Brass Key", "The Dark Light", "Fisher"):
        assert text in out
    out = cli("world", "graph", str(folder)).output
    assert "The Quay" in out and "The Headland" in out
    # quay is south of headland on the grid: the headland box is drawn above the quay box
    assert out.index("The Headland") < out.index("The Quay")
    assert "#" in out  # the locked door into the lighthouse


def test_new_refuses_an_existing_folder(cli) -> None:
    folder = _new_world(cli)
    (folder / "world.yaml").write_text("# mine\n")
    result = cli("world", "new", str(folder), code=1)
    assert "already exists" in result.output
    assert (folder / "world.yaml").read_text() == "# mine\n"


def test_validate_reports_location_and_exit_code(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = scaffold_text("bad", "Bad", "bad").replace("      north: headland", "      north: hall")
    bad.write_text(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("      north: hall"))
    result = cli("world", "validate", str(bad), code=1)
    assert f"bad.yaml:{line}:14" in result.output
    assert "unknown location 'hall'" in result.output
    as_json = json.loads(cli("world", "validate", str(bad), "--json", code=1).stdout)
    problem = as_json[0]["problems"][0]
    assert (problem["line"], problem["column"], problem["severity"]) == (line, 14, "error")


def test_install_list_new_version_keeps_old(cli) -> None:
    folder = _new_world(cli)
    assert "Installed" in cli("world", "install", str(folder)).output
    assert _installed(cli) == {"harbour": ["0.1.0"]}
    assert "nothing changed" in cli("world", "install", str(folder)).output

    world_file = folder / "world.yaml"
    text = world_file.read_text()
    world_file.write_text(text.replace("Fishing boats", "Painted boats"))
    refused = cli("world", "install", str(folder), code=1)
    assert "already installed with different content" in refused.output
    assert "bump `version:`" in refused.output and '"0.1.1"' in refused.output

    world_file.write_text(
        text.replace("Fishing boats", "Painted boats").replace('"0.1.0"', '"0.2.0"')
    )
    assert "kept 0.1.0" in cli("world", "install", str(folder)).output
    assert _installed(cli) == {"harbour": ["0.2.0", "0.1.0"]}


def test_broken_world_writes_nothing(cli, tmp_path: Path) -> None:
    good = _new_world(cli, "good")
    bad = tmp_path / "bad.yaml"
    bad.write_text("world: [unclosed\n")
    result = cli("world", "install", str(good), str(bad), code=1)
    assert "nothing was written" in result.output
    assert _installed(cli) == {}


def test_colliding_id_from_another_world_is_refused(cli, tmp_path: Path) -> None:
    cli("world", "install", str(_new_world(cli)))
    other = tmp_path / "other.yaml"
    text = scaffold_text("harbour", "A Different Place", "x").replace('"You"', '"Someone Else"')
    other.write_text(text.replace('"0.1.0"', '"9.0.0"'))
    result = cli("world", "install", str(other), code=1)
    assert "already used by another installed world" in result.output
    assert _installed(cli) == {"harbour": ["0.1.0"]}


def test_export_round_trip_is_identical(cli, tmp_path: Path) -> None:
    folder = _new_world(cli)
    installed = json.loads(cli("world", "install", str(folder), "--json").stdout)[0]
    out_dir = tmp_path / "exported"
    cli("world", "export", "harbour", "--to", str(out_dir))
    exported = out_dir / "world.yaml"
    assert "is valid" in cli("world", "validate", str(exported)).output
    again = json.loads(cli("world", "install", str(exported), "--json").stdout)[0]
    assert again["status"] == "unchanged"
    assert again["content_hash"] == installed["content_hash"]
    # exporting over an existing file is refused unless forced
    assert (
        "already exists" in cli("world", "export", "harbour", "--to", str(out_dir), code=1).output
    )
    cli("world", "export", "harbour", "--to", str(out_dir), "--force")


def test_fork_records_lineage(cli, tmp_path: Path) -> None:
    cli("world", "install", str(_new_world(cli)))
    out = cli(
        "world",
        "fork",
        "harbour",
        "storm_harbour",
        "--title",
        "Storm Harbour",
        "--to",
        str(tmp_path / "fork"),
    ).output
    assert "storm_harbour" in out
    listed = json.loads(cli("world", "list", "--json").stdout)["installed"]
    fork = next(w for w in listed if w["id"] == "storm_harbour")
    assert fork["forked_from"] == "harbour@0.1.0" and fork["title"] == "Storm Harbour"
    data = yaml.safe_load((tmp_path / "fork" / "world.yaml").read_text())
    assert data["world"]["forked_from"] == {"id": "harbour", "version": "0.1.0"}
    assert "already installed" in cli("world", "fork", "harbour", "storm_harbour", code=1).output
    assert "not a valid world id" in cli("world", "fork", "harbour", "Bad Id", code=1).output


def test_unknown_world_id_is_a_clear_error(cli) -> None:
    result = cli("world", "export", "nowhere", "--to", "x", code=1)
    assert "No installed world has the id 'nowhere'" in result.output
    assert "storyai world list" in result.output


def test_schema_lets_an_editor_check_world_files(cli, tmp_path: Path) -> None:
    cli("world", "schema", "--out", "world.schema.json")
    schema = json.loads(Path("world.schema.json").read_text())
    data = yaml.safe_load(scaffold_text("harbour", "Harbour", "x"))
    jsonschema.validate(data, schema)
    data["items"]["lantern"]["descripton"] = "typo"
    with pytest.raises(jsonschema.ValidationError, match="descripton"):
        jsonschema.validate(data, schema)
    # a folder's partial file (only items) is fine for the editor
    jsonschema.validate({"items": {"rope": {"name": "Rope"}}}, schema)


def test_db_status_and_upgrade(cli) -> None:
    cli("db", "upgrade")
    status = json.loads(cli("db", "status", "--json").stdout)
    assert status["up_to_date"] is True and status["current"] == status["head"]
    assert "password" not in status["url"]


@pytest.mark.parametrize("world_id", sorted(bundled_world_paths()))
def test_bundled_worlds_install_and_show(cli, world_id: str) -> None:
    path = bundled_world_paths()[world_id]
    cli("world", "install", str(path))
    summary = json.loads(cli("world", "show", world_id, "--json").stdout)
    assert summary["counts"]["locations"] >= 6


def test_help_teaches_by_example(cli) -> None:
    out = cli("--help").output
    assert "storyai world new" in out
    for command in ("new", "validate", "install", "export", "fork", "schema"):
        assert "Example" in cli("world", command, "--help").output


def test_console_script_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "storyai.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.startswith("storyai ")
