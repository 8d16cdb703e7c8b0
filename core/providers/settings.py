"""Which model providers exist, how to reach them, and in which order to try them.

Sources, strongest first:

1. keyword arguments (``load_settings(narration=[...])`` or ``StoryaiSettings(...)``);
2. the environment, prefix ``STORYAI_``, nesting with ``__``
   (``STORYAI_PROVIDERS__LOCAL__MODEL=qwen2.5``, ``STORYAI_NARRATION=anthropic,local``);
3. a TOML file: ``$STORYAI_CONFIG``, else ``config.toml`` in the user config folder
   (``platformdirs.user_config_dir("storyai")``). A missing file is fine.

Example ``config.toml``::

    narration = ["anthropic", "local"]   # failover order
    summary = ["local"]

    [providers.local]
    kind = "openai-compatible"
    base_url = "http://127.0.0.1:11434/v1"
    model = "qwen2.5:7b"

    [providers.anthropic]
    kind = "anthropic"
    model = "claude-sonnet-4-6"
    api_key_env = "MY_ANTHROPIC_KEY"     # or api_key = "..." (kept out of every message)

    [prices."claude-sonnet-4-6"]          # USD per million tokens
    input = 3.0
    cached_input = 0.3
    cache_write = 6.0
    output = 15.0

Providers also come from well-known variables when none of that name is
configured: ``OPENAI_API_KEY`` gives "openai", ``ANTHROPIC_API_KEY`` gives
"anthropic", ``STORYAI_LOCAL_BASE_URL`` (or ``OLLAMA_HOST``) gives "local".
A provider of kind openai / openai-responses / anthropic with no key of its own
uses ``OPENAI_API_KEY`` / ``ANTHROPIC_API_KEY``.

Keys are ``SecretStr``: ``repr``, ``describe`` and every error show where a key
came from, never the key.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from storyai.core.domain.errors import AuthFailed, StoryError
from storyai.core.llm.port import ModelPort
from storyai.core.providers.errors import redact

Kind = Literal["openai", "openai-responses", "anthropic", "openai-compatible"]
KINDS: tuple[str, ...] = ("openai", "openai-responses", "anthropic", "openai-compatible")
CONFIG_ENV = "STORYAI_CONFIG"
PRICE_KEYS = frozenset({"input", "cached_input", "cache_write", "output"})

DEFAULT_KEY_ENV: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "openai-responses": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}
DEFAULT_BASE_URL: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "openai-responses": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}
DEFAULT_MODELS: dict[str, tuple[str, str]] = {
    # provider name: (variable naming the model, model when unset)
    "openai": ("STORYAI_OPENAI_MODEL", "gpt-4.1-mini"),
    "anthropic": ("STORYAI_ANTHROPIC_MODEL", "claude-sonnet-4-6"),
    "local": ("STORYAI_LOCAL_MODEL", "llama3.2"),
}
PREFERRED_ORDER: tuple[str, ...] = ("anthropic", "openai", "local")


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$STORYAI_CONFIG``, else ``config.toml`` in the user config folder."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("storyai")) / "config.toml"


class ProviderSettings(BaseModel):
    """One configured provider: an API kind, a model, where to reach it, how to wait."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    model: str = Field(min_length=1)
    base_url: str | None = None
    api_key: SecretStr | None = None
    api_key_env: str | None = None  # read the key from this variable
    timeout: float = Field(default=60.0, gt=0)
    stall_timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    requests_per_minute: float | None = Field(default=None, gt=0)
    structured: Literal["auto", "json_schema", "json_object", "tool", "prompt"] = "auto"

    _key_source: str | None = PrivateAttr(default=None)

    def key_env_names(self) -> list[str]:
        """Variables that may hold the key, in the order they are tried."""
        names = [self.api_key_env] if self.api_key_env else []
        default = DEFAULT_KEY_ENV.get(self.kind)
        if default and default not in names:
            names.append(default)
        return names

    def get_api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key: ``api_key``, else the variable ``api_key_env``, else the kind's usual one."""
        if self.api_key is not None and self.api_key.get_secret_value():
            return self.api_key.get_secret_value()
        env = os.environ if environ is None else environ
        for name in self.key_env_names():
            if env.get(name):
                return env[name]
        return None

    def key_source(self, environ: Mapping[str, str] | None = None) -> str:
        """Where the key comes from ("env OPENAI_API_KEY", "config file", "none"); never the key."""
        if self._key_source is not None:
            return self._key_source
        if self.api_key is not None and self.api_key.get_secret_value():
            return "settings"
        env = os.environ if environ is None else environ
        for name in self.key_env_names():
            if env.get(name):
                return f"env {name}"
        return "none"

    def key_hint(self, name: str) -> str:
        """What to set when the key is missing or refused."""
        where = f"providers.{name}.api_key_env (or api_key) in the storyai config file"
        if self.api_key_env:
            return f"set {self.api_key_env}, or change {where}"
        default = DEFAULT_KEY_ENV.get(self.kind)
        return f"set {default} or {where}" if default else f"set {where}"


