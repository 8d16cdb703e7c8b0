"""When the companion speaks first: the player's settings (parsed, kept for every story,
never a memory), how often (every N turns), and the side tab's read model."""

from __future__ import annotations

import pytest

from storyai.core import services
from storyai.core.companion.service import RemarkLimits
from storyai.core.companion.settings import describe_remarks, parse_remarks
from storyai.core.domain.errors import StoryError, UsageError
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


def test_settings_text_reads_and_writes_back():
    assert parse_remarks("on") == RemarkLimits()
    assert not parse_remarks("off").enabled
    only = parse_remarks("low-hp=50, new-place, every=3")
    assert (only.low_hp, only.lethal, only.stalled_after, only.new_place, only.every) == (
        0.5,
        False,
        0,
        True,
        3,
    )
    for text in ("on", "off", "low-hp=50,new-place,every=3", "lethal,stalled=4"):
        assert describe_remarks(parse_remarks(text)) == text
    for bad, why in (("loud", "No remark setting 'loud'"), ("low-hp=200", "out of range")):
        with pytest.raises(UsageError, match=why):
            parse_remarks(bad)


async def test_settings_are_kept_per_player_and_silence_or_space_remarks(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    sid = (await play.start("ember_hollow", player_name="Ash", seed=1)).session_id
    await play.companion.set_remark_settings("local", "off")
    with pytest.raises(UsageError):
        await play.companion.set_remark_settings("local", "sometimes")
    assert not (await play.companion.remark_settings("local")).enabled, "bad text kept nothing"
    assert (await play.companion.remark_settings("someone-else")).enabled
    await play.act(sid, "north")
    assert await play.companion.remark(sid) is None  # a new place, but it may not speak
    panel = await play.companion.panel(sid)
    assert (panel.bond, panel.remarks_setting) == (0, "off"), "a setting is not a memory"

    await play.companion.set_remark_settings("local", "new-place,every=3")
    await play.act(sid, "south")
    assert await play.companion.remark(sid) is None  # back at the start: not new ground
    await play.act(sid, "west")
    first = await play.companion.remark(sid)
    assert first is not None and "New ground" in first.text
    await play.act(sid, "east")
    await play.act(sid, "east")
    assert await play.companion.remark(sid) is None, "one remark in three turns at most"
    panel = await play.companion.panel(sid)
    assert panel.remarks[0][1] == first.text and panel.bond == 1


async def test_the_host_can_silence_every_companion_at_the_table(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    sid = (
        await play.start_in_channel("c1", "ember_hollow", user_ref="u1", player_name="Ash", seed=1)
    ).session_id
    await play.join(sid, user_ref="u2", name="Bryn")
    with pytest.raises(StoryError):
        await play.set_table_options(sid, user_ref="u2", companion=False)  # not the host
    options = await play.set_table_options(sid, user_ref="u1", companion=False)
    assert not options.companion and (await play.table_options(sid)).actions == "all"
    await play.act(
        sid, "go north", player_id=(await play.companion.asker(sid, user_ref="u1")).player_id
    )
    assert await play.companion.remark(sid, user_ref="u1") is None
    await play.set_table_options(sid, user_ref="u1", companion=True)
    said = await play.companion.remark(sid, user_ref="u1")
    assert said is not None and said.kind == "remark"  # new ground, or the wolf, or HP


async def test_a_setting_outlives_any_number_of_memories(uow_factory):
    from datetime import UTC, datetime, timedelta

    from storyai.core.domain.companion import CompanionNote

    play = Play(uow_factory)
    await play.companion.set_remark_settings("local", "off")
    later, second = datetime.now(UTC) + timedelta(days=1), timedelta(seconds=1)
    async with uow_factory() as uow:
        for n in range(600):  # more memories than a note list holds
            await uow.companions.add(
                CompanionNote(
                    f"m{n}", "local", "Aria", "s1", 0, 0, n, "asked", f"q {n}", later + n * second
                )
            )
        await uow.commit()
    assert not (await play.companion.remark_settings("local")).enabled
