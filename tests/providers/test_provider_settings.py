"""Provider settings: file, environment and arguments, found providers, and no key ever shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storyai.core.config import ProviderSettings, Settings, load_settings
from storyai.core.domain.errors import AuthFailed, StoryError
from storyai.core.providers.anthropic_messages import AnthropicMessagesAdapter
from storyai.core.providers.listing import describe
from storyai.core.providers.openai_chat import OpenAIChatAdapter
from storyai.core.providers.openai_responses import OpenAIResponsesAdapter
from storyai.core.providers.registry import build_port

FILE_KEY = "file-secret-4c1d88e0a2"
ENV_KEY = "env-secret-93be71f0d4"
ANTHROPIC_KEY = "anthropic-secret-5a6b7c8d9e"

CONFIG = f"""
narration = ["local", "work"]
cache = true
cache_dir = "/tmp/storyai-cache"

[providers.local]
kind = "openai-compatible"
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5:7b"
stall_timeout = 120

[providers.work]
kind = "openai-responses"
model = "gpt-4.1"
api_key = "{FILE_KEY}"
requests_per_minute = 30
structured = "json_schema"

[prices."qwen2.5:7b"]
input = 0.0
output = 0.0
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_settings_come_from_the_toml_file(config_file):
    settings = load_settings(environ={}, config_file=config_file)

    local = settings.providers["local"]
    assert local.kind == "openai-compatible"
    assert local.model == "qwen2.5:7b"
    assert local.stall_timeout == 120
    assert local.timeout == 60.0
    work = settings.providers["work"]
    assert work.get_api_key() == FILE_KEY
    assert work.requests_per_minute == 30
    assert settings.narration == ["local", "work"]
    assert settings.summary == ["local", "work"]  # defaults to narration's order
    assert settings.prices == {"qwen2.5:7b": {"input": 0.0, "output": 0.0}}
    assert settings.cache is True
    assert settings.cache_dir == Path("/tmp/storyai-cache")
    assert settings.config_file == config_file


def test_environment_beats_the_file_and_arguments_beat_both(config_file):
    environ = {
        "STORYAI_PROVIDERS__LOCAL__MODEL": "llama3.1:8b",
        "STORYAI_NARRATION": "work,local",
        "STORYAI_SUMMARY": '["local"]',
        "STORYAI_CACHE": "false",
    }

    from_env = load_settings(environ=environ, config_file=config_file)
    from_args = load_settings(environ=environ, config_file=config_file, summary=["work"])

    assert from_env.providers["local"].model == "llama3.1:8b"
    assert from_env.providers["local"].base_url == "http://127.0.0.1:11434/v1"  # kept from file
    assert from_env.narration == ["work", "local"]
    assert from_env.summary == ["local"]
    assert from_env.cache is False
    assert from_args.summary == ["work"]


def test_config_file_named_by_storyai_config(config_file):
    settings = load_settings(environ={"STORYAI_CONFIG": str(config_file)})

    assert settings.providers["local"].model == "qwen2.5:7b"


def test_missing_file_is_fine_and_gives_no_providers(tmp_path):
    settings = load_settings(environ={}, config_file=tmp_path / "absent.toml")

    assert settings.providers == {}
    assert settings.narration == []
    assert settings.config_file is None


def test_default_file_is_config_toml_in_the_user_config_folder():
    # the autouse fixture points XDG_CONFIG_HOME at a temporary folder
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "storyai"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(
        '[providers.box]\nkind = "openai-compatible"\nbase_url = "http://box/v1"\nmodel = "m"\n'
    )

    settings = load_settings(environ={})

    assert list(settings.providers) == ["box"]


