"""What a local server says about itself (its context window, its speed), what the
narrator does with it, and `providers check`'s verdict per structured mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_helpers import collect, turn_request

from storyai.core.config import ProviderSettings, load_settings
from storyai.core.narrators.compact_schema import COMPACT_REPLY_SCHEMA
from storyai.core.narrators.configured import narrator_for
from storyai.core.narrators.schema import REPLY_SCHEMA
from storyai.core.providers import probe as probes
from storyai.core.providers.registry import build_port
from storyai.core.providers.serverinfo import ServerInfo, read_server_info, read_speed

LLAMA_PROPS = {
    "default_generation_settings": {"n_ctx": 4096, "params": {"n_predict": -1}},
    "total_slots": 1,
    "model_path": "/models/SmolLM2-135M-Instruct.Q4_1.gguf",
}
TIMINGS = {
    "cache_n": 900,
    "prompt_n": 120,
    "prompt_ms": 480.0,
    "prompt_per_second": 250.0,
    "predicted_n": 35,
    "predicted_ms": 500.0,
    "predicted_per_second": 70.0,
}


async def test_llama_cpp_says_its_window_at_props(fake_llm):
    fake_llm.props = LLAMA_PROPS
    info = await read_server_info(fake_llm.openai_base_url, "local-test")
    assert info == ServerInfo(4096, "SmolLM2-135M-Instruct.Q4_1.gguf", "llama.cpp /props")


async def test_ollama_says_its_window_at_api_show_and_num_ctx_wins(fake_llm):
    fake_llm.show = {
        "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
        "parameters": 'num_ctx                        8192\nstop "<|eot_id|>"',
    }
    info = await read_server_info(fake_llm.openai_base_url, "llama3.2")
    assert (info.context_window, info.source) == (8192, "ollama /api/show")
    fake_llm.show = {"model_info": {"qwen2.context_length": 32768}}
    assert (await read_server_info(fake_llm.url, "qwen")).context_window == 32768


async def test_a_server_that_says_nothing_or_is_down_gives_no_window(fake_llm):
    assert await read_server_info(fake_llm.openai_base_url, "m") == ServerInfo()
    assert await read_server_info("http://127.0.0.1:9/v1", "m", timeout=2) == ServerInfo()
    assert fake_llm.requests == []  # never a model call


async def test_cached_prompt_tokens_of_llama_cpp_reach_the_usage(fake_llm, make_port):
    fake_llm.timings = TIMINGS  # llama-server: no prompt_tokens_details.cached_tokens > 0
    _, done = await collect(make_port("openai-compatible"), turn_request())
    assert done.usage.cached_tokens == 900


async def test_the_server_timings_give_its_speed(fake_llm):
    fake_llm.timings = TIMINGS
    assert await read_speed(fake_llm.openai_base_url, "m", nonce="n1") == (250.0, 70.0)
    assert fake_llm.last.body["messages"][0]["content"].startswith("[n1] ")
    fake_llm.timings = None
    assert await read_speed(fake_llm.openai_base_url, "m", nonce="n2") is None


async def test_a_small_local_server_gets_the_compact_profile(fake_llm, tmp_path: Path):
    fake_llm.props = LLAMA_PROPS
    config = tmp_path / "storyai.toml"
    config.write_text(
        f'[providers.local]\nbase_url = "{fake_llm.openai_base_url}"\nmodel = "local-test"\n',
        encoding="utf-8",
    )
    narrator = narrator_for(load_settings(environ={}, config_file=config)).narrator
    sizing = await narrator.sizer.resolve()
    assert (sizing.profile, sizing.window, sizing.source) == ("compact", 4096, "llama.cpp /props")

    config.write_text(config.read_text() + 'prompt_profile = "full"\n', encoding="utf-8")
    narrator = narrator_for(load_settings(environ={}, config_file=config)).narrator
    assert (await narrator.sizer.resolve()).profile == "full"


def _maker(fake_llm):
    cfg = ProviderSettings(
        kind="openai-compatible", model="local-test", base_url=fake_llm.openai_base_url
    )
    return lambda mode: build_port("local", cfg.model_copy(update={"structured": mode}))


async def test_check_tells_which_modes_give_a_usable_reply_and_recommends_one(fake_llm):
    fake_llm.push("OK")  # the plain probe
    fake_llm.push_fault(status=500, message="JSON schema does not match the peg-native format")
    # json_object: the fake answers {"narrative": ...} only; tool: schema-valid arguments;
    # prompt: plain prose

    report = await probes.check(
        _maker(fake_llm),
        probes.MODES_BY_KIND["openai-compatible"],
        schema=COMPACT_REPLY_SCHEMA,
        server=ServerInfo(4096, "m", "llama.cpp /props"),
        profile="compact",
    )

    verdicts = {r.mode: r.verdict for r in report.modes}
    assert verdicts == {
        "json_schema": "failed",
        "json_object": "partial",
        "tool": "valid",
        "prompt": "failed",
    }
    failed = next(r for r in report.modes if r.mode == "json_schema")
    assert "peg-native" in failed.detail
    assert report.recommended == "tool"
    assert (report.window, report.window_source, report.profile) == (
        4096,
        "llama.cpp /props",
        "compact",
    )
    tool_call = fake_llm.requests[3].body
    assert tool_call["tools"][0]["function"]["parameters"] == COMPACT_REPLY_SCHEMA
    assert report.speed is not None and report.speed.source == "measured"


@pytest.mark.parametrize(
    ("verdicts", "best"),
    [
        ({"json_schema": "valid", "tool": "valid"}, "json_schema"),
        ({"json_schema": "partial", "prompt": "valid"}, "prompt"),
        ({"json_schema": "partial", "tool": "partial"}, "json_schema"),
        ({"json_schema": "failed"}, None),
    ],
)
def test_the_recommended_mode_is_the_most_constrained_that_works(verdicts, best):
    results = [probes.ModeResult(m, v, "", 1.0) for m, v in verdicts.items()]
    assert probes.recommend(results) == best


async def test_a_provider_that_does_not_answer_is_not_asked_for_modes(fake_llm):
    fake_llm.push_fault(status=401)
    report = await probes.check(_maker(fake_llm), ("json_schema",), schema=REPLY_SCHEMA)
    assert not report.answer.ok and report.modes == () and report.recommended is None
    assert len(fake_llm.requests) == 1
