"""A player's legacy as every interface shows it (the CLI's `storyai profile show`, the
TUI's title screen, the bot's /legacy): one read model, one text."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.legacy import Profile


@dataclass(frozen=True)
class LegacyView:
    key: str
    legend_points: int
    stories: tuple[str, ...]  # "The Cold Hearths of Ember Hollow — Mira: The Long Thaw (+25)"
    achievements: tuple[str, ...]  # "First Ending: a story finished (+5)"
    titles: tuple[str, ...]
    heirlooms: tuple[str, ...]  # "Everwarm Coal (from ember_hollow)"
    followers: tuple[str, ...]
    companion: str = ""  # "bond 3: remembers 3 things from 2 stories"; "" before any
    spent: int = 0  # legend points spent at the start of stories (already taken off)

    @property
    def empty(self) -> bool:
        return not self.stories

    @property
    def summary(self) -> str:
        """One line: ``Legacy: 2 stories · 40 legend points · Friend of the Hollow``."""
        if self.empty:
            return "Legacy: no finished stories yet."
        count = len(self.stories)
        parts = [f"{count} finished stor{'y' if count == 1 else 'ies'}"]
        parts.append(
            f"{self.legend_points} legend points" + (f" ({self.spent} spent)" if self.spent else "")
        )
        if self.titles:
            parts.append(", ".join(self.titles))
        return "Legacy: " + " · ".join(parts)


def legacy_view(profile: Profile) -> LegacyView:
    return LegacyView(
        key=profile.key,
        legend_points=profile.legend_points,
        stories=tuple(
            f"{s.world_title} — {s.character}: {s.ending_title} (+{s.legend_points})"
            for s in profile.stories
        ),
        achievements=tuple(f"{a.title} (+{a.points})" for a in profile.achievements),
        titles=profile.titles,
        heirlooms=tuple(f"{h.name} (from {h.world_id})" for h in profile.heirlooms),
        followers=profile.followers,
        spent=profile.spent,
        companion=_companion(profile),
    )


def _companion(profile: Profile) -> str:
    if not profile.companion_bond:
        return ""
    things, stories = profile.companion_bond, profile.companion_stories
    return (
        f"bond {things}: remembers {things} thing{'s' if things != 1 else ''} "
        f"from {stories} stor{'y' if stories == 1 else 'ies'}"
    )


def legacy_text(view: LegacyView) -> str:
    lines = [view.summary]
    if view.companion:
        lines.append(f"Companion: {view.companion}")
    for label, rows in (
        ("Stories", view.stories),
        ("Achievements", view.achievements),
        ("Titles", view.titles),
        ("Heirlooms", view.heirlooms),
        ("Followers", view.followers),
    ):
        if rows:
            lines.append(f"{label}:")
            lines += [f"  - {row}" for row in rows]
    return "\n".join(lines)
