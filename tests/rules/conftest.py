"""Fixtures for the rules tests: a d20 and a percentile world, systems and sheets."""

from __future__ import annotations

import pytest
from rules_worlds import D20_SCORES, PERCENTILE_SCORES, make_world

from storyai.core.domain.sheet import Sheet, new_player_sheet, sheet_from_stat_block
from storyai.core.domain.world import World
from storyai.core.rules.d20 import D20System
from storyai.core.rules.percentile import PercentileSystem


@pytest.fixture
def d20_world() -> World:
    return make_world("d20")


@pytest.fixture
def pct_world() -> World:
    return make_world("percentile")


@pytest.fixture
def d20() -> D20System:
    return D20System()


@pytest.fixture
def pct() -> PercentileSystem:
    return PercentileSystem()


@pytest.fixture
def hero(d20_world: World) -> Sheet:
    """Fighter: STR 17, DEX 14, CON 14; longsword, chain mail, shield; AC 18, 12 HP."""
    return new_player_sheet("Aria", "fighter", d20_world, D20_SCORES)


@pytest.fixture
def goblin(d20_world: World) -> Sheet:
    return sheet_from_stat_block("goblin", d20_world.characters["goblin"], "d20")


@pytest.fixture
def investigator(pct_world: World) -> Sheet:
    return new_player_sheet("Ada", "fighter", pct_world, PERCENTILE_SCORES)


@pytest.fixture
def cultist(pct_world: World) -> Sheet:
    return sheet_from_stat_block("goblin", pct_world.characters["goblin"], "percentile")
