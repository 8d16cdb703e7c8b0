"""Which narrator an interface gets from the settings and `--provider` / `--model`."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core.config import load_settings
from storyai.core.domain.errors import StoryError
from storyai.core.narrators.ai import AINarrator
from storyai.core.narrators.configured import HOW_TO_ADD, narrator_for

NO_FILE = Path("/nonexistent/storyai.toml")


def settings(environ=None, **overrides):
    return load_settings(environ=environ or {}, config_file=NO_FILE, **overrides)


def test_nothing_configured_plays_offline_and_says_how_to_add_a_model():
    configured = narrator_for(settings())
    assert configured.offline and configured.label == "offline"
    assert configured.warnings == [HOW_TO_ADD]


def test_keys_in_the_environment_give_an_ai_narrator_in_the_usual_order():
    env = {"OPENAI_API_KEY": "sk-a", "ANTHROPIC_API_KEY": "sk-b"}
    configured = narrator_for(settings(env))
    assert isinstance(configured.narrator, AINarrator)
    assert configured.narrator.router.providers("narration") == ["anthropic", "openai"]
    assert configured.label.startswith("anthropic/") and "then openai" in configured.label


def test_provider_and_model_flags_put_that_model_first():
    env = {"OPENAI_API_KEY": "sk-a", "ANTHROPIC_API_KEY": "sk-b"}
    configured = narrator_for(settings(env), provider="openai", model="gpt-test-9")
    assert configured.narrator.router.providers("narration") == ["openai", "anthropic"]
    assert configured.label.startswith("openai/gpt-test-9")
    assert narrator_for(settings(env), provider="offline").offline


def test_an_unknown_provider_is_refused_naming_the_configured_ones():
    with pytest.raises(StoryError) as caught:
        narrator_for(settings({"OPENAI_API_KEY": "sk-a"}), provider="claude")
    assert "No provider called 'claude'" in caught.value.message
    assert "openai" in caught.value.message


def test_a_provider_without_its_key_is_skipped_with_a_warning():
    configured = narrator_for(settings(providers={"openai": {"kind": "openai", "model": "m"}}))
    assert configured.offline
    assert any("openai" in w and "key" in w for w in configured.warnings)
