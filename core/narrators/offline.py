"""The offline narrator: no key, no server, deterministic for a seed.

It tells exactly what the rules decided, in the world's authored words (the
engine picks authored variants with the turn's seeded dice), so the same seed
and inputs always give the same story.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from storyai.core.narrators.port import (
    NarrationChunk,
    NarrationRequest,
    Narrator,
    NarratorReply,
    TextDelta,
)

PROSE = ("narration", "ending")


class OfflineNarrator(Narrator):
    name = "offline"

    async def stream(self, request: NarrationRequest) -> AsyncIterator[NarrationChunk]:
        lines = list(request.facts)
        for line in lines:
            yield TextDelta(_as_text(line) + "\n")
        yield NarratorReply(
            narrative="\n\n".join(line.text for line in lines if line.kind in PROSE),
            lines=lines,
            dialogue=[
                {"speaker": line.speaker or "", "text": line.text}
                for line in lines
                if line.kind == "dialogue"
            ],
            choices=[{"id": f"c{i}", "text": c.text} for i, c in enumerate(request.choices, 1)],
            narrator=self.name,
        )


def _as_text(line) -> str:
    if line.kind == "dialogue" and line.speaker:
        return f"{line.speaker}: {line.text}"
    return line.text
