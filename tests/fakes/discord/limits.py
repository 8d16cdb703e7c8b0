"""Discord's documented limits, Discord-shaped errors and a rate limiter, for ``FakeDiscord``.

Everything here is plain data and functions: no aiohttp, no discord.py. Sources are
listed in ``DISCORD_TESTING.md`` (shared docs) §6 (discord-api-docs ``message.mdx``,
``components/reference.mdx``, ``rate-limits.mdx``, ``channel.mdx``).

``validate_message(payload)`` returns ``None`` or the JSON body real Discord answers
with (``{"code": 50035, "message": "Invalid Form Body", "errors": {...}}``, or 50006
for an empty message), so discord.py raises the same ``HTTPException`` it would raise
in production (``In embeds.0.description: Must be 4096 or fewer in length.``).

``RateLimiter`` hands out ``X-RateLimit-*`` headers and decides 429s: a global limit
(50 requests per second, interaction endpoints exempt) and per-route buckets
(``channel_messages`` 5 per 5 s per channel, ``message_edits`` 5 per 5 s per channel,
every other route a generous ``default`` bucket). Windows are injectable so tests can
use 5 per 0.3 s.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# --- messages ---------------------------------------------------------------------------------
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000

# --- components -------------------------------------------------------------------------------
ACTION_ROWS_MAX = 5
ROW_WIDTH_MAX = 5
COMPONENTS_V2_TOTAL_MAX = 40
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150

# --- threads, commands, interactions ----------------------------------------------------------
THREAD_NAME_MAX = 100
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
AUTOCOMPLETE_CHOICES_MAX = 25
ACK_WINDOW = 3.0  # seconds to send the initial interaction response
TOKEN_TTL = 15 * 60.0  # seconds an interaction token stays valid for followups

# --- message flags ----------------------------------------------------------------------------
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15

# --- JSON error codes -------------------------------------------------------------------------
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
CANNOT_EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035
ALREADY_ACKNOWLEDGED = 40060
THREAD_ARCHIVED = 50083
THREAD_ALREADY_CREATED = 160004

ERROR_MESSAGES = {
    UNKNOWN_CHANNEL: "Unknown Channel",
    UNKNOWN_MESSAGE: "Unknown Message",
    UNKNOWN_WEBHOOK: "Unknown Webhook",
    UNKNOWN_INTERACTION: "Unknown interaction",
    CANNOT_EDIT_OTHERS_MESSAGE: "Cannot edit a message authored by another user",
    EMPTY_MESSAGE: "Cannot send an empty message",
    INVALID_WEBHOOK_TOKEN: "Invalid Webhook Token",
    INVALID_FORM_BODY: "Invalid Form Body",
    ALREADY_ACKNOWLEDGED: "Interaction has already been acknowledged.",
    THREAD_ARCHIVED: "Thread is archived",
    THREAD_ALREADY_CREATED: "A thread has already been created for this message",
}


def discord_error(code: int, message: str | None = None, errors: dict | None = None) -> dict:
    """The JSON body Discord sends with a 4xx: ``{"code", "message"[, "errors"]}``."""
    body: dict[str, Any] = {"code": code, "message": message or ERROR_MESSAGES.get(code, "Error")}
    if errors:
        body["errors"] = errors
    return body


class FormErrors:
    """Collects field errors into Discord's nested ``{"a": {"0": {"b": {"_errors": []}}}}``."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Iterable[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: Iterable[str | int], limit: int) -> None:
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Iterable[str | int]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def __bool__(self) -> bool:
        return bool(self.tree)

    def body(self) -> dict:
        return discord_error(INVALID_FORM_BODY, errors=self.tree)


def flatten_errors(errors: dict, prefix: str = "") -> list[str]:
    """``["embeds.0.description: Must be 4096 or fewer in length.", ...]`` (for messages)."""
    out: list[str] = []
    for key, value in errors.items():
        if key == "_errors":
            out.extend(f"{prefix or '<body>'}: {e['message']}" for e in value)
        elif isinstance(value, dict):
            out.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else key))
    return out


# --- message validation -----------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embed_size(embed: dict) -> int:
    """Characters Discord counts towards the 6000 total: title, description, field names
    and values, footer text and author name."""
    size = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    for field in embed.get("fields") or []:
        size += len(_text(field.get("name"))) + len(_text(field.get("value")))
    size += len(_text((embed.get("footer") or {}).get("text")))
    size += len(_text((embed.get("author") or {}).get("name")))
    return size


