"""A scripted language model wired like a real one: Router -> AINarrator -> sessions."""

from __future__ import annotations

import json
from typing import Any

import playing
from walkthrough import bundled

from storyai.core import services
from storyai.core.llm.fake import ScriptedModel, prompt_text
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.storage.ports import UnitOfWorkFactory


def turn_json(narrative: str = "The snow keeps falling.", **extra: Any) -> str:
    reply: dict[str, Any] = {
        "narrative": narrative,
        "dialogue": [],
        "choices": [{"id": "a", "text": "Look around"}],
        "state_changes": {
            "location": None,
            "discovered": [],
            "items": [],
            "gold": 0,
            "hp": [],
            "quests": [],
            "lore": [],
            "attitudes": [],
        },
        "check": None,
        "media_hints": {"image_prompt": "", "ambient_audio": ""},
    }
    changes = extra.pop("changes", {})
    reply["state_changes"].update(changes)
    reply.update(extra)
    return json.dumps(reply)


def section(request: ModelRequest, name: str) -> str:
    return next((s.text for s in request.sections if s.name == name), "")


def echo(request: ModelRequest) -> str:
    """Narrates by quoting the player's words; summaries list the turns."""
    if request.task == "summary":
        return "Summary: " + " / ".join(
            line for line in section(request, "turns").splitlines() if line.startswith("[Turn")
        )
    said = section(request, "input").rsplit("says: ", 1)[-1]
    return turn_json(f"You did {said}.")


def gm(*replies, default=echo, name: str = "fake") -> tuple[AINarrator, ScriptedModel]:
    model = ScriptedModel(name=name, replies=replies, default=default)
    router = Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]})
    return AINarrator(router), model


async def start(uow: UnitOfWorkFactory, narrator: AINarrator, seed: int = 7, world="ember_hollow"):
    await services.install_world(uow, bundled(world), source="bundled")
    return await playing.start_session(uow, world, player_name="Ash", seed=seed, narrator=narrator)


def prompt_of(request: ModelRequest) -> str:
    return prompt_text(request)
