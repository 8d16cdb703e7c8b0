"""Find a rule system by name: the one seam where new systems plug in.

The engine never imports ``D20System`` or ``PercentileSystem``; it asks for
the world's system here. Pathfinder 2e, when it comes, is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from storyai.core.domain.errors import RuleError
from storyai.core.domain.world import D20Options, PercentileOptions, World
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.d20 import D20System
from storyai.core.rules.percentile import PercentileSystem

_SYSTEMS: dict[str, tuple[type[BaseModel], Callable[[Any], RuleSystem]]] = {
    "d20": (D20Options, D20System),
    "percentile": (PercentileOptions, PercentileSystem),
}


def available_systems() -> tuple[str, ...]:
    """The names ``get_rule_system`` accepts."""
    return tuple(_SYSTEMS)


def get_rule_system(name: str, options: Mapping[str, Any] | BaseModel | None = None) -> RuleSystem:
    """The rule system called ``name``, set up with a world's ``rules.options``.

    Raises:
        RuleError: Unknown system, or options it does not accept.
    """
    if name not in _SYSTEMS:
        known = ", ".join(_SYSTEMS)
        raise RuleError(f"There is no rule system called '{name}'. Known: {known}.")
    options_model, factory = _SYSTEMS[name]
    if options is None:
        options = options_model()
    elif not isinstance(options, options_model):
        raw = options.model_dump() if isinstance(options, BaseModel) else dict(options)
        try:
            options = options_model.model_validate(raw)
        except ValidationError as exc:
            raise RuleError(f"The {name} rule options are not valid: {exc}") from exc
    return factory(options)


def rule_system_for(world: World) -> RuleSystem:
    """The rule system a world is played with, with its options."""
    return get_rule_system(world.rules.system, world.rules.typed_options())
