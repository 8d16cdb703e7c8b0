"""The one settings tree: where each value comes from, and errors that say where to look."""

from __future__ import annotations

import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from storyai.core.bootstrap import build
from storyai.core.config import QuotaSettings, Settings, load_settings, variables
from storyai.core.domain.errors import StoryError
from storyai.core.quotas import QuotaPolicy

TOKEN = "discord-token-1f2e3d4c5b"

CONFIG = f"""
database_url = "sqlite:///from-file.db"
narration = ["box"]

[providers.box]
base_url = "http://box/v1"
model = "file-model"

[quota]
user_turns = 10
guild_turns = 200

[discord]
token = "{TOKEN}"
api_base = "http://127.0.0.1:9000/api/v10"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_file_fills_every_table(config: Path) -> None:
    settings = load_settings({}, config_file=config)

    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.providers["box"].model == "file-model"
    assert settings.quota.policy() == QuotaPolicy(user_turns=10, guild_turns=200)
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == TOKEN
    assert settings.discord.api_base == "http://127.0.0.1:9000/api/v10"
    assert settings.discord.gateway_url is None
    assert settings.config_file == config


def test_arguments_beat_variables_which_beat_the_file_which_beats_the_defaults(
    config: Path,
) -> None:
    environ = {
        "STORYAI_DATABASE_URL": "sqlite:///from-env.db",
        "STORYAI_QUOTA_USER_TURNS": "7",
        "STORYAI_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9000/gateway",
        "STORYAI_PROVIDERS__BOX__MODEL": "env-model",
    }

    from_env = load_settings(environ, config_file=config)
    from_args = load_settings(
        environ, config_file=config, database_url="sqlite:///arg.db", quota={"user_turns": 1}
    )

    assert from_env.database_url == "sqlite:///from-env.db"
    assert from_env.quota.user_turns == 7  # the variable
    assert from_env.quota.guild_turns == 200  # the file
    assert from_env.quota.user_credits == QuotaPolicy().user_credits  # the default
    assert from_env.providers["box"].model == "env-model"
    assert from_env.providers["box"].base_url == "http://box/v1"  # kept from the file
    assert from_env.discord.gateway_url == "ws://127.0.0.1:9000/gateway"
    assert from_env.discord.api_base == "http://127.0.0.1:9000/api/v10"
    assert from_args.database_url == "sqlite:///arg.db"
    assert from_args.quota.user_turns == 1


def test_empty_variables_count_as_unset(config: Path) -> None:
    # docker compose passes every variable it names, set or not
    environ = {
        "STORYAI_DATABASE_URL": "",
        "STORYAI_QUOTA_USER_TURNS": "",
        "STORYAI_DISCORD_TOKEN": " ",
        "STORYAI_CACHE": "",
        "STORYAI_NARRATION": "",
    }
    settings = load_settings(environ, config_file=config)
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.quota.user_turns == 10
    assert settings.discord.token is not None and settings.cache is False
    assert settings.narration == ["box"]
    assert load_settings(environ, config_file=config.parent / "none").discord.token is None


def test_the_quota_table_also_takes_two_underscores(tmp_path: Path) -> None:
    settings = load_settings({"STORYAI_QUOTA__GUILD_CREDITS": "off"}, config_file=tmp_path / "x")
    assert settings.quota.guild_credits is None


def test_settings_built_directly_read_the_process_environment(
    monkeypatch: pytest.MonkeyPatch, config: Path
) -> None:
    monkeypatch.setenv("STORYAI_CONFIG", str(config))
    monkeypatch.setenv("STORYAI_QUOTA_USER_TURNS", "4")
    settings = Settings()
    assert (settings.quota.user_turns, settings.quota.guild_turns) == (4, 200)


def test_a_bad_variable_is_named_with_its_key(tmp_path: Path) -> None:
    with pytest.raises(StoryError) as caught:
        load_settings(
            {"STORYAI_DISCORD_API_BASE": "discord.example", "STORYAI_CACHE": "maybe"},
            config_file=tmp_path / "none.toml",
        )
    message = str(caught.value)
    assert "discord.api_base (STORYAI_DISCORD_API_BASE): must be a http or https URL" in message
    assert "cache (STORYAI_CACHE):" in message


def test_a_bad_file_value_names_the_file_and_the_key_and_never_the_token(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        f"""
        narations = ["box"]

        [quota]
        user_turns = -3

        [discord]
        token = "{TOKEN}"
        gateway_url = "http://not-a-websocket"
        """,
    )
    with pytest.raises(StoryError) as caught:
        load_settings({}, config_file=path)
    message = str(caught.value)
    assert f"narations (in {path}): unknown setting" in message
    assert f"quota.user_turns (in {path}): must be a whole number of 0 or more" in message
    assert f"discord.gateway_url (in {path}): must be a ws or wss URL" in message
    assert TOKEN not in message


def test_a_variable_that_wins_over_the_file_is_the_one_named(config: Path) -> None:
    with pytest.raises(StoryError, match=r"quota\.user_turns \(STORYAI_QUOTA_USER_TURNS\)"):
        load_settings({"STORYAI_QUOTA_USER_TURNS": "many"}, config_file=config)


def test_every_quota_setting_is_a_field_of_the_policy_with_its_default() -> None:
    assert QuotaSettings().policy() == QuotaPolicy()
    assert list(QuotaSettings.model_fields) == [f.name for f in fields(QuotaPolicy)]


def test_every_field_of_the_tree_is_documented() -> None:
    def undocumented(model: type) -> list[str]:
        missing = []
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            if not (info.description or "").strip():
                missing.append(f"{model.__name__}.{name}")
            sub = info.annotation
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                missing += undocumented(sub)
        return missing

    from storyai.core.config import DiscordSettings, ProviderSettings

    for model in (Settings, ProviderSettings, QuotaSettings, DiscordSettings):
        assert undocumented(model) == []


def test_the_variables_list_names_every_table() -> None:
    names = variables()
    assert "STORYAI_QUOTA_USER_TURNS" in names and "STORYAI_DISCORD_GATEWAY_URL" in names
    assert "STORYAI_DATABASE_URL" in names and "STORYAI_CONFIG" in names
    assert "OPENAI_API_KEY" in names and "OLLAMA_HOST" in names


async def test_the_container_carries_the_quota_narrator_and_clock(tmp_path: Path) -> None:
    settings = load_settings(
        {"STORYAI_QUOTA_USER_TURNS": "3"},
        config_file=tmp_path / "none.toml",
        database_url=f"sqlite:///{tmp_path / 'never-opened.db'}",
    )
    container = await build(settings, migrate=False, provider="offline")
    try:
        assert container.settings is settings
        assert container.quota == QuotaPolicy(user_turns=3)
        assert container.narrator.label == "offline" and container.narrator.offline
        assert container.clock.now().tzinfo is not None
    finally:
        await container.close()
    assert not (tmp_path / "never-opened.db").exists()  # nothing touched the database


async def test_an_unknown_provider_from_the_command_line_is_a_story_error(tmp_path: Path) -> None:
    settings = load_settings({}, config_file=tmp_path / "none.toml")
    container = await build(settings, migrate=False, provider="nowhere")
    with pytest.raises(StoryError, match="No provider called 'nowhere'"):
        _ = container.narrator
