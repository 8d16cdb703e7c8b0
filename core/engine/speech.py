"""Words said aloud (`say kindle`, `say "deal"`) and who a question is put to.

A location's authored phrases come first, then the world's; then a word a person here has something
to say about (`say deal` to the administrator who asked you to); words nothing
answers cost no turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from storyai.core.domain.ops import HearTopic
from storyai.core.domain.world import Phrase
from storyai.core.engine import endings
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent, normalized
from storyai.core.engine.story import apply_effects, holds


def _matches(phrase: Phrase, said: str) -> bool:
    padded = f" {said} "
    return any((w := normalized(s)) and f" {w} " in padded for s in phrase.says)


def say(draft: Draft, intent: Intent, ask: Callable[[Draft, Intent], None]) -> None:
    """``ask`` is the ask handler, for words a person here answers."""
    said = normalized(intent.object)
    if not said:
        draft.understood = False
        draft.say("Say what? (For example: say hello.)", "notice")
        return
    loc = draft.world.locations[draft.here]
    for phrase in [*loc.phrases, *draft.world.phrases]:
        if not _matches(phrase, said):
            continue
        if not holds(phrase.requires, draft.state, draft.actor, draft.world):
            draft.say(f'You say "{intent.object}". Nothing answers, yet.')
            return
        if endings.asked_to_confirm(draft, intent, phrase.ends_story, f"say {said}"):
            return
        draft.say(f'You say "{intent.object}".')
        draft.say(phrase.text)
        for heard in dict.fromkeys(normalized(s) for s in phrase.says):  # for `say:` triggers
            draft.do(HearTopic(key=f"say:{heard}"))
        place = f"say:{normalized(phrase.says[0])}" if phrase.says else f"say:{said}"
        apply_effects(draft, phrase.effects, source=loc.name, place=place)
        return
    for cid in talkers_here(draft):
        ch = draft.world.characters[cid]
        for tid, topic in ch.dialogue.topics.items():
            words = {normalized(tid.replace("_", " ")), *(normalized(k) for k in topic.keywords)}
            if said in words and holds(topic.requires, draft.state, draft.actor, draft.world):
                draft.say(f'You say "{intent.object}".')
                asked = Intent("ask", object=ch.name, target=tid, raw=intent.raw)
                ask(draft, replace(asked, confirmed=intent.confirmed))
                return
    draft.understood = False
    draft.say(f'You say "{intent.object}". Nothing answers.', "notice")


def talkers_here(draft: Draft) -> list[str]:
    """The people here who can talk (not creatures, not defeated)."""
    return [
        cid
        for cid in draft.state.characters_at(draft.here)
        if draft.world.characters[cid].kind != "creature" and not draft.state.npcs[cid].defeated
    ]


def who_is_asked(draft: Draft) -> str | None:
    """For `ask about goblins` / `what about the goblins?` with nobody named: the one
    person here, else the one here the player talked to last."""
    here = talkers_here(draft)
    if len(here) == 1:
        return here[0]
    last = draft.state.last_done

    def talked(cid: str) -> int:
        return max(
            (at for key, at in last.items() if key == cid or key.startswith(f"{cid}:")),
            default=0,
        )

    spoken = [c for c in here if talked(c)]
    return max(spoken, key=talked) if spoken else None
