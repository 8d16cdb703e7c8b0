"""`storyai run` against a local server whose stream carries a malformed SSE line
(issue 13): the turn is told, with no traceback and exit code 0."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from fakes.llm_server import FakeLLMServer
from fakes.threaded import threaded_fake_llm
from typer.testing import CliRunner

from storyai.cli.main import app
from storyai.core.narrators.ai import FALTERED

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from ai_helpers import turn_json

pytestmark = pytest.mark.usefixtures("cli_database")
GARBLED = b'data: {"id": "c1", "object": "chat.completion.chunk", "choices": [{"delta": {"co\n\n'


class GarblingServer(FakeLLMServer):
    """Answers the first ``garbled`` chat requests with a stream whose first data line
    is cut in the middle of its JSON, as the llmock chaos server did."""

    garbled = 1

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if self.garbled <= 0:
            return await super()._chat(request)
        self.garbled -= 1
        await self._take(request)
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        await response.write(GARBLED)
        await response.write_eof()
        return response


@pytest.fixture
def garbling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GarblingServer]:
    with threaded_fake_llm(server=GarblingServer()) as server:
        assert isinstance(server, GarblingServer)
        server.default = lambda body: (
            "A short summary." if "response_format" not in body else turn_json("The wind drops.")
        )
        monkeypatch.setenv("STORYAI_CONFIG", str(tmp_path / "storyai.toml"))
        for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "STORYAI_LOCAL_BASE_URL", "OLLAMA_HOST"):
            monkeypatch.delenv(var, raising=False)
        yield server


def configure(tmp_path: Path, server: FakeLLMServer, *, max_retries: int) -> None:
    (tmp_path / "storyai.toml").write_text(
        'narration = ["local"]\n\n[providers.local]\nkind = "openai-compatible"\n'
        f'base_url = "{server.openai_base_url}"\nmodel = "local-test"\n'
        f"max_retries = {max_retries}\ntimeout = 5\nstall_timeout = 5\n",
        encoding="utf-8",
    )


def run_one_turn() -> str:
    result = CliRunner().invoke(
        app, ["run", "ember_hollow", "--provider", "local", "--seed", "3"], input="look\n"
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "JSONDecodeError" not in result.output
    return result.output


def test_a_garbled_stream_is_retried_and_the_model_tells_the_turn(garbling, tmp_path):
    configure(tmp_path, garbling, max_retries=1)

    out = run_one_turn()

    assert "The wind drops." in out
    assert garbling.garbled == 0 and len(garbling.requests) >= 2


def test_garbled_streams_with_no_retry_left_are_told_by_the_engine(garbling, tmp_path):
    garbling.garbled = 100  # every request
    configure(tmp_path, garbling, max_retries=0)

    out = run_one_turn()

    assert FALTERED in out
    assert "The wind drops." not in out
