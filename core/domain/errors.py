"""One error hierarchy, every message ready to show a player or an author.

* StoryError                       anything the user can act on
  + WorldError                     a world file or folder is wrong
    - WorldLoadError               cannot be read or parsed (size, encoding, YAML)
    - WorldValidationError         parsed, but the content has problems (carries all of them)
  + WorldNotFound                  no installed world has that id (or not that version)
  + SessionNotFound                no session has that id
  + WorldConflict                  an install or fork would overwrite something
  + StorageError                   the database cannot be reached or is not ready
    - DatabaseNotMigrated          the schema is behind; run `storyai db upgrade`
  + RuleError                      the rules refuse an action (not carried, too heavy, ...)
    - DiceError                    dice that cannot be read or are too many to roll

Interfaces map these once: the CLI prints them and exits 1, the TUI shows a
notification, the bot replies ephemerally. Anything else is a bug and is never
swallowed.
"""

from __future__ import annotations

from dataclasses import dataclass


class StoryError(Exception):
    """Base of every error whose message is meant for the user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class WorldError(StoryError):
    """A world file or folder cannot be used."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a world, located as precisely as we can."""

    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    @property
    def location(self) -> str:
        if not self.file:
            return "<world>"
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def format(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class WorldLoadError(WorldError):
    """The file could not be read or parsed at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.format())
        self.problems = [problem]


class WorldValidationError(WorldError):
    """The world parsed, but has problems. All of them are carried at once."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        head = f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found"
        super().__init__(head + ":\n" + "\n".join(p.format() for p in problems))
        self.problems = problems


class WorldNotFound(StoryError):
    def __init__(self, world_id: str, version: str | None = None) -> None:
        if version is None:
            super().__init__(
                f"No installed world has the id '{world_id}'.",
                hint="`storyai world list` shows what is installed; "
                "`storyai world install PATH` adds one.",
            )
        else:
            super().__init__(
                f"The world '{world_id}' has no installed version '{version}'.",
                hint="`storyai world list` shows the installed versions.",
            )
        self.world_id = world_id
        self.version = version


class SessionNotFound(StoryError):
    def __init__(
        self, session_id: str, *, message: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(
            message or f"No session has the id '{session_id}'.",
            hint=hint or "`storyai session list` shows your sessions.",
        )
        self.session_id = session_id


class WorldConflict(StoryError):
    """Installing or forking would overwrite a world that is already there."""


class StorageError(StoryError):
    """The database cannot be reached or used."""


class DatabaseNotMigrated(StorageError):
    def __init__(self, url: str, current: str | None, head: str) -> None:
        super().__init__(
            f"The database {url} is at schema revision {current or 'none'}, "
            f"but this version of storyai needs {head}.",
            hint="Run `storyai db upgrade` to bring it up to date.",
        )


class RuleError(StoryError):
    """The rules refuse an action; the message says why, in the player's words."""


class DiceError(RuleError):
    """Dice notation that cannot be read, or asks for more dice than we roll."""
