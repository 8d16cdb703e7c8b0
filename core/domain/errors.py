"""Every error a user of storyai can see, in one tree, each message ready to show.

::

    StoryError                        anything a player, author or host can act on
    + WorldError                      a world file or folder is wrong
    | - WorldLoadError                cannot be read or parsed (size, encoding, YAML)
    | - WorldValidationError          parsed, but the content has problems (all of them)
    + WorldNotFound                   no installed world has that id (or not that version)
    + WorldConflict                   an install or fork would overwrite something
    + LibraryError                    the content library (the SRD)
    | - LibraryNotInstalled
    | - LibraryEntryNotFound
    + ImportRefused                   an import cannot be done; nothing was written
    | - SourceLocked                  another program (a running Foundry) holds the data
    + SettingsError                   a setting (file, variable, token) is wrong
    | - PriceConfigError              a price table entry is wrong
    + UsageError                      a command's arguments or files cannot be used
    + ProviderError                   a model provider failed (mapped from every SDK error)
    | - ProviderTimeout, RateLimited, ProviderUnavailable, StreamBroken, AuthFailed,
    |   BadRequest, NoProviderAnswered
    + ReplyError                      a model's reply could not be read (never shown)
    + StorageError                    the database cannot be reached or used
    | - DatabaseNotMigrated           the schema is behind: run `storyai db upgrade`
    | - HistoryBroken                 a story's stored history does not hold together
    + RuleError                       the rules refuse an action (not carried, too heavy)
    | - DiceError                     dice that cannot be read or are too many to roll
    | - InvalidChange                 a change the rules or the world do not allow
    + PlayError                       the story refuses what a player asked
      - SessionNotFound               no story has that id
      - NoStoryHere                   no story is told in this channel
      - ChannelBusy                   a story is already told in this channel
      - StoryEnded                    the story has ended
      - NothingTyped                  an empty action
      - NotSeated                     this user has no character (here, or any more)
      - NotYourTurn                   turn mode: someone else is to act
      - HostOnly                      only the host may do this
      - NameTaken                     someone at the table already has that name
      - UnknownArchetype              the world has no such archetype
      - BranchError                   no such branch, a name taken, no such turn
      - TurnConflict                  the story moved on while this was being told
      - ChoiceExpired                 a choice button from an earlier turn
      - QuotaExceeded                 a daily limit of turns or credits is used up

Interfaces map these once: the CLI prints them and exits 1, the TUI shows a
notification, the bot replies ephemerally. Anything else is a bug and is never
swallowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


class StoryError(Exception):
    """Base of every error whose message is meant for the user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


# ------------------------------------------------------------------------------- worlds


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


class WorldConflict(StoryError):
    """Installing or forking would overwrite a world that is already there."""


class WorldInUse(StoryError):
    """Uninstalling would delete the stories being played in a world."""


# ------------------------------------------------------------------------------- library

INSTALL_SRD_HINT = "install it with `storyai srd install` (or `--from PATH` for a local copy)"


class LibraryError(StoryError):
    """The content library (the SRD) cannot answer."""


class LibraryNotInstalled(LibraryError):
    def __init__(self) -> None:
        super().__init__("The SRD is not installed.", hint=INSTALL_SRD_HINT)


class LibraryEntryNotFound(LibraryError):
    """Nothing in the library has that name or key."""


# ------------------------------------------------------------------------------- imports


class ImportRefused(StoryError):
    """The input cannot be imported: wrong format, corrupt, unsafe or too large.

    The message names the file and says why; nothing has been written.
    """


class SourceLocked(ImportRefused):
    """Another program (a running Foundry) holds the data open."""


# ------------------------------------------------------------------------------ settings


class SettingsError(StoryError):
    """A setting is wrong: the message names the file or variable and the key."""


class PriceConfigError(SettingsError):
    """A ``[prices."model"]`` entry is wrong."""


class UsageError(StoryError):
    """What an interface was asked cannot be done as asked: arguments that do not go
    together, an invalid id, a file that cannot be read or written."""


# ----------------------------------------------------------------------------- providers


class ProviderError(StoryError):
    """A model provider could not give a usable answer. ``provider`` names it."""

    retryable = False
    retry_after: float | None = None
    """Seconds the server asked us to wait before trying again (``Retry-After``)."""

    def __init__(self, message: str, *, provider: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider


class ProviderTimeout(ProviderError):
    retryable = True


class RateLimited(ProviderError):
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, hint=hint)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """5xx, a refused connection, an overloaded server."""

    retryable = True


class StreamBroken(ProviderError):
    """The stream ended or failed before the reply was complete."""

    retryable = True


class AuthFailed(ProviderError):
    """A missing or refused key."""


class BadRequest(ProviderError):
    """The provider refused the request itself (4xx other than auth and rate limits)."""


class ContentRefused(BadRequest):
    """The provider would not draw or say this (its content policy); another provider
    may, the same one will not."""


class NoProviderAnswered(ProviderError):
    """Every provider for a task failed; carries each one's error."""

    def __init__(self, task: str, errors: list[ProviderError]) -> None:
        detail = "; ".join(_named(e) for e in errors) or "none configured"
        super().__init__(
            f"No model answered the {task} request ({detail}).",
            hint="`storyai providers check` shows which providers answer",
        )
        self.errors = errors


