"""The ``providers`` of the settings tree: one table per language-model provider.

Besides the configured ones, providers come from well-known variables when none of
that name is configured: ``OPENAI_API_KEY`` gives "openai", ``ANTHROPIC_API_KEY``
gives "anthropic", ``STORYAI_LOCAL_BASE_URL`` (or ``OLLAMA_HOST``) gives "local"
(models: ``STORYAI_OPENAI_MODEL``, ``STORYAI_ANTHROPIC_MODEL``, ``STORYAI_LOCAL_MODEL``).
A provider whose kind has a usual key variable (``registry.ProviderKind.key_env``)
and no key of its own uses that variable.

Keys are ``SecretStr``: ``repr``, ``describe`` and every error show where a key came
from, never the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator

from storyai.core.config.sources import LoadContext
from storyai.core.providers import registry
from storyai.core.providers.limits import default_first_byte_timeout

PRICE_KEYS = frozenset({"input", "cached_input", "cache_write", "output"})
"""Keys of a ``[prices."model"]`` table: USD per million tokens."""
DEFAULT_MODELS: dict[str, tuple[str, str]] = {
    # provider name: (variable naming the model, model when unset)
    "openai": ("STORYAI_OPENAI_MODEL", "gpt-4.1-mini"),
    "anthropic": ("STORYAI_ANTHROPIC_MODEL", "claude-sonnet-4-6"),
    "local": ("STORYAI_LOCAL_MODEL", "llama3.2"),
}
PREFERRED_ORDER: tuple[str, ...] = ("anthropic", "openai", "local")
"""The default failover order (those configured), then the others alphabetically."""
WELL_KNOWN_VARIABLES = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "STORYAI_LOCAL_BASE_URL",
    "OLLAMA_HOST",
    *(variable for variable, _ in DEFAULT_MODELS.values()),
)
"""Variables outside the tree's own ``STORYAI_<FIELD>`` names that add providers."""


class ProviderSettings(BaseModel):
    """One provider (``[providers.NAME]``): an API kind, a model, where to reach it, how
    to wait. Variables: ``STORYAI_PROVIDERS__<NAME>__<FIELD>``."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    kind: str
    """The API it speaks: openai, openai-responses, anthropic, openai-compatible, or a
    kind a plugin registered. Inferred for the names openai, anthropic and local, and
    from ``base_url``."""
    model: str = Field(min_length=1)
    """The model to ask for."""
    base_url: str | None = None
    """Where the API is; default: the kind's own (required for openai-compatible)."""
    api_key: SecretStr | None = None
    """The key itself (better: ``api_key_env``)."""
    api_key_env: str | None = None
    """The variable to read the key from; default: the kind's usual one."""
    timeout: float = Field(default=60.0, gt=0)
    """Seconds to connect and send the request."""
    first_byte_timeout: float | None = Field(default=None, gt=0)
    """Seconds from the request to the first event of the answer, while the server reads
    the prompt; default 300 for openai-compatible or a local address, 60 for hosted APIs."""
    stall_timeout: float = Field(default=30.0, gt=0)
    """Seconds without an event once the answer streams."""
    max_retries: int = Field(default=2, ge=0)
    """Retries of a failed request before the next provider is tried."""
    requests_per_minute: float | None = Field(default=None, gt=0)
    """Client-side rate limit; none by default."""
    structured: Literal["auto", "json_schema", "json_object", "tool", "prompt"] = "auto"
    """How a structured turn is requested; json_object, tool or prompt for servers
    without JSON Schema support."""
    context_window: int | None = Field(default=None, gt=0)
    """The model's context window in tokens; default: read from the server (llama.cpp
    ``/props``, Ollama ``/api/show``) when it is a local one."""
    prompt_profile: Literal["auto", "full", "compact"] = "auto"
    """The prompt layout: ``compact`` (short rules, fewer sections, a smaller reply) for
    small local models; ``auto`` picks it when the context window is 8,192 tokens or less."""
    prewarm: Literal["auto", "on", "off"] = "auto"
    """After each turn, send the next turn's stable prompt prefix (rules, world, story so
    far, recent turns) with a one-token reply, so the server reads it while the player
    reads and types and the next turn starts from its cache. ``auto``: for a llama.cpp
    or Ollama server (found by asking it), which charge nothing; hosted APIs would bill it."""

    _key_source: str | None = PrivateAttr(default=None)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in registry.REGISTRY:
            raise ValueError(
                f"unknown kind {value!r}; use one of {', '.join(registry.kind_names())}"
            )
        return value

    def first_byte_limit(self) -> float:
        """``first_byte_timeout``, or its default for this kind and address."""
        if self.first_byte_timeout is not None:
            return self.first_byte_timeout
        compatible = self.kind == "openai-compatible"
        return default_first_byte_timeout(self.base_url, compatible=compatible)

    def key_env_names(self) -> list[str]:
        """Variables that may hold the key, in the order they are tried."""
        names = [self.api_key_env] if self.api_key_env else []
        default = registry.get_kind(self.kind).key_env
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
        default = registry.get_kind(self.kind).key_env
        return f"set {default} or {where}" if default else f"set {where}"


