"""The limits module on its own: Discord's limits, error shapes, mentions, rate limits."""

from __future__ import annotations

import pytest
from fakes.discord import limits as L


def errors_of(payload: dict, **kwargs) -> list[str]:
    body = L.validate_message(payload, **kwargs)
    assert body is not None, "expected Discord to reject this payload"
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    return L.flatten_errors(body["errors"])


def button(custom_id: str, label: str = "Go") -> dict:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def row(*components: dict) -> dict:
    return {"type": 1, "components": list(components)}


def test_content_is_limited_to_2000_characters() -> None:
    assert L.validate_message({"content": "x" * 2000}) is None
    assert errors_of({"content": "x" * 2001}) == ["content: Must be 2000 or fewer in length."]


def test_errors_nest_like_discord_under_a_prefix() -> None:
    body = L.validate_message({"embeds": [{"description": "x" * 4097}]}, prefix=("data",))

    assert body == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "data": {
                "embeds": {
                    "0": {
                        "description": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 4096 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            }
        },
    }


@pytest.mark.parametrize(
    ("embed", "expected"),
    [
        ({"title": "t" * 257}, "embeds.0.title: Must be 256 or fewer in length."),
        (
            {"footer": {"text": "f" * 2049}},
            "embeds.0.footer.text: Must be 2048 or fewer in length.",
        ),
        ({"author": {"name": "a" * 257}}, "embeds.0.author.name: Must be 256 or fewer in length."),
        (
            {"fields": [{"name": "n", "value": "v"}] * 26},
            "embeds.0.fields: Must be 25 or fewer in length.",
        ),
        (
            {"fields": [{"name": "n", "value": "v" * 1025}]},
            "embeds.0.fields.0.value: Must be 1024 or fewer in length.",
        ),
        (
            {"fields": [{"name": "", "value": "v"}]},
            "embeds.0.fields.0.name: This field is required",
        ),
    ],
)
def test_embed_part_limits(embed: dict, expected: str) -> None:
    assert errors_of({"embeds": [embed]}) == [expected]


def test_all_embeds_together_stay_under_6000_characters() -> None:
    legal_alone = {"description": "x" * 4000}
    assert L.validate_message({"embeds": [legal_alone]}) is None

    assert errors_of({"embeds": [legal_alone, legal_alone]}) == [
        "embeds: Embed size exceeds maximum size of 6000"
    ]
    assert errors_of({"embeds": [{"title": "t"}] * 11}) == [
        "embeds: Must be 10 or fewer in length."
    ]


def test_an_empty_message_is_50006_but_components_alone_are_not_empty() -> None:
    assert L.validate_message({"content": ""}) == {
        "code": 50006,
        "message": "Cannot send an empty message",
    }
    assert L.validate_message({"components": [row(button("a"))]}) is None
    assert L.validate_message({"content": ""}, require_body=False) is None  # partial edit


def test_component_limits() -> None:
    six_rows = [row(button(f"b{i}")) for i in range(6)]
    assert errors_of({"components": six_rows}) == ["components: Must be 5 or fewer in length."]

    wide = row(*(button(f"b{i}") for i in range(6)))
    assert errors_of({"components": [wide]}) == [
        "components.0.components: The specified component exceeds the maximum width"
    ]
    assert errors_of({"components": [row(button("x" * 101))]}) == [
        "components.0.components.0.custom_id: Must be between 1 and 100 in length."
    ]
    assert errors_of({"components": [row(button("join", label="L" * 81))]}) == [
        "components.0.components.0.label: Must be 80 or fewer in length."
    ]
    assert errors_of({"components": [row(button("join")), row(button("join"))]}) == [
        "components.1.components.0.custom_id: Component custom id cannot be duplicated"
    ]
    options = [{"label": str(i), "value": str(i)} for i in range(26)]
    select = {"type": 3, "custom_id": "pick", "options": options}
    assert errors_of({"components": [row(select)]}) == [
        "components.0.components.0.options: Must be 25 or fewer in length."
    ]
    select_and_button = row({**select, "options": options[:3]}, button("go"))
    assert "exceeds the maximum width" in errors_of({"components": [select_and_button]})[0]


