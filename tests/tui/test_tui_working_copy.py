"""`storyai play ./my_world`: the story starts on the folder's working copy, while the
world's id alone keeps playing its release."""

from __future__ import annotations

import yaml
from tui_helpers import settle, type_text

from storyai.core import services
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds.scaffold import scaffold_text
from storyai.core.worlds.validate import validate_data
from storyai.tui.screens.play import PlayScreen
from storyai.tui.widgets.log import NarrativeLog

RELEASE = scaffold_text("harbour", "Harbour", "harbour")
EDITED = RELEASE.replace("Fishing boats", "Painted boats")


async def _install(uow: UnitOfWorkFactory) -> str:
    """The release, then a working copy of the edited folder; the working copy's version."""
    await services.install_world(uow, validate_data(yaml.safe_load(RELEASE), "harbour"))
    copy = await services.install_working_copy(
        uow, validate_data(yaml.safe_load(EDITED), "harbour"), folder="/worlds/harbour"
    )
    return copy.record.version


async def _opening(app) -> str:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Ada")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PlayScreen)
        return " ".join(app.screen.query_one(NarrativeLog).entries_text())


async def test_a_folder_plays_its_working_copy_and_the_id_its_release(make_app, memory_uow) -> None:
    version = await _install(memory_uow)
    assert version == "0.1.0+dev.1"
    told = await _opening(make_app(memory_uow, world_id="harbour", world_version=version))
    assert "Painted boats" in told and "Fishing boats" not in told
    told = await _opening(make_app(memory_uow, world_id="harbour"))
    assert "Fishing boats" in told and "Painted boats" not in told
