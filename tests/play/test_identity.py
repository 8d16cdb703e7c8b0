"""A player character's identity and background, as a player meets them: typed or
rolled at creation, on the sheet, in the GM's stable prompt, and opening what the world
hinges on a background (a quest only for an orphan, a reeve who knew your mother)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storyai.core import services
from storyai.core.domain.errors import UnknownBackground, UsageError
from storyai.core.domain.identity import IdentityRequest, build_identity, identity_request
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World
from storyai.core.memory.context import Budgets, build_prompt
from storyai.core.narrators.port import NarrationRequest
from storyai.core.play import Play
from storyai.core.play.telling import background_dice
from storyai.core.views.creation import creation_view
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world, validate_path

WORLD = load_world(bundled_world_paths()["ember_hollow"])


def test_open_tables_are_rolled_from_the_seed_and_the_same_seed_rolls_the_same():
    first = build_identity(WORLD, None, background_dice(7, 0))
    assert first == build_identity(WORLD, None, background_dice(7, 0))
    assert set(first.background) == set(WORLD.backgrounds)
    upbringing = WORLD.backgrounds["upbringing"].option(first.background["upbringing"])
    assert upbringing is not None and first.origin == upbringing.text
    seen = {
        build_identity(WORLD, None, background_dice(seed, 0)).background["upbringing"]
        for seed in range(40)
    }
    assert seen == {o.id for o in WORLD.backgrounds["upbringing"].options}


def test_typed_fields_and_picked_options_win_over_the_dice():
    asked = IdentityRequest(
        origin="  the lower   terraces ",
        goals=("find my brother",),
        background={"kin": "mother_miner"},
    )
    made = build_identity(WORLD, asked, background_dice(3, 0))
    assert made.origin == "the lower terraces"
    assert "upbringing" not in made.background, "a typed origin is not rolled over"
    assert made.background["kin"] == "mother_miner"
    assert made.family == (WORLD.backgrounds["kin"].options[0].text,)
    assert made.goals[0] == "find my brother" and len(made.goals) == 2  # plus the drive
    nothing = build_identity(WORLD, IdentityRequest(roll=False), background_dice(3, 0))
    assert nothing.empty


def test_an_unknown_table_or_option_is_refused_with_what_exists():
    with pytest.raises(UnknownBackground, match="no option 'prince'") as caught:
        build_identity(
            WORLD, IdentityRequest(background={"upbringing": "prince"}), background_dice(1, 0)
        )
    assert "orphan" in str(caught.value.hint)
    with pytest.raises(UnknownBackground, match="no background table 'star'"):
        build_identity(WORLD, IdentityRequest(background={"star": "x"}), background_dice(1, 0))


def test_a_character_file_reads_lists_as_semicolon_text_and_refuses_unknown_fields():
    asked = identity_request({"goals": "a; b ;", "fears": ["dark"], "title": "the Bold"})
    assert asked.goals == ("a", "b") and asked.fears == ("dark",)
    with pytest.raises(UsageError, match="'haircolour'"):
        identity_request({"haircolour": "red"})
    with pytest.raises(UsageError, match="mapping"):
        identity_request(["title"])


def test_an_old_sheet_without_identity_reads_and_writes_as_before():
    sheet = Sheet(id="p", name="Ash", system="d20", hp=5, max_hp=5)
    assert "identity" not in sheet.model_dump(mode="json")
    assert Sheet.model_validate(sheet.model_dump(mode="json")) == sheet


def test_the_creation_view_offers_the_worlds_tables_and_the_fields():
    view = creation_view(WORLD)
    assert [b.id for b in view.backgrounds] == ["upbringing", "kin", "drive"]
    assert view.backgrounds[0].options[0] == (
        "orphan",
        WORLD.backgrounds["upbringing"].options[0].text,
    )
    assert ("appearance", "Appearance", False) in view.identity_fields


async def test_an_orphan_gets_the_foundling_quest_and_the_sheet_and_gm_know_them(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    asked = IdentityRequest(
        title="the Lamplighter",
        appearance="soot-dark braid",
        background={"upbringing": "orphan", "kin": "mother_miner"},
    )
    started = await play.start("ember_hollow", player_name="Mira", seed=4, identity=asked)
    told = " ".join(line.text for line in started.lines)
    assert "New quest: The Name in the Coat" in told
    view = await play.view(started.session_id)
    assert ("Title", "the Lamplighter") in view.sheet.identity
    assert ("Appearance", "soot-dark braid") in view.sheet.identity
    reply = await play.act(started.session_id, "talk to hesta about mother")
    assert "I knew her" in " ".join(line.text for line in reply.lines)

    state, world = await play.state(started.session_id)
    actor = next(iter(state.players))
    prompt = build_prompt(
        NarrationRequest(
            world=world,
            state=state,
            actor=actor,
            action="ask about my mother",
            facts=[],
            choices=[],
            turn=state.turn,
            seed=0,
            memory=None,
        ),
        budgets=Budgets(),
    )
    sections = {s.name: s.text for s in prompt.sections}
    assert "- Mira, sellsword. Title: the Lamplighter" in sections["world"]
    assert "foundling of the Hollow" in sections["world"]
    assert any(h.id == "deep_seam_mother" and h.status == "included" for h in prompt.lore)


async def test_without_the_background_the_quest_stays_shut_and_the_topic_unknown(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    asked = IdentityRequest(background={"upbringing": "caravan", "kin": "none"})
    started = await play.start("ember_hollow", player_name="Bryn", seed=4, identity=asked)
    assert "The Name in the Coat" not in " ".join(line.text for line in started.lines)
    state, _ = await play.state(started.session_id)
    assert state.quests.get("foundling") is None or state.quests["foundling"].status == "inactive"
    reply = await play.act(started.session_id, "talk to hesta about mother")
    assert "I knew her" not in " ".join(line.text for line in reply.lines)
    await play.act(started.session_id, "go south")
    await play.act(started.session_id, "talk to wren about foundling")
    state, world = await play.state(started.session_id)
    actor = next(iter(state.players))
    prompt = build_prompt(
        NarrationRequest(
            world=world,
            state=state,
            actor=actor,
            action="ask about my mother",
            facts=[],
            choices=[],
            turn=state.turn,
            seed=0,
            memory=None,
        ),
        budgets=Budgets(),
    )
    assert all(h.status != "included" for h in prompt.lore if h.id == "deep_seam_mother")


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "ember"
    shutil.copytree(bundled_world_paths()["ember_hollow"], target)
    return target


def test_the_validator_names_an_unknown_background_table_or_option_where_it_is(tmp_path):
    world = _copy(tmp_path)
    quests = world / "quests.yaml"
    text = quests.read_text(encoding="utf-8")
    quests.write_text(text.replace("{upbringing: orphan}", "{upbringing: orphn}"), "utf-8")
    lore = world / "lore.yaml"
    lore.write_text(
        lore.read_text(encoding="utf-8").replace("{kin: mother_miner}", "{kinn: mother_miner}"),
        "utf-8",
    )
    report = validate_path(world)
    messages = {p.message: p for p in report.errors}
    option = messages["background table 'upbringing' has no option 'orphn'"]
    assert option.file.endswith("quests.yaml") and "orphan" in (option.hint or "")
    table = messages["unknown background table 'kinn'"]
    assert table.file.endswith("lore.yaml") and "'kin'" in (table.hint or "")


def test_storyai_run_takes_a_character_file_and_flags_over_it(cli, tmp_path):
    hero = tmp_path / "hero.yaml"
    hero.write_text(
        "name: Mira\ntitle: the Bold\ngoals: find my brother; pay the debt\n"
        "background: {upbringing: orphan}\n",
        encoding="utf-8",
    )
    moves = tmp_path / "moves.txt"
    moves.write_text("sheet\n", encoding="utf-8")
    out = cli(
        "run",
        "ember_hollow",
        "--script",
        str(moves),
        "--character",
        str(hero),
        "--title",
        "the Lamplighter",
        "--background",
        "kin=mother_miner",
    ).output
    assert "Mira — level 1 Sellsword" in out
    assert "Title: the Lamplighter" in out and "Goals: find my brother; pay the debt" in out
    assert "New quest: The Name in the Coat" in out
    assert "Family: a mother who worked" in out
    bad = cli("run", "ember_hollow", "--script", str(moves), "--background", "kin=prince", code=1)
    assert "Kin has no option 'prince'" in bad.output and "mother_miner" in bad.output
    bad = cli("run", "ember_hollow", "--script", str(moves), "--background", "kin", code=None)
    assert bad.exit_code != 0 and "TABLE=OPTION" in bad.output


def test_a_world_using_none_of_the_avatar_sections_keeps_its_canonical_form():
    data = WORLD.canonical()
    for key in ("backgrounds", "powers", "combos", "achievements", "legacy"):
        data.pop(key, None)
    for arch in data["archetypes"].values():
        arch.pop("powers", None)
        arch.pop("power_points", None)
    for item in data["items"].values():
        item.pop("heirloom", None)
    for test in data["playtests"]:
        test.pop("background", None)
        test.pop("picks", None)
    plain = World.model_validate(data)
    again = plain.canonical()
    assert again == data, "no default of a later field shows up (the content hash stays)"
