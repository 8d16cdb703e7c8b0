"""Where settings values come from while ``load_settings`` runs, and where a value came from.

``load_settings`` reads the environment mapping and the TOML file once and puts them
in a ``LoadContext`` (a context variable) for the duration of one validation, so the
pydantic-settings sources and the validators that need the environment (providers
found from ``OPENAI_API_KEY`` ...) all see the same inputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from storyai.core.config.files import default_config_path, read_config_file

ENV_PREFIX = "STORYAI_"
FLAT_SECTIONS = ("quota", "discord")
"""Tables whose variables use one underscore: ``STORYAI_QUOTA_USER_TURNS`` sets
``quota.user_turns`` (two underscores, as in every other table, work too)."""


@dataclass(frozen=True)
class LoadContext:
    environ: Mapping[str, str]
    file: Path | None
    file_data: dict[str, Any] = field(default_factory=dict)
    overrides: frozenset[str] = frozenset()

    def env(self, name: str) -> str | None:
        """The non-empty value of variable ``name`` (case-insensitive), else None."""
        wanted = name.upper()
        for key, value in self.environ.items():
            if key.upper() == wanted and value.strip():
                return value
        return None

    def variables(self, loc: tuple[str | int, ...]) -> list[str]:
        """The variables that can set the value at ``loc``, most specific first:
        ``("providers", "local", "model")`` → ``STORYAI_PROVIDERS__LOCAL__MODEL``, then
        the ones for ``providers.local`` (JSON) and ``providers`` (JSON)."""
        parts = [str(part).upper() for part in loc]
        names = []
        if len(parts) >= 2 and parts[0].lower() in FLAT_SECTIONS:
            names.append(f"{ENV_PREFIX}{parts[0]}_{parts[1]}")
        names += [ENV_PREFIX + "__".join(parts[:n]) for n in range(len(parts), 0, -1)]
        return names

    def source(self, loc: tuple[str | int, ...]) -> str:
        """Where the value at ``loc`` came from: the variable that set it, "in FILE",
        "given to load_settings", or "" (a default)."""
        if not loc:
            return ""
        for name in self.variables(loc):
            if self.env(name) is not None:
                return name
        if self.file is not None and str(loc[0]) in self.file_data:
            return f"in {self.file}"
        if str(loc[0]) in self.overrides:
            return "given to load_settings"
        return ""


_CONTEXT: ContextVar[LoadContext | None] = ContextVar("storyai_settings_context", default=None)


def current() -> LoadContext:
    """The context of the running ``load_settings``; outside one (``Settings()`` built
    directly), the process environment and the default config file."""
    ctx = _CONTEXT.get()
    if ctx is None:
        path = default_config_path(os.environ)
        ctx = LoadContext(dict(os.environ), path, read_config_file(path))
    return ctx


def activate(ctx: LoadContext) -> Any:
    """Make ``ctx`` current; returns the token for ``deactivate``."""
    return _CONTEXT.set(ctx)


def deactivate(token: Any) -> None:
    _CONTEXT.reset(token)


class MappingEnvSource(EnvSettingsSource):
    """The ``STORYAI_`` variables of the context's mapping instead of ``os.environ``,
    plus the one-underscore variables of the flat sections (``STORYAI_QUOTA_USER_TURNS``)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        for section in FLAT_SECTIONS:
            model = self.settings_cls.model_fields[section].annotation
            for name in getattr(model, "model_fields", {}):
                value = self.env_vars.get(f"{ENV_PREFIX}{section}_{name}".lower())
                if value is None or not value.strip():  # compose passes unset ones as ""
                    continue
                table = data.get(section)
                if not isinstance(table, dict):
                    table = data[section] = {}
                table[name] = value
        return data


class FileSource(PydanticBaseSettingsSource):
    """The values already read from the TOML file (every key: unknown ones are errors)."""

    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)