def infer_kinds(value: Any) -> Any:
    """Fill in ``kind`` (and ``model``) where the provider's name says it."""
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


def check_prices(value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    for model, table in value.items():
        unknown = set(table) - PRICE_KEYS
        if unknown:
            raise ValueError(
                f"prices for {model!r} has unknown keys {sorted(unknown)}; use {sorted(PRICE_KEYS)}"
            )
    return value


def default_order(providers: Mapping[str, ProviderSettings]) -> list[str]:
    """anthropic, openai, local (those that exist), then the others alphabetically."""
    first = [name for name in PREFERRED_ORDER if name in providers]
    return first + sorted(name for name in providers if name not in PREFERRED_ORDER)


def detect_providers(providers: dict[str, ProviderSettings], env: Mapping[str, str]) -> None:
    """Add openai / anthropic / local from the well-known variables, unless configured."""

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
    base_url = env.get("STORYAI_LOCAL_BASE_URL") or ollama_url(env.get("OLLAMA_HOST"))
    local = providers.get("local")
    if local is None:
        if base_url:
            providers["local"] = ProviderSettings(
                kind="openai-compatible", model=model("local"), base_url=base_url
            )
    elif local.base_url is None and base_url and registry.get_kind(local.kind).needs_base_url:
        # STORYAI_PROVIDERS__LOCAL__MODEL=... (or a [providers.local] table without an
        # address) refines the detected server; it must not lose its address.
        local.base_url = base_url


def ollama_url(host: str | None) -> str | None:
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


def resolve_key(name: str, cfg: ProviderSettings, ctx: LoadContext) -> None:
    """Fill ``api_key`` from the environment and record where it came from."""
    if cfg.api_key is not None and cfg.api_key.get_secret_value():
        in_env = ctx.env(f"STORYAI_PROVIDERS__{name}__API_KEY")
        file_cfg = (ctx.file_data.get("providers") or {}).get(name) or {}
        if in_env:
            cfg._key_source = f"env STORYAI_PROVIDERS__{name.upper()}__API_KEY"
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


def secrets_in(env: Mapping[str, str], data: Mapping[str, Any]) -> list[str]:
    """Values that must never appear in a message: keys and tokens."""
    found = [v for k, v in env.items() if k.upper().endswith(("_KEY", "_TOKEN")) and v]
    for cfg in (data.get("providers") or {}).values():
        if isinstance(cfg, Mapping) and isinstance(cfg.get("api_key"), str):
            found.append(cfg["api_key"])
    discord = data.get("discord")
    if isinstance(discord, Mapping) and isinstance(discord.get("token"), str):
        found.append(discord["token"])
    return found