def test_thread_names_and_archive_durations() -> None:
    assert L.validate_thread({"name": "n" * 100, "auto_archive_duration": 1440}) is None
    body = L.validate_thread({"name": "n" * 101})
    assert L.flatten_errors(body["errors"]) == ["name: Must be 100 or fewer in length."]
    body = L.validate_thread({"name": "ok", "auto_archive_duration": 30})
    assert body is not None and "auto_archive_duration" in body["errors"]


def test_command_validation_catches_names_and_option_order() -> None:
    good = {"name": "roll", "description": "Roll", "options": []}
    assert L.validate_commands([good]) is None

    body = L.validate_commands(
        [
            {**good, "name": "Roll"},
            {
                "name": "start",
                "description": "Start",
                "options": [
                    {"name": "turns", "description": "n", "type": 4},
                    {"name": "world", "description": "w", "type": 3, "required": True},
                ],
            },
        ]
    )
    messages = L.flatten_errors(body["errors"])
    assert messages == [
        "0.name: Command name is invalid: 'Roll'",
        "1.options.1.required: Required options must be placed before non-required options",
    ]


def test_pings_follow_allowed_mentions() -> None:
    text = "<@11> and <@!12>, <@&99>: @everyone look"

    default = L.compute_pings(text, None)
    assert default == L.Pings(frozenset({11, 12}), frozenset({99}), True)

    assert not L.compute_pings(text, {"parse": []})
    only_11 = L.compute_pings(text, {"parse": [], "users": ["11"]})
    assert only_11.users == {11} and not only_11.roles and not only_11.everyone
    assert L.compute_pings("hi", {"parse": [], "replied_user": True}, replied_user=5).users == {5}
    assert not L.compute_pings("hi", {"parse": []}, replied_user=5)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_route_bucket_counts_down_then_429s_until_the_window_resets() -> None:
    clock = Clock()
    limiter = L.RateLimiter(buckets={"channel_messages": (5, 5.0)}, clock=clock)

    remaining = []
    for _ in range(5):
        decision = limiter.hit("channel_messages", "chan1")
        assert decision.allowed
        remaining.append(decision.headers["X-RateLimit-Remaining"])
    assert remaining == ["4", "3", "2", "1", "0"]
    assert decision.headers["X-RateLimit-Limit"] == "5"
    assert decision.headers["X-RateLimit-Reset-After"] == "5.000"
    assert decision.headers["X-RateLimit-Bucket"]

    clock.now += 2.0
    limited = limiter.hit("channel_messages", "chan1")
    assert not limited.allowed and limited.retry_after == 3.0
    assert limited.body() == {
        "message": "You are being rate limited.",
        "retry_after": 3.0,
        "global": False,
        "code": 0,
    }
    assert limited.headers["X-RateLimit-Scope"] == "user" and limited.headers["Via"]
    assert limiter.hit("channel_messages", "chan2").allowed  # another channel, another bucket

    clock.now += 3.0
    assert limiter.hit("channel_messages", "chan1").headers["X-RateLimit-Remaining"] == "4"


def test_global_limit_spares_interaction_endpoints() -> None:
    clock = Clock()
    limiter = L.RateLimiter(global_limit=(3, 1.0), clock=clock)
    for i in range(3):
        assert limiter.hit("default", str(i)).allowed

    blocked = limiter.hit("default", "other")
    assert not blocked.allowed and blocked.is_global
    assert blocked.headers["X-RateLimit-Global"] == "true"
    assert blocked.body()["global"] is True
    assert limiter.hit(None, "interaction", exempt_global=True).allowed

    clock.now += 1.0
    assert limiter.hit("default", "other").allowed
