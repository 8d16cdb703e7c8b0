"""`storyai run` prints the companion's remarks after the turn, within
--companion-remarks or the player's `storyai companion settings`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyai.cli.main import app


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, input: str | None = None):
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_run_prints_remarks_after_the_turn_and_obeys_the_settings(cli):
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
