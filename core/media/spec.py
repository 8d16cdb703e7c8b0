"""Visual specs: what keeps a character looking the same from turn 5 to turn 500.

Every character, location, item and player character has a ``VisualSpec``: its
appearance (the world's ``visual.appearance``, else the avatar's ``appearance``, else
its description or archetype), the world's art style, a seed (authored, else derived
from the world and the subject, so it never changes), and a pinned picture file if
the author gave one. A prompt is always the spec's words first, then the scene: the
same character's prompts share their whole identity part, turn after turn.

Only what players may see goes into a prompt: public descriptions, never backstory,
secrets or lore; a sentence that quotes gm-only lore or a character's secret (a run
of ``SHINGLE`` words) is dropped, and anything that looks like a key is redacted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any

from storyai.core.domain.world import Visual, World
from storyai.core.providers.errors import redact

DEFAULT_STYLE = "painterly digital illustration, consistent character design"
SHINGLE = 6
PROMPT_LIMIT = 900
"""Characters of a prompt (DALL·E 2 takes 1,000, Stable Diffusion reads ~75 tokens
of it anyway: identity comes first)."""


@dataclass(frozen=True)
class VisualSpec:
    subject: str
    """``character:ID``, ``location:ID``, ``item:ID`` or ``player:ID``."""
    name: str
    appearance: str
    style: str
    seed: int
    image: str | None = None
    """A pinned picture file, relative to the world's folder."""
    reference: str | None = None
    """The digest of this subject's first picture: later ones are drawn from it."""

    @property
    def kind(self) -> str:
        return self.subject.split(":", 1)[0]

    def identity(self) -> str:
        """The part of every prompt about this subject (never changes)."""
        what = {"location": "Place", "item": "Object"}.get(self.kind, "Character")
        return f"{what}: {self.name}. {self.appearance}".strip()

    def prompt(self, scene: str = "", *, framing: str = "") -> str:
        parts = [self.identity()]
        if framing:
            parts.append(framing)
        if scene:
            parts.append(f"Scene: {scene}")
        parts.append(f"Style: {self.style}.")
        return clip(" ".join(parts), PROMPT_LIMIT)

    def with_reference(self, digest: str | None) -> VisualSpec:
        return replace(self, reference=digest) if digest and not self.reference else self


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def stable_seed(world: World, subject: str) -> int:
    digest = hashlib.sha256(f"{world.id}:{subject}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def world_style(world: World) -> str:
    visual = world.world.visual
    if visual is not None and visual.style:
        return visual.style
    tone = f", {world.world.tone} mood" if world.world.tone else ""
    return f"{DEFAULT_STYLE}{tone}"


def _spec(
    world: World, subject: str, name: str, visual: Visual | None, fallback: str
) -> VisualSpec:
    secrets = secret_shingles(world)
    appearance = (visual.appearance if visual and visual.appearance else "") or fallback
    return VisualSpec(
        subject=subject,
        name=name,
        appearance=scrub(clip(appearance, 500), secrets),
        style=(visual.style if visual and visual.style else None) or world_style(world),
        seed=visual.seed if visual and visual.seed is not None else stable_seed(world, subject),
        image=visual.image if visual else None,
    )


def character_spec(world: World, character_id: str) -> VisualSpec:
    who = world.characters[character_id]
    return _spec(world, f"character:{character_id}", who.name, who.visual, who.description)


def location_spec(world: World, location_id: str) -> VisualSpec:
    where = world.locations[location_id]
    return _spec(world, f"location:{location_id}", where.name, where.visual, where.description)


def item_spec(world: World, item_id: str) -> VisualSpec:
    item = world.items[item_id]
    return _spec(world, f"item:{item_id}", item.name, item.visual, item.description)


def player_spec(world: World, player_id: str, sheet: Any) -> VisualSpec:
    """A player character: the avatar's own ``appearance`` when the sheet has one, else
    the archetype's ``visual``/description (the look the world gives it)."""
    archetype = world.archetypes.get(getattr(sheet, "archetype", None) or "")
    own = getattr(sheet, "appearance", None)
    visual = archetype.visual if archetype is not None else None
    fallback = ""
    if archetype is not None:
        fallback = f"A {archetype.name.lower()}. {archetype.description}"
    if own:
        visual = Visual(appearance=str(own), style=visual.style if visual else None)
    elif visual is not None:
        visual = visual.model_copy(update={"seed": None, "image": None})
    return _spec(world, f"player:{player_id}", str(sheet.name), visual, fallback)


# --------------------------------------------------------------------------- safety


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def secret_shingles(world: World) -> set[tuple[str, ...]]:
    """Every run of ``SHINGLE`` words of gm-only and known-by lore and of characters'
    secrets and backstories: none of it may reach an image or voice provider."""
    texts = [entry.text for entry in world.lore.values() if entry.visibility != "public"]
    for who in world.characters.values():
        texts += list(who.secrets)
        texts.append(who.backstory)
    out: set[tuple[str, ...]] = set()
    for text in texts:
        words = _words(text)
        out |= {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    return out


def _quotes(text: str, secrets: set[tuple[str, ...]]) -> bool:
    words = _words(text)
    return any(tuple(words[i : i + SHINGLE]) in secrets for i in range(len(words) - SHINGLE + 1))


def scrub(text: str, secrets: set[tuple[str, ...]], keys: tuple[str, ...] = ()) -> str:
    """``text`` without any sentence quoting a secret, and with keys redacted."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = [s for s in sentences if s and not _quotes(s, secrets)]
    return redact(" ".join(kept), keys)
