"""``load_settings``: the one function that builds the settings tree."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError as SourceError

from storyai.core.config import sources
from storyai.core.config.files import default_config_path, read_config_file
from storyai.core.config.model import Settings
from storyai.core.config.providers import secrets_in
from storyai.core.domain.errors import SettingsError


def load_settings(
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """The settings: ``overrides`` (field names of ``Settings``), then ``environ``
    (default: the process environment), then the TOML file (``config_file``, else
    ``$STORYAI_CONFIG``, else ``config.toml`` in the user config folder; a missing file
    is fine), then the defaults.

    Raises ``SettingsError`` naming the variable or the file, and the key, of every value
    that is wrong.
    """
    env = dict(os.environ if environ is None else environ)
    path = Path(config_file) if config_file is not None else default_config_path(env)
    data = read_config_file(path)
    ctx = sources.LoadContext(env, path, data, frozenset(overrides))
    token = sources.activate(ctx)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise _invalid(exc, ctx) from None
    except SourceError as exc:
        raise SettingsError(
            _redact(f"A STORYAI_ setting cannot be read: {exc}", secrets_in(env, data)),
            hint="check the STORYAI_ variables that hold JSON or lists",
        ) from None
    finally:
        sources.deactivate(token)


def _invalid(exc: ValidationError, ctx: sources.LoadContext) -> SettingsError:
    lines = ["The storyai settings are not valid:"]
    for error in exc.errors(include_input=False, include_url=False):
        loc = tuple(error["loc"])
        key = ".".join(str(part) for part in loc)
        where = ctx.source(loc)
        message = error["msg"]
        if error["type"] == "value_error":
            message = str(error.get("ctx", {}).get("error", message))
        elif error["type"] == "extra_forbidden":
            message = "unknown setting"
        if not loc:  # the whole tree: the message says what and where
            lines.append(f"  {message}")
        else:
            lines.append(f"  {key}{f' ({where})' if where else ''}: {message}")
    hint = (
        f"fix the variable or the config file {ctx.file}"
        if ctx.file_data
        else "fix the STORYAI_ variable"
    )
    text = _redact("\n".join(lines), secrets_in(ctx.environ, ctx.file_data))
    return SettingsError(text, hint=hint)


def _redact(text: str, secrets: list[str]) -> str:
    from storyai.core.providers.errors import redact

    return redact(text, secrets)
