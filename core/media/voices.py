"""A voice per character: the author's (``visual.voice``), else one from the provider's
pool chosen by the character's id, so it is the same on every line, in every process,
with no state to keep; the narrator has the world's ``visual.voice`` (else the pool's
first) and no character shares it while the pool has others."""

from __future__ import annotations

import hashlib

from storyai.core.domain.world import World

NARRATOR = "narrator"


def narrator_voice(world: World, pool: tuple[str, ...]) -> str:
    visual = world.world.visual
    if visual is not None and visual.voice:
        return visual.voice
    return pool[0] if pool else ""


def character_id_for(world: World, speaker: str | None) -> str | None:
    """The character whose name (or id) is ``speaker``."""
    if not speaker:
        return None
    if speaker in world.characters:
        return speaker
    wanted = speaker.strip().lower()
    for key, who in world.characters.items():
        if who.name.lower() == wanted:
            return key
    return None


def voice_for(world: World, speaker: str | None, pool: tuple[str, ...]) -> str:
    """The voice ``speaker`` (a character's name or id; None: the narrator) speaks in."""
    narrator = narrator_voice(world, pool)
    key = character_id_for(world, speaker)
    if key is None:
        if speaker is None:
            return narrator
        key = speaker.strip().lower()  # someone the world does not list: still one voice
    else:
        visual = world.characters[key].visual
        if visual is not None and visual.voice:
            return visual.voice
    choices = [v for v in pool if v != narrator] or list(pool)
    if not choices:
        return ""
    index = int.from_bytes(hashlib.sha256(f"{world.id}:{key}".encode()).digest()[:4], "big")
    return choices[index % len(choices)]