def _split_names(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class StoryaiSettings(BaseSettings):
    """Providers, the failover order per task, prices and the reply cache."""

    model_config = SettingsConfigDict(
        env_prefix="STORYAI_", env_nested_delimiter="__", extra="ignore"
    )

    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    narration: Annotated[list[str], NoDecode] = Field(default_factory=list)
    summary: Annotated[list[str], NoDecode] = Field(default_factory=list)
    prices: dict[str, dict[str, float]] = Field(default_factory=dict)
    cache: bool = False
    cache_dir: Path | None = None

    _config_file: Path | None = PrivateAttr(default=None)

    @property
    def config_file(self) -> Path | None:
        """The TOML file these settings were read from (None when there was none)."""
        return self._config_file

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        ctx = _context()
        return (
            init_settings,
            _MappingEnvSource(settings_cls, ctx.environ),
            _DataSource(settings_cls, ctx.file_data),
        )

    @field_validator("providers", mode="before")
    @classmethod
    def _infer_kinds(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        out: dict[str, Any] = {}
        for name, cfg in value.items():
            if isinstance(cfg, Mapping) and "kind" not in cfg:
                cfg = dict(cfg)
                if name in ("openai", "anthropic"):
                    cfg["kind"] = name
                elif name == "local" or cfg.get("base_url"):
                    cfg["kind"] = "openai-compatible"
            if isinstance(cfg, Mapping) and "model" not in cfg and name in DEFAULT_MODELS:
                cfg = {**cfg, "model": DEFAULT_MODELS[name][1]}
            out[name] = cfg
        return out

    @field_validator("narration", "summary", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _split_names(value)

    @field_validator("prices")
    @classmethod
    def _price_keys(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for model, table in value.items():
            unknown = set(table) - PRICE_KEYS
            if unknown:
                raise ValueError(
                    f"prices for {model!r} has unknown keys {sorted(unknown)}; "
                    f"use {sorted(PRICE_KEYS)}"
                )
        return value

    @model_validator(mode="after")
    def _complete(self) -> StoryaiSettings:
        ctx = _context()
        self._config_file = ctx.file if ctx.file_data else None
        _detect_providers(self.providers, ctx.environ)
        for name, cfg in self.providers.items():
            _resolve_key(name, cfg, ctx)
        if not self.narration:
            self.narration = default_order(self.providers)
        if not self.summary:
            self.summary = list(self.narration)
        for task in ("narration", "summary"):
            for name in getattr(self, task):
                if name not in self.providers:
                    known = ", ".join(sorted(self.providers)) or "none"
                    raise ValueError(
                        f"{task} lists the provider {name!r}, which is not configured "
                        f"(configured: {known})"
                    )
        return self

    def prices_for(self, model: str) -> dict[str, float] | None:
        """The configured price override for ``model`` (USD per million tokens), if any."""
        return self.prices.get(model)


def default_order(providers: Mapping[str, ProviderSettings]) -> list[str]:
    """anthropic, openai, local (those that exist), then the others alphabetically."""
    first = [name for name in PREFERRED_ORDER if name in providers]
    return first + sorted(name for name in providers if name not in PREFERRED_ORDER)


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class _LoadContext:
    environ: Mapping[str, str]
    file: Path | None
    file_data: dict[str, Any] = field(default_factory=dict)


_CONTEXT: ContextVar[_LoadContext | None] = ContextVar("storyai_settings_context", default=None)


def _context() -> _LoadContext:
    ctx = _CONTEXT.get()
    if ctx is None:  # StoryaiSettings() built directly: the real environment and file
        path = default_config_path(os.environ)
        ctx = _LoadContext(dict(os.environ), path, read_config_file(path))
    return ctx


def read_config_file(path: Path) -> dict[str, Any]:
    """The TOML file as a dict; ``{}`` when it does not exist; a ``StoryError`` when broken."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise StoryError(
            f"The storyai config file {path} is a folder, not a file.",
            hint=f"point ${CONFIG_ENV} at a TOML file",
        ) from None
    except OSError as exc:
        raise StoryError(
            f"The storyai config file {path} cannot be read: {exc.strerror or exc}."
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StoryError(f"The storyai config file {path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise StoryError(
            f"The storyai config file {path} is not valid TOML: {exc}.",
            hint="fix the file, or point $STORYAI_CONFIG at another one",
        ) from None
    return data


def load_settings(
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> StoryaiSettings:
    """Settings from ``overrides``, then ``environ`` (default: the process environment),
    then the TOML file (``config_file``, else ``$STORYAI_CONFIG``, else the user config folder).

    Raises ``StoryError`` naming the file and the problem when anything is wrong.
    """
    env = dict(os.environ if environ is None else environ)
    path = Path(config_file) if config_file is not None else default_config_path(env)
    data = read_config_file(path)
    token = _CONTEXT.set(_LoadContext(env, path, data))
    try:
        return StoryaiSettings(**overrides)
    except ValidationError as exc:
        raise StoryError(_validation_message(exc, path if data else None, env)) from None
    except SettingsError as exc:
        raise StoryError(
            redact(f"A STORYAI_ setting cannot be read: {exc}", _secrets(env, data))
        ) from None
    finally:
        _CONTEXT.reset(token)


def _validation_message(exc: ValidationError, path: Path | None, env: Mapping[str, str]) -> str:
    where = f" (config file {path}, or STORYAI_ variables)" if path else " (STORYAI_ variables)"
    lines = [f"The storyai settings are not valid{where}:"]
    for error in exc.errors(include_input=False, include_url=False):
        loc = ".".join(str(part) for part in error["loc"]) or "settings"
        lines.append(f"  {loc}: {error['msg']}")
    return redact("\n".join(lines), _secrets(env, {}))


def _secrets(env: Mapping[str, str], data: Mapping[str, Any]) -> list[str]:
    found = [v for k, v in env.items() if k.upper().endswith(("_KEY", "_TOKEN")) and v]
    for cfg in (data.get("providers") or {}).values():
        if isinstance(cfg, Mapping) and isinstance(cfg.get("api_key"), str):
            found.append(cfg["api_key"])
    return found


def _detect_providers(providers: dict[str, ProviderSettings], env: Mapping[str, str]) -> None:
    def model(name: str) -> str:
        var, fallback = DEFAULT_MODELS[name]
        return env.get(var) or fallback

    if "openai" not in providers and env.get("OPENAI_API_KEY"):
        providers["openai"] = ProviderSettings(
            kind="openai", model=model("openai"), api_key_env="OPENAI_API_KEY"
        )
    if "anthropic" not in providers and env.get("ANTHROPIC_API_KEY"):
        providers["anthropic"] = ProviderSettings(
            kind="anthropic", model=model("anthropic"), api_key_env="ANTHROPIC_API_KEY"
        )
    if "local" not in providers:
        base_url = env.get("STORYAI_LOCAL_BASE_URL") or _ollama_url(env.get("OLLAMA_HOST"))
        if base_url:
            providers["local"] = ProviderSettings(
                kind="openai-compatible", model=model("local"), base_url=base_url
            )


def _ollama_url(host: str | None) -> str | None:
    """``OLLAMA_HOST`` ("0.0.0.0", "127.0.0.1:11434", "http://box:11434") → an /v1 base URL."""
    if not host or not host.strip():
        return None
    host = host.strip().rstrip("/")
    scheme = "http"
    if "://" in host:
        scheme, host = host.split("://", 1)
    hostname, _, port = host.partition(":")
    if hostname in ("", "0.0.0.0"):
        hostname = "127.0.0.1"
    return f"{scheme}://{hostname}:{port or '11434'}/v1"


def _env_names(env: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): k for k in env}


def _resolve_key(name: str, cfg: ProviderSettings, ctx: _LoadContext) -> None:
    """Fill ``api_key`` from the environment and record where it came from."""
    if cfg.api_key is not None and cfg.api_key.get_secret_value():
        var = f"storyai_providers__{name.lower()}__api_key"
        in_env = _env_names(ctx.environ).get(var)
        file_cfg = (ctx.file_data.get("providers") or {}).get(name) or {}
        if in_env:
            cfg._key_source = f"env {in_env}"
        elif isinstance(file_cfg, Mapping) and file_cfg.get("api_key"):
            cfg._key_source = "config file"
        else:
            cfg._key_source = "settings"
        return
    for var in cfg.key_env_names():
        value = ctx.environ.get(var)
        if value:
            cfg.api_key = SecretStr(value)
            cfg._key_source = f"env {var}"
            return
    cfg._key_source = "none"


class _MappingEnvSource(EnvSettingsSource):
    """The ``STORYAI_`` variables of a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._environ)
        return {k.lower(): v for k, v in self._environ.items()}


class _DataSource(PydanticBaseSettingsSource):
    """Values already read from the TOML file."""

    def __init__(self, settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


# ---------------------------------------------------------------- ports and listing


def build_port(
    name: str,
    cfg: ProviderSettings,
    *,
    http_client: Any | None = None,
    model: str | None = None,
) -> ModelPort:
    """The adapter for one configured provider (``model`` overrides the configured one)."""
    key = cfg.get_api_key()
    hint = cfg.key_hint(name)
    if key is None and cfg.kind in DEFAULT_KEY_ENV and cfg.base_url is None:
        raise AuthFailed(f"{name}: no API key is configured.", provider=name, hint=hint)
    args: dict[str, Any] = {
        "name": name,
        "model": model or cfg.model,
        "base_url": cfg.base_url,
        "api_key": key,
        "timeout": cfg.timeout,
        "stall_timeout": cfg.stall_timeout,
        "structured": cfg.structured,
        "http_client": http_client,
        "key_hint": hint,
    }
    if cfg.kind in ("openai", "openai-compatible"):
        from storyai.core.providers.openai_chat import OpenAIChatAdapter

        return OpenAIChatAdapter(**args, compatible=cfg.kind == "openai-compatible")
    if cfg.kind == "openai-responses":
        from storyai.core.providers.openai_responses import OpenAIResponsesAdapter

        return OpenAIResponsesAdapter(**args)
    from storyai.core.providers.anthropic_messages import AnthropicMessagesAdapter

    return AnthropicMessagesAdapter(**args)


@dataclass(frozen=True)
class ProviderInfo:
    """One provider as ``storyai providers list`` shows it. Never holds the key."""

    name: str
    kind: str
    model: str
    base_url: str
    key: str  # where the key comes from: "env OPENAI_API_KEY", "config file", "none"
    structured: str
    tasks: tuple[str, ...]  # "narration #1", "summary #2", ...

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "model": self.model,
            "base_url": self.base_url,
            "key": self.key,
            "structured": self.structured,
            "tasks": list(self.tasks),
        }


def describe(settings: StoryaiSettings) -> list[ProviderInfo]:
    """Every provider, in narration order first, with where its key comes from."""
    order = list(dict.fromkeys([*settings.narration, *settings.summary, *settings.providers]))
    infos = []
    for name in order:
        cfg = settings.providers[name]
        tasks = tuple(
            f"{task} #{getattr(settings, task).index(name) + 1}"
            for task in ("narration", "summary")
            if name in getattr(settings, task)
        )
        infos.append(
            ProviderInfo(
                name=name,
                kind=cfg.kind,
                model=cfg.model,
                base_url=cfg.base_url or DEFAULT_BASE_URL.get(cfg.kind, ""),
                key=cfg.key_source(),
                structured=cfg.structured,
                tasks=tasks,
            )
        )
    return infos
