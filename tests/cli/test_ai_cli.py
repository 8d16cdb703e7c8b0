"""`storyai providers`, `run --provider`, `session show` and `session context`,
against a fake OpenAI-compatible server on 127.0.0.1 through the real SDK."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.threaded import threaded_fake_llm
from typer.testing import CliRunner

from storyai.cli.main import app

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from ai_helpers import turn_json

pytestmark = pytest.mark.usefixtures("cli_database")
SECRET = "sk-test-do-not-print-4242"


def invoke(*args: str, code: int = 0, stdin: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def local_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    with threaded_fake_llm() as server:
        server.default = lambda body: (
            "A short summary." if "response_format" not in body else turn_json(_told(body))
        )
        config = tmp_path / "storyai.toml"
        config.write_text(
            'narration = ["local"]\n\n[providers.local]\nkind = "openai-compatible"\n'
            f'base_url = "{server.openai_base_url}"\nmodel = "local-test"\nmax_retries = 0\n'
            "timeout = 5\nstall_timeout = 5\n\n"
            "[prices.local-test]\ninput = 1.0\noutput = 2.0\ncached_input = 0.1\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("STORYAI_CONFIG", str(config))
        for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "STORYAI_LOCAL_BASE_URL", "OLLAMA_HOST"):
            monkeypatch.delenv(var, raising=False)
        yield server


def _told(body: dict) -> str:
    said = body["messages"][1]["content"].rsplit("says: ", 1)[-1]
    return f"The local model tells {said}."


def test_providers_are_listed_without_their_keys(local_model, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    listed = invoke("providers", "list")
    assert "local" in listed and "local-test" in listed and "narration #1" in listed
    assert "openai" in listed and "env OPENAI_API_KEY" in listed
    assert SECRET not in listed


def test_providers_check_says_which_answer(local_model, tmp_path, monkeypatch):
    assert "yes" in invoke("providers", "check", "local")
    config = Path(str(tmp_path / "storyai.toml"))
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[providers.gone]\nkind = "openai-compatible"\n'
        'base_url = "http://127.0.0.1:9/v1"\nmodel = "m"\ntimeout = 2\n',
        encoding="utf-8",
    )
    out = invoke("providers", "check", code=1)
    assert "local" in out and "gone" in out and "no" in out


def test_a_scripted_game_with_a_model_then_its_costs_and_prompt(local_model):
    out = invoke(
        "run",
        "ember_hollow",
        "--provider",
        "local",
        "--save",
        "--seed",
        "3",
        stdin="look at the mine road\ntalk to hesta about mine\n",
    )
    assert 'The local model tells "look at the mine road".' in out
    session_id = out.rsplit("Saved as session ", 1)[1].split(".")[0]

    shown = invoke("session", "show", session_id[:10])
    assert "Model usage: 3 calls" in shown and "$0.0" in shown and "Ash" in shown

    context = invoke("session", "context", session_id[:10], "--turn", "2")
    for name in ("rules", "world", "recent", "scene", "input", "total"):
        assert name in context
    assert "talk to hesta about mine" in context
    assert "cache breakpoint" in context
    assert "the_founders" in context or "ember_hollow" in context  # the lore trace
    missing = invoke("session", "context", session_id[:10], "--turn", "99", code=1)
    assert "There is no turn 99" in missing


def test_an_unknown_provider_is_refused_with_the_known_ones(local_model):
    out = invoke("run", "ember_hollow", "--provider", "nope", stdin="look\n", code=1)
    assert "No provider called 'nope'" in out and "local" in out
