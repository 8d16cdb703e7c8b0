"""``[media]`` in the settings tree: providers per task in failover order, from the file
or the environment; mistakes named with their key; keys never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core.config import load_settings
from storyai.core.domain.errors import SettingsError
from storyai.core.media.build import router_for

CONFIG = """
[media]
image = ["forge", "dalle"]
speech = ["eleven", "espeak"]

[media.providers.forge]
kind = "automatic1111"
base_url = "http://127.0.0.1:7860"

[media.providers.dalle]
kind = "openai"
model = "dall-e-3"

[media.providers.eleven]
kind = "elevenlabs"
api_key_env = "MY_ELEVEN"

[media.providers.espeak]
kind = "espeak"
"""


def _settings(tmp_path: Path, text: str, environ: dict[str, str] | None = None):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(environ or {}, config_file=path)


async def test_the_file_configures_each_task_in_failover_order(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CONFIG, {"MY_ELEVEN": "el-secret-key"})
    router = router_for(settings.media)
    try:
        assert [a.name for a in router.images] == ["forge", "dalle"]
        assert [a.name for a in router.speech] == ["eleven", "espeak"]
        assert router.images[1].model == "dall-e-3"
        assert "el-secret-key" not in repr(settings)
    finally:
        await router.aclose()
    off = _settings(tmp_path, CONFIG.replace("[media]\n", "[media]\nenabled = false\n"))
    assert not router_for(off.media).can_draw


def test_variables_set_the_order(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CONFIG, {"STORYAI_MEDIA__IMAGE": '["dalle"]'})
    assert settings.media.image == ["dalle"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('image = ["forge", "dalle"]', 'image = ["nope"]'), "'nope', which is not in"),
        (('image = ["forge", "dalle"]', 'image = ["espeak"]'), "which makes voices"),
        (('base_url = "http://127.0.0.1:7860"\n', ""), "needs base_url"),
        (('kind = "espeak"', 'kind = "espeek"'), "kind"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        _settings(tmp_path, CONFIG.replace(*change))
    assert words in str(caught.value) and "media" in str(caught.value)