def _check_embeds(embeds: list, errors: FormErrors, prefix: list) -> None:
    if len(embeds) > EMBEDS_MAX:
        errors.too_long([*prefix, "embeds"], EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        path = [*prefix, "embeds", i]
        if len(_text(embed.get("title"))) > EMBED_TITLE_MAX:
            errors.too_long([*path, "title"], EMBED_TITLE_MAX)
        if len(_text(embed.get("description"))) > EMBED_DESCRIPTION_MAX:
            errors.too_long([*path, "description"], EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.too_long([*path, "fields"], EMBED_FIELDS_MAX)
        for j, field in enumerate(fields):
            for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
                text = _text(field.get(key))
                if not text:
                    errors.required([*path, "fields", j, key])
                elif len(text) > limit:
                    errors.too_long([*path, "fields", j, key], limit)
        footer = _text((embed.get("footer") or {}).get("text"))
        if len(footer) > EMBED_FOOTER_MAX:
            errors.too_long([*path, "footer", "text"], EMBED_FOOTER_MAX)
        author = _text((embed.get("author") or {}).get("name"))
        if len(author) > EMBED_AUTHOR_MAX:
            errors.too_long([*path, "author", "name"], EMBED_AUTHOR_MAX)
        total += embed_size(embed)
    if total > EMBED_TOTAL_MAX:
        errors.add(
            [*prefix, "embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )


def walk_components(components: list) -> Iterable[dict]:
    """Every component, depth first (rows, containers, sections and their children)."""
    for component in components or []:
        yield component
        yield from walk_components(component.get("components") or [])
        accessory = component.get("accessory")
        if accessory:
            yield accessory


def _check_component(comp: dict, path: list, errors: FormErrors, seen: set[str]) -> None:
    ctype = comp.get("type")
    custom_id = comp.get("custom_id")
    if custom_id is not None:
        if not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
            errors.add(
                [*path, "custom_id"],
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {CUSTOM_ID_MAX} in length.",
            )
        elif custom_id in seen:
            errors.add(
                [*path, "custom_id"],
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)
    if ctype == 2:  # button
        label = comp.get("label")
        if label is not None and len(label) > BUTTON_LABEL_MAX:
            errors.too_long([*path, "label"], BUTTON_LABEL_MAX)
        if comp.get("style") == 5:
            if not comp.get("url"):
                errors.required([*path, "url"])
        elif comp.get("style") != 6 and not custom_id:
            errors.required([*path, "custom_id"])
    elif ctype in (3, 5, 6, 7, 8):  # selects
        if not custom_id:
            errors.required([*path, "custom_id"])
        if len(_text(comp.get("placeholder"))) > SELECT_PLACEHOLDER_MAX:
            errors.too_long([*path, "placeholder"], SELECT_PLACEHOLDER_MAX)
        if ctype == 3:
            options = comp.get("options") or []
            if not options:
                errors.add(
                    [*path, "options"],
                    "BASE_TYPE_BAD_LENGTH",
                    f"Must be between 1 and {SELECT_OPTIONS_MAX} in length.",
                )
            elif len(options) > SELECT_OPTIONS_MAX:
                errors.too_long([*path, "options"], SELECT_OPTIONS_MAX)
            for k, option in enumerate(options):
                for key in ("label", "value", "description"):
                    if len(_text(option.get(key))) > SELECT_OPTION_TEXT_MAX:
                        errors.too_long([*path, "options", k, key], SELECT_OPTION_TEXT_MAX)
    for i, child in enumerate(comp.get("components") or []):
        _check_component(child, [*path, "components", i], errors, seen)
    if comp.get("accessory"):
        _check_component(comp["accessory"], [*path, "accessory"], errors, seen)


def _check_components(components: list, flags: int, errors: FormErrors, prefix: list) -> None:
    seen: set[str] = set()
    if flags & FLAG_COMPONENTS_V2:
        if sum(1 for _ in walk_components(components)) > COMPONENTS_V2_TOTAL_MAX:
            errors.too_long([*prefix, "components"], COMPONENTS_V2_TOTAL_MAX)
    else:
        if len(components) > ACTION_ROWS_MAX:
            errors.too_long([*prefix, "components"], ACTION_ROWS_MAX)
        for i, row in enumerate(components):
            path = [*prefix, "components", i]
            if row.get("type") != 1:
                errors.add(
                    [*path, "type"],
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of (1,).',
                )
                continue
            children = row.get("components") or []
            width = sum(ROW_WIDTH_MAX if c.get("type") in (3, 5, 6, 7, 8) else 1 for c in children)
            if not children or width > ROW_WIDTH_MAX:
                errors.add(
                    [*path, "components"],
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
    for i, comp in enumerate(components):
        _check_component(comp, [*prefix, "components", i], errors, seen)


def _check_allowed_mentions(am: Any, errors: FormErrors, prefix: list) -> None:
    if not isinstance(am, dict):
        return
    parse = am.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and am.get(kind):
            errors.add(
                [*prefix, "allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def is_empty(message: dict) -> bool:
    """No content, embeds, components, attachments, stickers or poll."""
    return not any(
        message.get(key)
        for key in ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
    )


def validate_message(
    payload: dict, *, prefix: Iterable[str] = (), require_body: bool = True
) -> dict | None:
    """``None`` when Discord would accept ``payload``; else the JSON error body to send.

    ``prefix`` nests the error paths (``("data",)`` for interaction callbacks).
    ``require_body=False`` for partial edits, whose emptiness the caller checks on the
    merged result with :func:`is_empty`.
    """
    prefix = list(prefix)
    errors = FormErrors()
    content = payload.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        errors.too_long([*prefix, "content"], CONTENT_MAX)
    _check_embeds(payload.get("embeds") or [], errors, prefix)
    flags = int(payload.get("flags") or 0)
    _check_components(payload.get("components") or [], flags, errors, prefix)
    _check_allowed_mentions(payload.get("allowed_mentions"), errors, prefix)
    if errors:
        return errors.body()
    if require_body and is_empty(payload):
        return discord_error(EMPTY_MESSAGE)
    return None


def validate_thread(payload: dict) -> dict | None:
    errors = FormErrors()
    name = payload.get("name")
    if not isinstance(name, str) or not name:
        errors.required(["name"])
    elif len(name) > THREAD_NAME_MAX:
        errors.too_long(["name"], THREAD_NAME_MAX)
    duration = payload.get("auto_archive_duration")
    if duration is not None and duration not in THREAD_ARCHIVE_DURATIONS:
        errors.add(
            ["auto_archive_duration"],
            "BASE_TYPE_CHOICES",
            f"Value must be one of {THREAD_ARCHIVE_DURATIONS}.",
        )
    return errors.body() if errors else None


def validate_autocomplete_choices(choices: Any) -> dict | None:
    errors = FormErrors()
    if not isinstance(choices, list):
        errors.required(["data", "choices"])
        return errors.body()
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        errors.too_long(["data", "choices"], AUTOCOMPLETE_CHOICES_MAX)
    for i, choice in enumerate(choices):
        name = _text(choice.get("name"))
        if not 1 <= len(name) <= 100:
            errors.add(
                ["data", "choices", i, "name"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            errors.too_long(["data", "choices", i, "value"], 100)
    return errors.body() if errors else None


def validate_commands(commands: Any) -> dict | None:
    """Checks for a bulk overwrite (``PUT .../commands``): names, descriptions, option
    counts, required options before optional ones, choices."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return errors.body()
    names: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        ctype = command.get("type", 1)
        key = (ctype, command.get("name", ""))
        if key in names:
            errors.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        names.add(key)
        _check_command(command, [i], errors, chat_input=ctype == 1)
    return errors.body() if errors else None


def _check_command(command: dict, path: list, errors: FormErrors, *, chat_input: bool) -> None:
    name = _text(command.get("name"))
    if chat_input and (not COMMAND_NAME_RE.match(name) or name != name.lower()):
        errors.add(
            [*path, "name"],
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r}",
        )
    if chat_input:
        description = _text(command.get("description"))
        if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
            errors.add(
                [*path, "description"],
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {COMMAND_DESCRIPTION_MAX} in length.",
            )
    options = command.get("options") or []
    if len(options) > COMMAND_OPTIONS_MAX:
        errors.too_long([*path, "options"], COMMAND_OPTIONS_MAX)
    seen_optional = False
    for j, option in enumerate(options):
        opath = [*path, "options", j]
        if option.get("type") in (1, 2):
            _check_command(option, opath, errors, chat_input=True)
            continue
        _check_command({**option, "options": []}, opath, errors, chat_input=True)
        if option.get("required"):
            if seen_optional:
                errors.add(
                    [*opath, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        if len(option.get("choices") or []) > COMMAND_CHOICES_MAX:
            errors.too_long([*opath, "choices"], COMMAND_CHOICES_MAX)


# --- mentions ---------------------------------------------------------------------------------

USER_MENTION_RE = re.compile(r"<@!?(\d+)>")
ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")
EVERYONE_RE = re.compile(r"@(everyone|here)\b")


@dataclass(frozen=True)
class Pings:
    """Who a new message notifies, given its content and ``allowed_mentions``.

    ``@everyone`` counts when allowed, whatever the sender's permissions (conservative).
    """

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone)


def compute_pings(
    content: str | None, allowed_mentions: dict | None, replied_user: int | None = None
) -> Pings:
    content = content or ""
    users = {int(u) for u in USER_MENTION_RE.findall(content)}
    roles = {int(r) for r in ROLE_MENTION_RE.findall(content)}
    everyone = bool(EVERYONE_RE.search(content))
    if allowed_mentions is None:
        if replied_user is not None:
            users.add(replied_user)
        return Pings(frozenset(users), frozenset(roles), everyone)
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    pinged_users = users if "users" in parse else users & allowed_users
    if replied_user is not None and allowed_mentions.get("replied_user"):
        pinged_users = pinged_users | {replied_user}
    pinged_roles = roles if "roles" in parse else roles & allowed_roles
    return Pings(frozenset(pinged_users), frozenset(pinged_roles), everyone and "everyone" in parse)


# --- rate limits ------------------------------------------------------------------------------

DEFAULT_BUCKETS: dict[str, tuple[int, float]] = {
    "channel_messages": (5, 5.0),
    "message_edits": (5, 5.0),
    "reactions": (1, 0.25),
    "default": (50, 1.0),
}
GLOBAL_LIMIT = (50, 1.0)
RATE_LIMITED_MESSAGE = "You are being rate limited."


@dataclass
class RateDecision:
    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    scope: str | None = None  # "user", "global" or "shared" when rate limited

    @property
    def is_global(self) -> bool:
        return self.scope == "global"

    def body(self) -> dict:
        return rate_limited_body(self.retry_after, is_global=self.is_global)


def rate_limited_body(retry_after: float, *, is_global: bool = False) -> dict:
    return {
        "message": RATE_LIMITED_MESSAGE,
        "retry_after": round(retry_after, 3),
        "global": is_global,
        "code": 0,
    }


def rate_limited_headers(retry_after: float, scope: str) -> dict[str, str]:
    """Headers of a 429. ``Via`` matters: without it discord.py assumes a Cloudflare ban
    and raises instead of retrying."""
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": scope,
        "Via": "1.1 google",
    }
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
    return headers


def _round_up(value: float) -> float:
    return math.ceil(max(value, 0.0) * 1000) / 1000


@dataclass
class _Window:
    limit: int
    window: float
    reset_at: float = 0.0
    count: int = 0

    def roll(self, now: float, tolerance: float) -> None:
        if now >= self.reset_at - tolerance:
            self.count = 0
            self.reset_at = now + self.window


class RateLimiter:
    """Fixed-window buckets keyed by (bucket name, major parameter), plus a global window.

    ``buckets`` overrides ``DEFAULT_BUCKETS`` (``{"channel_messages": (5, 0.3)}``);
    ``global_limit`` is ``(requests, seconds)``. ``clock`` is ``time.monotonic`` (the
    clock asyncio sleeps on); ``tolerance`` forgives a window ending a few ms early.
    """

    def __init__(
        self,
        *,
        buckets: dict[str, tuple[int, float]] | None = None,
        global_limit: tuple[int, float] = GLOBAL_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        tolerance: float = 0.002,
    ) -> None:
        self.config = {**DEFAULT_BUCKETS, **(buckets or {})}
        self.global_limit = global_limit
        self.clock = clock
        self.tolerance = tolerance
        self._windows: dict[tuple[str, str], _Window] = {}  # (bucket[:route], major)
        self._global = _Window(*global_limit)

    @staticmethod
    def bucket_hash(bucket: str) -> str:
        return hashlib.sha1(bucket.encode()).hexdigest()[:16]

    def hit(
        self,
        bucket: str | None,
        major: str = "",
        *,
        route: str | None = None,
        exempt_global: bool = False,
    ) -> RateDecision:
        """Count one request against the global window and the bucket ``(bucket, route, major)``.

        ``bucket`` names the limits in ``config`` (unknown names use ``default``);
        ``route`` separates routes that share a config entry (each route template has its
        own bucket on Discord); ``bucket=None`` means no per-route bucket and no headers.
        """
        now = self.clock()
        if not exempt_global:
            self._global.roll(now, self.tolerance)
            if self._global.count >= self._global.limit:
                retry = _round_up(self._global.reset_at - now)
                return RateDecision(False, rate_limited_headers(retry, "global"), retry, "global")
            self._global.count += 1
        if bucket is None:
            return RateDecision(True, {})
        limit, window = self.config.get(bucket, self.config["default"])
        name = f"{bucket}:{route}" if route else bucket
        state = self._windows.setdefault((name, major), _Window(limit, window))
        state.roll(now, self.tolerance)
        reset_after = _round_up(state.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash(name),
        }
        if state.count >= limit:
            headers["X-RateLimit-Remaining"] = "0"
            headers.update(rate_limited_headers(reset_after, "user"))
            return RateDecision(False, headers, reset_after, "user")
        state.count += 1
        headers["X-RateLimit-Remaining"] = str(limit - state.count)
        return RateDecision(True, headers)