def test_broken_toml_names_the_file_and_the_problem(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[providers.local]\nmodel "qwen"\n')

    with pytest.raises(StoryError) as caught:
        load_settings(environ={}, config_file=path)

    message = str(caught.value)
    assert str(path) in message
    assert "not valid TOML" in message
    assert "line 2" in message


def test_invalid_values_name_the_file_and_field_and_hide_the_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        "[providers.work]\n"
        f'kind = "gemini"\nmodel = "x"\napi_key = "{FILE_KEY}"\ntimeout = "slow"\n'
    )

    with pytest.raises(StoryError) as caught:
        load_settings(environ={}, config_file=path)

    message = str(caught.value)
    assert str(path) in message
    assert "providers.work.kind" in message
    assert "providers.work.timeout" in message
    assert FILE_KEY not in message


def test_unknown_provider_in_the_failover_order_is_an_error(config_file):
    with pytest.raises(StoryError, match="'nowhere'"):
        load_settings(environ={"STORYAI_NARRATION": "local,nowhere"}, config_file=config_file)


def test_unknown_price_key_is_an_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[prices."gpt-4.1"]\ninput = 2.0\nreasoning = 1.0\n')

    with pytest.raises(StoryError, match="reasoning"):
        load_settings(environ={}, config_file=path)


def test_providers_found_from_well_known_variables_in_preferred_order(tmp_path):
    environ = {
        "OPENAI_API_KEY": ENV_KEY,
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "OLLAMA_HOST": "0.0.0.0",
        "STORYAI_PROVIDERS__ZETA__BASE_URL": "http://zeta/v1",
        "STORYAI_PROVIDERS__ZETA__MODEL": "z",
        "STORYAI_PROVIDERS__BETA__BASE_URL": "http://beta/v1",
        "STORYAI_PROVIDERS__BETA__MODEL": "b",
    }

    settings = load_settings(environ=environ, config_file=tmp_path / "none.toml")

    assert settings.narration == ["anthropic", "openai", "local", "beta", "zeta"]
    assert settings.summary == settings.narration
    openai = settings.providers["openai"]
    assert (openai.kind, openai.model, openai.get_api_key()) == ("openai", "gpt-4.1-mini", ENV_KEY)
    anthropic = settings.providers["anthropic"]
    assert (anthropic.kind, anthropic.model) == ("anthropic", "claude-sonnet-4-6")
    assert anthropic.get_api_key() == ANTHROPIC_KEY
    local = settings.providers["local"]
    assert local.kind == "openai-compatible"
    assert local.base_url == "http://127.0.0.1:11434/v1"
    assert local.model == "llama3.2"
    assert settings.providers["zeta"].kind == "openai-compatible"


def test_well_known_model_variables_and_local_base_url(tmp_path):
    environ = {
        "OPENAI_API_KEY": ENV_KEY,
        "STORYAI_OPENAI_MODEL": "gpt-4.1",
        "STORYAI_LOCAL_BASE_URL": "http://gpu-box:8080/v1",
        "OLLAMA_HOST": "127.0.0.1:11434",
        "STORYAI_LOCAL_MODEL": "mistral",
    }

    settings = load_settings(environ=environ, config_file=tmp_path / "none.toml")

    assert settings.providers["openai"].model == "gpt-4.1"
    assert settings.providers["local"].base_url == "http://gpu-box:8080/v1"
    assert settings.providers["local"].model == "mistral"


def test_a_local_field_from_the_environment_keeps_the_local_servers_address(tmp_path):
    environ = {
        "STORYAI_LOCAL_BASE_URL": "http://gpu-box:8080/v1",
        "STORYAI_PROVIDERS__LOCAL__STALL_TIMEOUT": "90",
        "STORYAI_PROVIDERS__LOCAL__MODEL": "smollm2",
    }

    settings = load_settings(environ=environ, config_file=tmp_path / "none.toml")

    local = settings.providers["local"]
    assert local.base_url == "http://gpu-box:8080/v1"
    assert (local.model, local.stall_timeout) == ("smollm2", 90)
    assert build_port("local", local).base_url == "http://gpu-box:8080/v1"


