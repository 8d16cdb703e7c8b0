"""The TOML config file: where it is, and reading it into a dict."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from storyai.core.domain.errors import SettingsError

CONFIG_ENV = "STORYAI_CONFIG"
"""The variable naming the config file."""


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$STORYAI_CONFIG``, else ``config.toml`` in the user config folder
    (``platformdirs.user_config_dir("storyai")``, on Linux ``~/.config/storyai``)."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV, "").strip():
        return Path(env[CONFIG_ENV].strip()).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("storyai")) / "config.toml"


def read_config_file(path: Path) -> dict[str, Any]:
    """The TOML file as a dict; ``{}`` when it does not exist; a ``SettingsError`` naming
    the file when it cannot be read or is not TOML."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise SettingsError(
            f"The storyai config file {path} is a folder, not a file.",
            hint=f"point ${CONFIG_ENV} at a TOML file",
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"The storyai config file {path} cannot be read: {exc.strerror or exc}."
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"The storyai config file {path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"The storyai config file {path} is not valid TOML: {exc}.",
            hint=f"fix the file, or point ${CONFIG_ENV} at another one",
        ) from None
    return data
