"""Provider kinds come from a registry: the built-in ones and a plugin's register alike."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyai.core.config import ProviderSettings, load_settings
from storyai.core.domain.errors import StoryError
from storyai.core.llm.port import ModelPort
from storyai.core.narrators.configured import narrator_for
from storyai.core.providers import registry
from storyai.core.providers.registry import PortSpec, ProviderKind, Registry

PLUGIN = """
from storyai.core.llm.port import ModelPort
from storyai.core.providers.registry import ProviderKind


class EchoPort(ModelPort):
    def __init__(self, spec):
        self.spec = spec
        self.name = spec.name
        self.model = spec.model

    async def stream(self, request):
        raise NotImplementedError
        yield


def register_providers(register):
    register(ProviderKind("echo", EchoPort, key_env="ECHO_API_KEY", base_url="http://echo/v1"))
"""


@pytest.fixture
def echo_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution ``echo-plugin`` with a ``storyai.providers`` entry point."""
    (tmp_path / "echo_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "echo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[storyai.providers]\necho = echo_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.fixture
def echo_registered(echo_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    """The process-wide registry, as a fresh process with the plugin installed sees it."""
    fresh = Registry()
    monkeypatch.setattr(registry, "REGISTRY", fresh)
    yield fresh


def test_the_built_in_kinds_register_through_the_plugin_hook() -> None:
    assert Registry(entry_point_group=None).names() == (
        "anthropic",
        "openai",
        "openai-compatible",
        "openai-responses",
    )
    assert Registry(builtin=(), entry_point_group=None).names() == ()


def test_an_installed_plugin_adds_a_kind(echo_plugin: Path) -> None:
    kinds = Registry()
    assert "echo" in kinds.names() and "anthropic" in kinds.names()
    assert kinds.get("echo").key_env == "ECHO_API_KEY"


def test_a_plugin_kind_is_configured_and_built_like_a_built_in_one(
    echo_registered: Registry, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            """
            [providers.parrot]
            kind = "echo"
            model = "polly-1"
            timeout = 5
            """
        ),
        encoding="utf-8",
    )
    settings = load_settings({"ECHO_API_KEY": "echo-secret-123"}, config_file=config)
    parrot = settings.providers["parrot"]
    assert parrot.key_source() == "env ECHO_API_KEY"

    port = registry.build_port("parrot", parrot, model="polly-2")
    spec: PortSpec = port.spec  # type: ignore[attr-defined]
    assert (spec.name, spec.model, spec.api_key, spec.timeout) == (
        "parrot",
        "polly-2",
        "echo-secret-123",
        5.0,
    )
    configured = narrator_for(settings)
    assert configured.label == "parrot/polly-1" and not configured.offline


def test_a_kind_that_needs_a_key_and_has_none_is_not_built(echo_registered: Registry) -> None:
    with pytest.raises(StoryError, match="no API key") as caught:
        registry.build_port("parrot", ProviderSettings(kind="echo", model="m"))
    assert "ECHO_API_KEY" in (caught.value.hint or "")


def test_an_unknown_kind_names_the_ones_there_are(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[providers.x]\nkind = "gemini"\nmodel = "m"\n', encoding="utf-8")
    with pytest.raises(StoryError) as caught:
        load_settings({}, config_file=config)
    message = str(caught.value)
    assert f"providers.x.kind (in {config}): unknown kind 'gemini'" in message
    assert "anthropic, openai, openai-compatible, openai-responses" in message


def test_a_kind_name_is_registered_once() -> None:
    kinds = Registry(entry_point_group=None)

    def build(spec: PortSpec) -> ModelPort:
        raise AssertionError("not built")

    with pytest.raises(StoryError, match="'openai' is registered twice"):
        kinds.register(ProviderKind("openai", build))
    kinds.unregister("openai")
    kinds.register(ProviderKind("openai", build))
    assert kinds.get("openai").build is build


def test_a_broken_plugin_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[storyai.providers]\nbroken = no_such_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(StoryError, match="provider plugin 'broken' \\(no_such_module\\)"):
        Registry().names()
