"""The real thing: `providers check` and a game of Ember Hollow on SmolLM2-135M behind
llama.cpp's server (built by `.ci/llama-server`; skipped with the reason when it is not)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from realmodel.llama import REQUIRE_ENV, LlamaServer, find_llama, why_missing

from storyai.core import services
from storyai.core.config import ProviderSettings, load_settings
from storyai.core.domain.events import Narration
from storyai.core.narrators.compact_schema import COMPACT_REPLY_SCHEMA
from storyai.core.narrators.configured import narrator_for
from storyai.core.play import Play
from storyai.core.providers import probe as probes
from storyai.core.providers.registry import build_port
from storyai.core.providers.serverinfo import read_server_info, read_speed
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

FILES = find_llama()
pytestmark = [
    pytest.mark.real_model,
    # CI sets STORYAI_REQUIRE_REAL_MODEL=1: there a missing server fails, not skips
    pytest.mark.skipif(FILES is None and not os.environ.get(REQUIRE_ENV), reason=why_missing()),
]
WINDOW = 4096


@pytest.fixture(scope="module")
def llama() -> Iterator[LlamaServer]:
    assert FILES is not None, f"{why_missing()}, and {REQUIRE_ENV} is set"
    with LlamaServer(FILES, ctx=WINDOW) as server:
        yield server


async def test_check_reads_the_window_speed_and_a_working_mode(llama):
    base_url = llama.base_url + "/v1"
    info = await read_server_info(base_url, "smollm2")
    assert (info.context_window, info.source) == (WINDOW, "llama.cpp /props")
    assert info.model.endswith(".gguf")
    speed = await read_speed(base_url, "smollm2", nonce="real-1")
    assert speed is not None and speed[0] > 0 and speed[1] > 0

    cfg = ProviderSettings(kind="openai-compatible", model="smollm2", base_url=base_url)
    report = await probes.check(
        lambda mode: build_port("local", cfg.model_copy(update={"structured": mode})),
        ("json_schema", "prompt"),
        schema=COMPACT_REPLY_SCHEMA,
        server=info,
        profile="compact",
    )
    assert report.answer.ok
    assert [r.mode for r in report.modes] == ["json_schema", "prompt"]
    # Grammar-constrained JSON with the bounded compact schema: SmolLM2 gives valid JSON.
    json_schema = report.modes[0]
    assert json_schema.verdict == "valid", json_schema.detail
    assert report.recommended == "json_schema"
    assert report.speed is not None and report.speed.generation_tps


async def test_ember_hollow_is_played_to_the_end_of_every_turn(llama, tmp_path: Path):
    """Every turn is told: by the model, after one repair, or by the engine; never dead.
    Consecutive turns reuse the server's prompt cache, and Usage says how much."""
    config = tmp_path / "storyai.toml"
    config.write_text(
        f'[providers.local]\nbase_url = "{llama.base_url}/v1"\nmodel = "smollm2"\n'
        "max_retries = 0\ntimeout = 300\nstall_timeout = 120\n",
        encoding="utf-8",
    )
    narrator = narrator_for(load_settings(environ={}, config_file=config)).narrator
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, load_world(bundled_world_paths()["ember_hollow"]))
    play = Play(uow, narrator=narrator)
    opening = await play.start("ember_hollow", player_name="Ash", seed=3)
    assert (await narrator.sizer.resolve()).profile == "compact"

    told = []
    for text in ("look around", "talk to hesta about the village"):
        result = await play.act(opening.session_id, text)
        assert any(line.text.strip() for line in result.lines)
        told += [e.event for e in result.events if isinstance(e.event, Narration)]
    usages = [n.usage for n in told if n.usage is not None and n.usage.calls]
    assert len(usages) == 2
    assert usages[-1].cached_tokens > 0.5 * usages[-1].input_tokens
