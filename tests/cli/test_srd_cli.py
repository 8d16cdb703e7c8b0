"""`storyai srd ...` as a creator uses it: install from the shared data or a local mirror."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("cli_database")

ATTRIBUTION_WORDS = "Creative Commons Attribution 4.0 International License"


@pytest.fixture
def mirror(srd_data: Path) -> Iterator[str]:
    """The shared SRD folder served over HTTP on 127.0.0.1, as a mirror of upstream."""
    handler = functools.partial(_QuietHandler, directory=str(srd_data))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_before_installing_every_command_says_how(cli) -> None:
    for args in (("search", "goblin"), ("show", "goblin")):
        result = cli("srd", *args, code=1)
        assert "The SRD is not installed" in result.output
        assert "storyai srd install" in result.output
    out = cli("srd", "about").output
    assert ATTRIBUTION_WORDS in out and "not installed" in out


def test_install_search_show_and_use_in_a_world(cli, srd_data: Path, tmp_path: Path) -> None:
    out = cli("srd", "install", "--from", srd_data).output
    assert ATTRIBUTION_WORDS in out
    assert "Installed 2,954 SRD entries" in out
    about = json.loads(cli("srd", "about", "--json").stdout)
    assert about["installed"]["counts"]["5.1 monster"] == 334
    assert about["installed"]["counts"]["5.2 spell"] == 339

    found = json.loads(cli("srd", "search", "goblin", "--type", "monsters", "--json").stdout)
    assert found[0] == {
        "ref": "srd:goblin",
        "name": "Goblin",
        "kind": "monster",
        "edition": "5.1",
        "summary": found[0]["summary"],
    }
    assert "CR 1/4" in found[0]["summary"]
    assert {f["kind"] for f in found} == {"monster"}

    shown = cli("srd", "show", "goblin").output
    assert "Armor Class 15" in shown and "Scimitar" in shown and "base: srd:goblin" in shown
    fireball = json.loads(cli("srd", "show", "Fireball", "--edition", "5.2", "--json").stdout)
    assert (fireball["kind"], fireball["edition"], fireball["data"]["level"]) == ("spell", "5.2", 3)
    missing = cli("srd", "show", "gobbo", code=1).output
    assert "The SRD has no 'gobbo'" in missing
    typo = cli("srd", "show", "goblinn", code=1).output
    assert "did you mean goblin" in typo

    cli("world", "new", "harbour")
    Path("harbour/monsters.yaml").write_text(
        "characters:\n  dock_goblin:\n    base: srd:goblin\n"
        "  shark:\n    base: srd:5.2/reef_shark\n    name: Old Snapper\n",
        encoding="utf-8",
    )
    assert "Installed Harbour" in cli("world", "install", "harbour").output
    chars = json.loads(cli("world", "show", "harbour", "--json").stdout)["characters"]
    assert chars["dock_goblin"] == {"name": "Goblin", "kind": "creature"}
    assert chars["shark"] == {"name": "Old Snapper", "kind": "creature"}
    table = cli("world", "show", "harbour").output
    assert "HP 7, AC 15" in table


def test_a_typo_in_a_base_is_caught_with_a_suggestion(cli, srd_data: Path) -> None:
    cli("srd", "install", "--from", srd_data)
    cli("world", "new", "harbour")
    Path("harbour/monsters.yaml").write_text(
        "characters:\n  hag:\n    base: srd:sea_haag\n", encoding="utf-8"
    )
    out = cli("world", "validate", "harbour", code=1).output
    assert "monsters.yaml:3:11" in out and "did you mean srd:sea_hag?" in out


def test_download_from_a_mirror_checks_every_file(cli, mirror: str) -> None:
    out = cli("srd", "install", "--download", "--mirror", mirror).output
    assert "Installed 2,954 SRD entries" in out
    refused = cli("srd", "install", "--download", "--mirror", "http://example.com", code=1)
    assert "example.com" in refused.output
    # the refused install left the installed library as it was
    assert (
        json.loads(cli("srd", "about", "--json").stdout)["installed"]["counts"]["5.1 monster"]
        == 334
    )


def test_from_and_download_together_are_refused(cli, srd_data: Path) -> None:
    out = cli("srd", "install", "--from", srd_data, "--download", code=1).output
    assert "not both" in out
