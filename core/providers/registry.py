"""Provider kinds: what ``kind = "..."`` in a provider's settings builds.

A kind is a name and a factory that turns one configured provider into a
``ModelPort``. The built-in kinds (``builtin.py``: openai, openai-responses,
anthropic, openai-compatible) register through the same hook a plugin uses, a
function ``register_providers(register)``::

    # a plugin's pyproject.toml
    [project.entry-points."storyai.providers"]
    mine = "storyai_mine"              # a module with register_providers, or the function

    # storyai_mine/__init__.py
    from storyai.core.providers.registry import ProviderKind, PortSpec

    def build(spec: PortSpec) -> ModelPort:
        return MyAdapter(spec.name, spec.model, api_key=spec.api_key, ...)

    def register_providers(register):
        register(ProviderKind("mine", build, key_env="MINE_API_KEY"))

after which ``[providers.x] kind = "mine"`` works in the config file. Kinds are
loaded on first use (built-ins first, then plugins in entry-point order); a
factory imports its SDK when it is called, so loading the registry stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storyai.core.domain.errors import AuthFailed, SettingsError

if TYPE_CHECKING:
    from storyai.core.config.providers import ProviderSettings
    from storyai.core.llm.port import ModelPort

ENTRY_POINT_GROUP = "storyai.providers"
"""Entry points of this group name a module with ``register_providers`` (or the function)."""
BUILTIN_MODULES: tuple[str, ...] = ("storyai.core.providers.builtin",)
"""Registered first, through the same hook as plugins."""


@dataclass(frozen=True)
class PortSpec:
    """What a factory gets: one configured provider, its key resolved."""

    name: str
    """The provider's name in the settings ("local", "work", ...)."""
    model: str
    """The model to use (``--model`` already applied)."""
    base_url: str | None
    api_key: str | None
    """The key, from the settings or the environment; None when there is none."""
    timeout: float
    stall_timeout: float
    structured: str
    key_hint: str
    """What to tell the user when the key is missing or refused."""
    http_client: Any | None = None
    """An httpx client to use instead of the SDK's own (tests)."""
    settings: ProviderSettings | None = None
    """Everything configured for this provider, for options beyond the ones above."""
    first_byte_timeout: float | None = None
    """Seconds from the request to the first event of the reply; None: the adapter's
    default (``limits.default_first_byte_timeout``)."""

    def adapter_args(self) -> dict[str, Any]:
        """The keyword arguments of the built-in SDK adapters."""
        return {
            "name": self.name,
            "model": self.model,
            "base_url": self.base_url,
            "api_key": self.api_key,
            "timeout": self.timeout,
            "stall_timeout": self.stall_timeout,
            "structured": self.structured,
            "http_client": self.http_client,
            "key_hint": self.key_hint,
            "first_byte_timeout": self.first_byte_timeout,
        }


Factory = Callable[[PortSpec], "ModelPort"]


@dataclass(frozen=True)
class ProviderKind:
    """One API a provider can speak."""

    name: str
    """What ``kind = "..."`` says."""
    build: Factory
    key_env: str | None = None
    """The variable holding the key when the provider names none (``api_key``,
    ``api_key_env``). A kind with one needs a key unless ``base_url`` points elsewhere."""
    base_url: str | None = None
    """Where the API is when ``base_url`` is not configured (shown by `providers list`)."""
    summary: str = ""
    needs_base_url: bool = False
    """The kind has no address of its own (a local server): ``base_url`` is required."""


Register = Callable[[ProviderKind], None]


class Registry:
    """Kind name → ``ProviderKind``; fills itself on first use."""

    def __init__(
        self,
        builtin: Iterable[str] = BUILTIN_MODULES,
        entry_point_group: str | None = ENTRY_POINT_GROUP,
    ) -> None:
        self._builtin = tuple(builtin)
        self._group = entry_point_group
        self._kinds: dict[str, ProviderKind] = {}
        self._loaded = False

    def register(self, kind: ProviderKind) -> None:
        """Add a kind; a name that is taken is refused (unregister it first)."""
        self._load()
        self._add(kind)

    def unregister(self, name: str) -> None:
        self._load()
        self._kinds.pop(name, None)

    def get(self, name: str) -> ProviderKind:
        self._load()
        try:
            return self._kinds[name]
        except KeyError:
            raise SettingsError(
                f"There is no provider kind '{name}'.", hint=f"use {', '.join(self.names())}"
            ) from None

    def names(self) -> tuple[str, ...]:
        self._load()
        return tuple(sorted(self._kinds))

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._kinds

    def _add(self, kind: ProviderKind) -> None:
        if not kind.name or kind.name != kind.name.strip():
            raise ValueError(f"a provider kind needs a name without spaces around it: {kind!r}")
        if kind.name in self._kinds:
            raise SettingsError(f"The provider kind '{kind.name}' is registered twice.")
        self._kinds[kind.name] = kind

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in self._builtin:
            _call_hook(importlib.import_module(module), module, self._add)
        if self._group is None:
            return
        from importlib.metadata import entry_points

        for entry in entry_points(group=self._group):
            try:
                hook = entry.load()
            except Exception as exc:
                raise SettingsError(
                    f"The provider plugin '{entry.name}' ({entry.value}) cannot be loaded: {exc}",
                    hint="update or uninstall the package that provides it",
                ) from exc
            _call_hook(hook, f"{entry.name} ({entry.value})", self._add)


def _call_hook(hook: Any, where: str, register: Register) -> None:
    function = getattr(hook, "register_providers", hook)
    if not callable(function):
        raise SettingsError(f"The provider plugin {where} has no register_providers(register).")
    function(register)


REGISTRY = Registry()
"""The kinds storyai knows: built-ins and installed plugins."""


def register(kind: ProviderKind) -> None:
    """Add a kind to ``REGISTRY`` (plugins use the entry point instead)."""
    REGISTRY.register(kind)


def kind_names() -> tuple[str, ...]:
    return REGISTRY.names()


def get_kind(name: str) -> ProviderKind:
    return REGISTRY.get(name)


def build_port(
    name: str,
    cfg: ProviderSettings,
    *,
    http_client: Any | None = None,
    model: str | None = None,
) -> ModelPort:
    """The adapter for one configured provider (``model`` overrides the configured one).

    Raises ``AuthFailed`` when the kind needs a key and none is configured."""
    kind = get_kind(cfg.kind)
    key = cfg.get_api_key()
    hint = cfg.key_hint(name)
    if key is None and kind.key_env and cfg.base_url is None:
        raise AuthFailed(f"{name}: no API key is configured.", provider=name, hint=hint)
    if kind.needs_base_url and not cfg.base_url:
        raise SettingsError(
            f"{name}: this {cfg.kind} provider needs the address of its server (base_url).",
            hint=f"set providers.{name}.base_url in the storyai config file"
            + (" or STORYAI_LOCAL_BASE_URL" if name == "local" else ""),
        )
    spec = PortSpec(
        name=name,
        model=model or cfg.model,
        base_url=cfg.base_url,
        api_key=key,
        timeout=cfg.timeout,
        stall_timeout=cfg.stall_timeout,
        structured=cfg.structured,
        key_hint=hint,
        http_client=http_client,
        settings=cfg,
        first_byte_timeout=cfg.first_byte_limit(),
    )
    return kind.build(spec)
