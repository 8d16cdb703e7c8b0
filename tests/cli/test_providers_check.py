"""`storyai providers check` and `list` on a local llama.cpp-like server (a fake one
answering /props and reporting timings, through the real openai SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.threaded import threaded_fake_llm
from typer.testing import CliRunner

from storyai.cli.main import app

PROPS = {"default_generation_settings": {"n_ctx": 4096}, "model_path": "/m/SmolLM2.gguf"}
TIMINGS = {"cache_n": 0, "prompt_per_second": 251.4, "predicted_per_second": 69.8}


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def llama(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    with threaded_fake_llm() as server:
        server.props = PROPS
        server.timings = TIMINGS
        config = tmp_path / "storyai.toml"
        config.write_text(
            f'[providers.local]\nkind = "openai-compatible"\nbase_url = "{server.openai_base_url}"'
            '\nmodel = "smol"\nmax_retries = 0\ntimeout = 5\nstall_timeout = 5\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("STORYAI_CONFIG", str(config))
        for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "STORYAI_LOCAL_BASE_URL", "OLLAMA_HOST"):
            monkeypatch.delenv(var, raising=False)
        yield server


def test_check_tells_the_truth_about_a_local_server(llama):
    llama.push("OK")
    llama.push_fault(status=500, message="this server has no json_schema support")

    out = invoke("providers", "check", "local")

    assert "yes" in out
    assert "context window  4,096 tokens (from llama.cpp /props)" in out
    assert "prompt profile  compact" in out
    assert "prompt 251 tokens/s, generation 70 tokens/s (server timings)" in out
    assert "json_schema     failed: " in out and "no json_schema support" in out
    assert "json_object     partial" in out
    assert "tool            valid" in out
    assert "prompt          failed" in out
    assert 'recommended     structured = "tool"' in out


def test_a_quick_check_only_asks_for_an_answer(llama):
    out = invoke("providers", "check", "--quick")
    assert "yes" in out and "structured" not in out
    assert len(llama.requests) == 1


def test_list_shows_the_prompt_profile_the_server_gets(llama, tmp_path):
    out = invoke("providers", "list")
    assert "compact (auto; context window 4,096 tokens, from llama.cpp /props)" in out
    assert "prewarm   on (auto; a local server: llama.cpp /props)" in out
    llama.props = None
    out = invoke("providers", "list")
    assert "full (auto; context window unknown" in out
    assert "prewarm   off (auto; on for a llama.cpp or Ollama server that answers)" in out
    config = tmp_path / "storyai.toml"
    config.write_text(config.read_text() + "context_window = 32768\n", encoding="utf-8")
    out = invoke("providers", "list")
    assert "full (auto; context window 32,768 tokens, from config)" in out
    assert "prewarm   off (auto; context window from config" in out
    config.write_text(config.read_text() + 'prewarm = "on"\n', encoding="utf-8")
    assert "prewarm   on (set)" in invoke("providers", "list")
    assert llama.requests == []  # listing never calls the model