def test_a_local_server_without_an_address_is_refused_with_what_to_set(tmp_path):
    environ = {"STORYAI_PROVIDERS__LOCAL__MODEL": "smollm2"}

    settings = load_settings(environ=environ, config_file=tmp_path / "none.toml")

    with pytest.raises(StoryError) as caught:
        build_port("local", settings.providers["local"])
    assert "needs the address of its server" in caught.value.message
    assert "STORYAI_LOCAL_BASE_URL" in (caught.value.hint or "")


def test_a_configured_provider_is_not_replaced_but_gets_the_usual_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[providers.openai]\nkind = "openai"\nmodel = "gpt-4o"\n')

    settings = load_settings(environ={"OPENAI_API_KEY": ENV_KEY}, config_file=path)

    openai = settings.providers["openai"]
    assert openai.model == "gpt-4o"
    assert openai.get_api_key() == ENV_KEY
    assert openai.key_source() == "env OPENAI_API_KEY"


def test_api_key_env_names_the_variable_holding_the_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[providers.claude]\nkind = "anthropic"\nmodel = "claude-x"\napi_key_env = "TEAM_KEY"\n'
    )

    settings = load_settings(environ={"TEAM_KEY": ANTHROPIC_KEY}, config_file=path)

    assert settings.providers["claude"].get_api_key() == ANTHROPIC_KEY
    assert settings.providers["claude"].key_source() == "env TEAM_KEY"


def test_describe_says_where_keys_come_from_and_never_shows_them(config_file):
    environ = {
        "OPENAI_API_KEY": ENV_KEY,
        "STORYAI_PROVIDERS__SPARE__KIND": "anthropic",
        "STORYAI_PROVIDERS__SPARE__MODEL": "claude-y",
        "STORYAI_PROVIDERS__SPARE__API_KEY": ANTHROPIC_KEY,
    }

    settings = load_settings(environ=environ, config_file=config_file)
    infos = {info.name: info for info in describe(settings)}

    assert infos["work"].key == "config file"
    assert infos["openai"].key == "env OPENAI_API_KEY"
    assert infos["spare"].key == "env STORYAI_PROVIDERS__SPARE__API_KEY"
    assert infos["local"].key == "none"
    assert infos["openai"].base_url == "https://api.openai.com/v1"
    assert infos["spare"].base_url == "https://api.anthropic.com"
    assert infos["local"].tasks == ("narration #1", "summary #1")
    assert infos["openai"].tasks == ()
    shown = json.dumps([info.as_dict() for info in describe(settings)])
    shown += repr(settings) + str(settings) + settings.model_dump_json()
    for key in (FILE_KEY, ENV_KEY, ANTHROPIC_KEY):
        assert key not in shown


def test_settings_built_directly_read_the_process_environment(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("STORYAI_LOCAL_BASE_URL", raising=False)
    monkeypatch.delenv("OLLAMA_HOST", raising=False)

    settings = Settings()

    assert settings.narration == ["anthropic"]
    assert ANTHROPIC_KEY not in repr(settings)


def test_build_port_picks_the_adapter_for_each_kind():
    def port(kind: str):
        url = "http://127.0.0.1:8080/v1" if kind == "openai-compatible" else None
        return build_port("p", ProviderSettings(kind=kind, model="m", api_key="k", base_url=url))

    assert type(port("openai")) is OpenAIChatAdapter
    assert type(port("openai-compatible")) is OpenAIChatAdapter
    assert type(port("openai-responses")) is OpenAIResponsesAdapter
    assert type(port("anthropic")) is AnthropicMessagesAdapter
    chosen = build_port("p", ProviderSettings(kind="openai", model="m", api_key="k"), model="big")
    assert chosen.model == "big"
    assert "'k'" not in repr(chosen)


def test_build_port_without_a_key_for_a_hosted_api_says_what_to_set(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    with pytest.raises(AuthFailed) as caught:
        build_port("openai", ProviderSettings(kind="openai", model="gpt-4.1-mini"))

    assert "OPENAI_API_KEY" in (caught.value.hint or "")