def _named(error: ProviderError) -> str:
    """``error``'s message starting with its provider's name, once (adapters' messages
    already start with it: "chaos: rate limited (HTTP 429)")."""
    name = error.provider or "?"
    if error.message.startswith(f"{name}: "):
        return error.message
    return f"{name}: {error.message}"


class ReplyError(StoryError):
    """A model's reply is not the structured turn we asked for (the narrator repairs or
    tells the turn in the engine's words; it never reaches a player as an error)."""


# ------------------------------------------------------------------------------- storage


class StorageError(StoryError):
    """The database cannot be reached or used."""


class DatabaseNotMigrated(StorageError):
    def __init__(self, url: str, current: str | None, head: str) -> None:
        super().__init__(
            f"The database {url} is at schema revision {current or 'none'}, "
            f"but this version of storyai needs {head}.",
            hint="Run `storyai db upgrade` to bring it up to date.",
        )


class HistoryBroken(StorageError):
    """A story's stored history does not hold together (a missing event, a row no
    release wrote): a fault of the storage, never of what a player did."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"This story's stored history is damaged: {detail}",
            hint="restore the database from a backup, or rewind to an earlier turn",
        )
        self.detail = detail


# --------------------------------------------------------------------------------- rules


class RuleError(StoryError):
    """The rules refuse an action; the message says why, in the player's words."""


class DiceError(RuleError):
    """Dice notation that cannot be read, or asks for more dice than we roll."""


class InvalidChange(RuleError):
    """A change that the rules or the world do not allow (it changes nothing)."""


# ---------------------------------------------------------------------------------- play


class PlayError(StoryError):
    """The story refuses what a player asked; nothing was changed."""


class SessionNotFound(PlayError):
    def __init__(
        self, session_id: str, *, message: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(
            message or f"No session has the id '{session_id}'.",
            hint=hint or "`storyai session list` shows your sessions.",
        )
        self.session_id = session_id


class NoStoryHere(PlayError):
    def __init__(self) -> None:
        super().__init__("No story is being told here.", hint="start one with /story start")


class ChannelBusy(PlayError):
    def __init__(self) -> None:
        super().__init__(
            "A story is already being told here.",
            hint="/story status shows it; /story join takes a seat; the host can /story end it",
        )


class StoryEnded(PlayError):
    def __init__(self, hint: str = "the host can rewind it, or start a new one") -> None:
        super().__init__("This story has ended.", hint=hint)


class NothingTyped(PlayError):
    def __init__(self) -> None:
        super().__init__(
            "Type something to do, or pick a numbered choice.",
            hint="`help` lists what you can do",
        )


class NotSeated(PlayError):
    """This user has no character in the story (or left the table)."""


class NotYourTurn(PlayError):
    """Turn mode: someone else is to act."""


class HostOnly(PlayError):
    """Only the story's host may do this."""


class NameTaken(PlayError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Someone called {name} is already playing.", hint="pick another name")


class UnknownArchetype(PlayError):
    def __init__(self, archetype: str, known: list[str]) -> None:
        super().__init__(
            f"This world has no archetype '{archetype}'.",
            hint="choose one of: " + ", ".join(known),
        )


class UnknownBackground(PlayError):
    """A background table or option the world does not have, picked at creation."""


class BranchError(PlayError):
    """No such branch or turn, or a branch name that is taken or empty."""


class TurnConflict(PlayError):
    """The story moved on (a rewind, another teller) while this turn was being told."""


class ChoiceExpired(PlayError):
    def __init__(self) -> None:
        super().__init__(
            "That choice has expired: the story has moved on.",
            hint="pick from the newest choices, or type what you do with /act",
        )


class QuotaExceeded(PlayError):
    """A daily limit refuses the turn. The message is ready to show the player."""

    def __init__(
        self, *, scope: str, kind: str, limit: int, resets_at: datetime, now: datetime
    ) -> None:
        super().__init__(_exhausted(scope, kind, limit, resets_at, now))
        self.scope = scope
        """"user" or "guild": whose limit it is."""
        self.kind = kind
        """"turns" or "credits"."""
        self.limit = limit
        self.resets_at = resets_at


def _exhausted(scope: str, kind: str, limit: int, resets_at: datetime, now: datetime) -> str:
    who, whose = ("You have", "your") if scope == "user" else ("This server has", "its")
    if limit == 0:
        subject = "you" if scope == "user" else "this server"
        return f"No {kind} are allowed for {subject}: the daily limit is 0."
    amount = f"{limit} {kind if limit != 1 else kind[:-1]}"
    return (
        f"{who} used {whose} {amount} for today; they refresh at "
        f"{resets_at:%H:%M} UTC (in {until(now, resets_at)})."
    )


def until(now: datetime, then: datetime) -> str:
    """``"3 h 12 min"``: the time from ``now`` to ``then``, minutes rounded up."""
    minutes = max(0, math.ceil((then - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    if hours:
        return f"{hours} h"
    return f"{minutes} min"


# ---------------------------------------------------------------------------- companion


class ToolRefused(PlayError):
    """A companion or MCP tool the caller may not use, or data that is not theirs."""


class VoiceChannelError(StoryError):
    """The GM could not join, speak in, or stay in a voice channel (never blocks a turn)."""
