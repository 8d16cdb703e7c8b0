"""A world or a campaign as a static HTML site: one page per place, person, item, lore
entry and quest, cross-linked, with the maps (SVG) and, for a campaign, its chapters
and the story so far. Opens from a file, no server: every link is relative.

What a page shows is scoped. Without ``gm``: a world's wiki has what players may see
(public lore; no secrets, backstories, topics, quest stages or hidden ways), and a
campaign's only what its players learned (their codices). With ``gm``: everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from storyai.core.domain.world import World
from storyai.core.maps.svg import render_svg
from storyai.core.maps.view import world_map
from storyai.core.views.codex import KIND_TITLES, KINDS

SECTIONS = {
    "place": "locations",
    "person": "characters",
    "item": "items",
    "lore": "lore",
    "quest": "quests",
}
FOLDERS = {
    "place": "places",
    "person": "people",
    "item": "items",
    "lore": "lore",
    "quest": "quests",
}

CSS = """\
body{font-family:Georgia,serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
background:#f7f1e3;color:#2b2118;line-height:1.5}
a{color:#8a3b12}nav{font-size:.9rem;margin-bottom:1rem}h1{margin-bottom:.2rem}
.meta{color:#6b5a48;font-size:.9rem}.gm{border-left:4px solid #9b1c1c;padding-left:.8rem}
.gm h2::after{content:" (GM only)";color:#9b1c1c;font-size:.8rem}
img.map{max-width:100%;border:1px solid #c9b79c;background:#fff}
ul.turns li{margin-bottom:.6rem}
"""


@dataclass(frozen=True)
class Turn:
    turn: int
    who: str
    action: str
    told: str


@dataclass(frozen=True)
class Campaign:
    """A story to publish: what its players know, its chapters, its turns."""

    title: str
    known: dict[str, set[str]]  # kind -> ids the players learned (see views/codex)
    chapters: tuple[tuple[int, int, int, str], ...] = ()  # number, first, last turn, summary
    turns: tuple[Turn, ...] = ()
    here: str | None = None
    learned: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    """(kind, id) -> (turn, how): when the players first learned it (links to that turn)."""


@dataclass
class _Site:
    world: World
    gm: bool
    campaign: Campaign | None
    pages: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------ scope

    def section(self, kind: str) -> dict[str, object]:
        return dict(getattr(self.world, SECTIONS[kind]))

    def shown(self, kind: str, key: str) -> bool:
        world = self.world
        if key not in getattr(world, SECTIONS[kind]):
            return False
        if self.gm:
            return True
        if kind == "lore" and world.lore[key].visibility == "gm-only":
            return False
        if self.campaign is not None:
            return key in self.campaign.known.get(kind, set())
        return kind != "lore" or world.lore[key].visibility == "public"

    def ids(self, kind: str) -> list[str]:
        return [key for key in self.section(kind) if self.shown(kind, key)]

    def link(self, kind: str, key: str, label: str, *, depth: int = 1) -> str:
        """A link to an entry's page when it has one; its name as text when not."""
        if not self.shown(kind, key):
            return escape(label)
        up = "../" * depth
        return f'<a href="{up}{FOLDERS[kind]}/{escape(key)}.html">{escape(label)}</a>'

    # ------------------------------------------------------------ pages

    def page(self, path: str, title: str, body: str) -> None:
        depth = path.count("/")
        up = "../" * depth
        site = self.campaign.title if self.campaign else self.world.world.title
        if self.campaign is not None and depth == 1:
            kind = next((k for k, folder in FOLDERS.items() if path.startswith(folder + "/")), "")
            when = self.campaign.learned.get((kind, path.split("/")[1].removesuffix(".html")))
            if when is not None:
                turn, how = when
                body = (
                    f'<p class="meta">Learned on <a href="{up}story.html#turn-{turn}">'
                    f"turn {turn}</a> ({escape(how)})</p>\n{body}"
                )
        self.pages[path] = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)} · {escape(site)}</title>"
            f'<link rel="stylesheet" href="{up}style.css"></head><body>\n'
            f'<nav><a href="{up}index.html">{escape(site)}</a>'
            + ("" if not self.gm else " · <strong>GM edition: contains secrets</strong>")
            + f"</nav>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
        )

    def build(self) -> dict[str, str]:
        self.pages["style.css"] = CSS
        self.index()
        for key in self.ids("place"):
            self.place(key)
        for key in self.ids("person"):
            self.person(key)
        for key in self.ids("item"):
            self.item(key)
        for key in self.ids("lore"):
            self.lore(key)
        for key in self.ids("quest"):
            self.quest(key)
        self.maps()
        if self.campaign is not None:
            self.story()
        return self.pages

    def index(self) -> None:
        w = self.world
        parts = [f"<p>{_para(w.world.description)}</p>" if w.world.description else ""]
        if self.campaign is not None:
            parts.append(
                '<p class="meta">A campaign in '
                f"{escape(w.world.title)}: "
                '<a href="story.html">chapters and the story so far</a></p>'
            )
        parts.append('<p><a href="maps/index.html">Maps</a></p>')
        for kind in KINDS:
            keys = self.ids(kind)
            if not keys:
                continue
            items = "".join(
                f"<li>{self.link(kind, k, _name(w, kind, k), depth=0)}</li>"
                for k in sorted(keys, key=lambda k: _name(w, kind, k).lower())
            )
            parts.append(f"<h2>{KIND_TITLES[kind]}</h2><ul>{items}</ul>")
        self.page("index.html", w.world.title, "\n".join(parts))

    def place(self, key: str) -> None:
        w, loc = self.world, self.world.locations[key]
        parts = []
        if loc.region:
            parts.append(f'<p class="meta">Region: {escape(loc.region)}</p>')
        parts.append(f"<p>{_para(loc.description)}</p>")
        ways = []
        for direction, ex in loc.exits.items():
            if ex.hidden and not self.gm:
                continue
            if ex.to not in w.locations:
                continue
            note = " (locked)" if ex.requires is not None else ""
            note += " (hidden)" if ex.hidden else ""
            if self.shown("place", ex.to):
                target = self.link("place", ex.to, w.locations[ex.to].name)
            else:  # a way to somewhere not found yet: not named
                target = "somewhere not yet explored"
            ways.append(f"<li>{escape(direction)}: {target}{note}</li>")
        if ways:
            parts.append(f"<h2>Ways on</h2><ul>{''.join(ways)}</ul>")
        people = [
            self.link("person", c, w.characters[c].name)
            for c in loc.characters
            if c in w.characters and self.shown("person", c)
        ]
        if people:
            parts.append(f"<h2>People</h2><ul>{''.join(f'<li>{p}</li>' for p in people)}</ul>")
        things = [
            self.link("item", i, w.items[i].name)
            for i in loc.items
            if i in w.items and self.shown("item", i)
        ]
        if things:
            parts.append(f"<h2>Items</h2><ul>{''.join(f'<li>{t}</li>' for t in things)}</ul>")
        sheet = loc.map.map if loc.map is not None and loc.map.map in w.maps else "world"
        parts.append(f'<p><a href="../maps/{escape(sheet)}.html">On the map</a></p>')
        if self.gm:
            secret = []
            if loc.first_visit:
                secret.append(f"<p>First visit: {_para(loc.first_visit)}</p>")
            for phrase in loc.phrases:
                secret.append(
                    f"<p>Say “{escape(' / '.join(phrase.says))}”: {_para(phrase.text)}</p>"
                )
            for act in loc.interactions:
                secret.append(
                    f"<p>Use {escape(act.item)} on {escape(act.target)}: {_para(act.text)}</p>"
                )
            if secret:
                parts.append(
                    f'<div class="gm"><h2>Secrets of this place</h2>{"".join(secret)}</div>'
                )
        self.page(f"places/{key}.html", loc.name, "\n".join(parts))

    def person(self, key: str) -> None:
        w, ch = self.world, self.world.characters[key]
        parts = [f'<p class="meta">{escape(ch.kind)}</p>']
        if ch.description:
            parts.append(f"<p>{_para(ch.description)}</p>")
        where = next((lid for lid, loc in w.locations.items() if key in loc.characters), None)
        if where is not None:
            parts.append(f"<p>Found at {self.link('place', where, w.locations[where].name)}</p>")
        quests = [
            q for q, quest in w.quests.items() if quest.giver == key and self.shown("quest", q)
        ]
        if quests:
            links = "".join(f"<li>{self.link('quest', q, w.quests[q].title)}</li>" for q in quests)
            parts.append(f"<h2>Quests given</h2><ul>{links}</ul>")
        if self.gm:
            secret = []
            for label, value in (
                ("Personality", ch.personality),
                ("Voice", ch.voice),
                ("Backstory", ch.backstory),
            ):
                if value:
                    secret.append(f"<p><strong>{label}:</strong> {_para(value)}</p>")
            if ch.goals:
                secret.append(
                    "<p><strong>Goals:</strong></p><ul>"
                    + "".join(f"<li>{escape(g)}</li>" for g in ch.goals)
                    + "</ul>"
                )
            if ch.secrets:
                secret.append(
                    "<p><strong>Secrets:</strong></p><ul>"
                    + "".join(f"<li>{escape(s)}</li>" for s in ch.secrets)
                    + "</ul>"
                )
            for tid, topic in ch.dialogue.topics.items():
                reveals = ", ".join(
                    self.link("lore", r, w.lore[r].title) for r in topic.reveals if r in w.lore
                )
                secret.append(
                    f"<p><strong>About {escape(tid.replace('_', ' '))}:</strong> "
                    f"{_para(topic.text)}" + (f" (reveals {reveals})" if reveals else "") + "</p>"
                )
            if secret:
                parts.append(f'<div class="gm"><h2>Behind the scenes</h2>{"".join(secret)}</div>')
        self.page(f"people/{key}.html", ch.name, "\n".join(parts))

    def item(self, key: str) -> None:
        w, it = self.world, self.world.items[key]
        parts = [
            f'<p class="meta">{escape(it.kind)}'
            + (f" · worth {it.value} {escape(w.world.currency)}" if it.value else "")
            + "</p>"
        ]
        if it.description:
            parts.append(f"<p>{_para(it.description)}</p>")
        where = [lid for lid, loc in w.locations.items() if key in loc.items]
        if where:
            links = ", ".join(self.link("place", lid, w.locations[lid].name) for lid in where)
            parts.append(f"<p>Found at {links}</p>")
        if self.gm and it.text:
            parts.append(f'<div class="gm"><h2>Written on it</h2><p>{_para(it.text)}</p></div>')
        self.page(f"items/{key}.html", it.name, "\n".join(parts))

    def lore(self, key: str) -> None:
        entry = self.world.lore[key]
        parts = [f'<p class="meta">{escape(entry.visibility)}</p>', f"<p>{_para(entry.text)}</p>"]
        knowers = [
            self.link("person", c, self.world.characters[c].name)
            for c in entry.known_by
            if c in self.world.characters
        ]
        if knowers and self.gm:
            parts.append(f'<div class="gm"><h2>Known by</h2><p>{", ".join(knowers)}</p></div>')
        body = "\n".join(parts)
        self.page(
            f"lore/{key}.html",
            entry.title,
            f'<div class="gm">{body}</div>' if entry.visibility == "gm-only" else body,
        )

    def quest(self, key: str) -> None:
        w, quest = self.world, self.world.quests[key]
        parts = [f'<p class="meta">{"main quest" if quest.main else "quest"}</p>']
        if quest.description:
            parts.append(f"<p>{_para(quest.description)}</p>")
        if quest.giver and quest.giver in w.characters:
            parts.append(
                "<p>Given by "
                f"{self.link('person', quest.giver, w.characters[quest.giver].name)}</p>"
            )
        if self.gm:
            stages = "".join(
                f"<li><strong>{escape(s.id)}</strong>: {escape(s.description)}<ul>"
                + "".join(f"<li>{escape(o.description)}</li>" for o in s.objectives)
                + "</ul></li>"
                for s in quest.stages
            )
            endings = "".join(f"<li>{escape(e.title)}: {_para(e.text)}</li>" for e in quest.endings)
            parts.append(
                f'<div class="gm"><h2>Stages</h2><ol>{stages}</ol>'
                + (f"<h2>Endings</h2><ul>{endings}</ul>" if endings else "")
                + "</div>"
            )
        self.page(f"quests/{key}.html", quest.title, "\n".join(parts))

    def maps(self) -> None:
        known = (
            None if self.gm or self.campaign is None else self.campaign.known.get("place", set())
        )
        here = self.campaign.here if self.campaign else self.world.start.location
        view = world_map(self.world, known=known, here=here, show_hidden=self.gm)
        listing = []
        for sheet in view.sheets:
            one = type(view)(view.title, (sheet,), view.here, view.fog)
            self.pages[f"maps/{sheet.id}.svg"] = render_svg(one)
            places = "".join(f"<li>{self.link('place', p.id, p.name)}</li>" for p in sheet.places)
            self.page(
                f"maps/{sheet.id}.html",
                sheet.name,
                f'<img class="map" src="{escape(sheet.id)}.svg" alt="{escape(sheet.name)}">'
                f"<h2>Places</h2><ul>{places}</ul>",
            )
            listing.append(f'<li><a href="{escape(sheet.id)}.html">{escape(sheet.name)}</a></li>')
        # every place links to its sheet's page: sheets with nothing shown get a stub
        for sid in [*self.world.maps, "world"]:
            if f"maps/{sid}.html" not in self.pages:
                self.page(f"maps/{sid}.html", "Map", "<p>Nothing on this map is known yet.</p>")
        self.page(
            "maps/index.html",
            "Maps",
            f"<ul>{''.join(listing)}</ul>" if listing else "<p>No maps yet.</p>",
        )

    def story(self) -> None:
        assert self.campaign is not None
        parts = []
        if self.campaign.chapters:
            parts.append("<h2>Chapters</h2><ol>")
            for number, first, last, summary in self.campaign.chapters:
                parts.append(
                    f"<li><strong>Chapter {number}</strong> (turns {first}–{last}): "
                    f"{_para(summary)}</li>"
                )
            parts.append("</ol>")
        parts.append('<h2>The story so far</h2><ul class="turns">')
        for t in self.campaign.turns:
            said = f"<strong>{escape(t.who)}</strong>: {escape(t.action)}<br>" if t.action else ""
            parts.append(f'<li id="turn-{t.turn}">Turn {t.turn}. {said}{_para(t.told)}</li>')
        parts.append("</ul>")
        self.page("story.html", "Chapters and the story so far", "\n".join(parts))


def _name(world: World, kind: str, key: str) -> str:
    if kind == "place":
        return world.locations[key].name
    if kind == "person":
        return world.characters[key].name
    if kind == "item":
        return world.items[key].name
    if kind == "lore":
        return world.lore[key].title
    return world.quests[key].title


def _para(text: str) -> str:
    return "<br>".join(escape(" ".join(line.split())) for line in text.strip().split("\n\n"))


def build_wiki(
    world: World, *, gm: bool = False, campaign: Campaign | None = None
) -> dict[str, str]:
    """Every file of the site: relative path -> text (HTML, CSS, SVG)."""
    return _Site(world, gm, campaign).build()


def gm_only_texts(world: World) -> Iterable[str]:
    """Texts that are the GM's alone, never told in play: what no players' wiki may
    contain (gm-only lore, characters' secrets, backstories and goals)."""
    for entry in world.lore.values():
        if entry.visibility == "gm-only":
            yield entry.text
    for ch in world.characters.values():
        yield from ch.secrets
        yield from ch.goals
        if ch.backstory:
            yield ch.backstory


def spoiler_texts(world: World) -> Iterable[str]:
    """Texts told only when play gets there (topics, phrases, endings): a world's
    players' wiki leaves them out; a campaign's recap has those its players heard."""
    for ch in world.characters.values():
        for topic in ch.dialogue.topics.values():
            yield topic.text
    for quest in world.quests.values():
        for ending in quest.endings:
            yield ending.text
    for loc in world.locations.values():
        for phrase in loc.phrases:
            yield phrase.text
        for act in loc.interactions:
            yield act.text
