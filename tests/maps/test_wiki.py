"""The wiki: every link of every page resolves to a file of the site, and no GM-only
text appears without --gm (a world's wiki, a campaign's, a generated world's)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from storyai.core import services
from storyai.core.maps.files import create_world_from_map, map_yaml
from storyai.core.maps.generate import generate
from storyai.core.play import Play
from storyai.core.wiki.site import build_wiki, gm_only_texts, spoiler_texts
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLDS = {name: load_world(path) for name, path in bundled_world_paths().items()}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def walk(site: Path) -> dict[str, str]:
    """Every page reachable from index.html, following links; each link must resolve."""
    seen: dict[str, str] = {}
    todo = [site / "index.html"]
    while todo:
        page = todo.pop()
        key = page.relative_to(site).as_posix()
        if key in seen:
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        seen[key] = " ".join(" ".join(parser.text).split())
        for link in parser.links:
            assert "://" not in link and not link.startswith("/"), f"{key}: {link} is not relative"
            url, anchor = urldefrag(link)
            target = (page.parent / url).resolve()
            assert target.is_file(), f"{key} links to {link}, which is not there"
            if anchor:
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{key}: {link}"
            assert site.resolve() in target.parents, f"{key}: {link} leaves the site"
            if target.suffix == ".html":
                todo.append(target)
    return seen


def write(pages: dict[str, str], folder: Path) -> Path:
    for path, text in pages.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    return folder


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_a_worlds_wiki_links_all_resolve_and_keeps_secrets_unless_gm(name: str, tmp_path) -> None:
    world = WORLDS[name]
    players = walk(write(build_wiki(world), tmp_path / "players"))
    gm = walk(write(build_wiki(world, gm=True), tmp_path / "gm"))
    everything = " ".join(players.values())
    secrets = [
        _flat(t) for t in (*gm_only_texts(world), *spoiler_texts(world)) if len(_flat(t)) > 12
    ]
    assert secrets, "the world has secrets to keep"
    for secret in secrets:
        assert secret[:60] not in everything, secret
    told = " ".join(gm.values())
    assert any(secret[:60] in told for secret in secrets), "--gm shows them"
    # one page per place, person, item, public lore entry and quest
    for lid in world.locations:
        assert f"places/{lid}.html" in players
    for cid in world.characters:
        assert f"people/{cid}.html" in players
    for qid in world.quests:
        assert f"quests/{qid}.html" in players
    public = {k for k, v in world.lore.items() if v.visibility == "public"}
    assert {p[5:-5] for p in players if p.startswith("lore/")} == public
    assert {p[5:-5] for p in gm if p.startswith("lore/")} == set(world.lore)
    assert any(p.endswith(".html") and p.startswith("maps/") for p in players)


def test_a_generated_dungeons_wiki_has_its_maps(tmp_path: Path) -> None:
    map_file = tmp_path / "crypt.yaml"
    map_file.write_text(map_yaml(generate("dungeon", seed=3, size=10), "t"), encoding="utf-8")
    create_world_from_map(tmp_path / "crypt", map_file)
    world = load_world(tmp_path / "crypt")
    pages = walk(write(build_wiki(world), tmp_path / "site"))
    assert (
        "maps/dungeon_map.html" in pages
        and len([p for p in pages if p.startswith("places/")]) == 10
    )
    assert (tmp_path / "site" / "maps" / "dungeon_map.svg").read_text().startswith("<svg")


async def test_a_campaigns_wiki_shows_only_what_its_players_learned(uow_factory, tmp_path) -> None:
    world = WORLDS["ember_hollow"]
    await services.install_world(uow_factory, world, source="bundled")
    play = Play(uow_factory)
    sid = (await play.start("ember_hollow", player_name="Ash", seed=4)).session_id
    for text in ("talk to hesta about mine", "go north"):
        await play.act(sid, text)
    loaded, campaign = await play.campaign(sid)
    pages = walk(write(build_wiki(loaded, campaign=campaign), tmp_path / "camp"))
    codex = await play.codex(sid)
    assert {p[7:-5] for p in pages if p.startswith("places/")} == codex.ids("place")
    assert {p[7:-5] for p in pages if p.startswith("people/")} == codex.ids("person")
    assert (
        {p[5:-5] for p in pages if p.startswith("lore/")} == codex.ids("lore") == {"ember_hollow"}
    )
    square = (tmp_path / "camp" / "places" / "village_square.html").read_text(encoding="utf-8")
    assert 'Learned on <a href="../story.html#turn-0">turn 0</a> (visited)' in square
    lore = (tmp_path / "camp" / "lore" / "ember_hollow.html").read_text(encoding="utf-8")
    assert 'href="../story.html#turn-1">turn 1</a> (learned)' in lore
    story = pages["story.html"]
    assert "Turn 1. Ash : talk to hesta about mine" in story and "Turn 2. Ash : go north" in story
    everything = " ".join(pages.values())
    assert "Deep Gallery" not in everything and "Heart Chamber" not in everything
    for secret in gm_only_texts(world):
        if len(_flat(secret)) > 12:
            assert _flat(secret)[:60] not in everything
    gm = walk(write(build_wiki(loaded, gm=True, campaign=campaign), tmp_path / "gm"))
    assert "places/deep_gallery.html" in gm
