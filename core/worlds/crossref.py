"""Cross-reference and playability checks on a world's raw data.

These run on the merged data rather than the validated model, defensively, so
that a dangling reference is reported in the same run as a schema error
elsewhere. Each issue names a path in the data; the validator turns it into
``file:line:column``.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import d20
from pydantic import ValidationError

from storyai.core.domain.spells import spell_id
from storyai.core.domain.stats import ARCHETYPE_STATS, STAT_BLOCKS
from storyai.core.domain.world import TRIGGER_KINDS
from storyai.core.rules.srd_spells import SRD_SPELLS
from storyai.core.worlds.crossref_verbs import (
    check_verbs,
    phrase_words,
    said,
    verb_conditions,
    verb_effects,
)
from storyai.core.worlds.messages import friendly

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Issue:
    path: Path_
    message: str
    hint: str | None = None
    severity: str = "error"
    at_key: bool = False


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ids(data: dict[str, Any], section: str) -> set[str]:
    return {k for k in _d(data.get(section)) if isinstance(k, str)}


def _suggest(name: Any, options: set[str]) -> str | None:
    if not isinstance(name, str):
        return None
    match = difflib.get_close_matches(name, sorted(options), n=1, cutoff=0.5)
    return f"did you mean '{match[0]}'?" if match else None


class Blocker(str):
    """Why a trigger can never fire (the text), with what to add so it can (``hint``)."""

    hint: str

    def __new__(cls, reason: str, hint: str) -> Blocker:
        made = super().__new__(cls, reason)
        made.hint = hint
        return made


def _blocker_hint(reason: str) -> str:
    return getattr(reason, "hint", "make it obtainable or settable somewhere in the world")


def _defeat_hint(target: str, system: str | None) -> str:
    """What to add so ``target`` can be fought and defeated."""
    if system is None:
        return f"give '{target}' a stat block under `characters.{target}.stats:`"
    needed = [n for n, f in STAT_BLOCKS[system].model_fields.items() if f.is_required()]
    example = ", ".join(f"{n}: ..." for n in needed)
    return (
        f"give '{target}' a {system} stat block: `stats: {{{example}}}` under "
        f"characters.{target} (and `kind: creature` if it is a foe); or make the objective "
        "`talk_to` if it is not a fight"
    )


class _Checker:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.issues: list[Issue] = []
        self.locations = _ids(data, "locations")
        self.characters = _ids(data, "characters")
        self.items = _ids(data, "items")
        self.quests = _ids(data, "quests")
        self.lore = _ids(data, "lore")
        self.archetypes = _ids(data, "archetypes")
        self.powers = _ids(data, "powers")
        self.factions = _ids(data, "factions")
        self.specializations = _ids(data, "specializations")
        self.spells = _ids(data, "spells") | set(SRD_SPELLS)
        self.declared_flags = {f for f in _l(data.get("flags")) if isinstance(f, str)}
        self.flags_set = self._flags_set()
        self.obtainable = self._obtainable_items()
        system = _d(data.get("rules")).get("system")
        self.system = system if system in STAT_BLOCKS else None

    # ------------------------------------------------------------ helpers

    def error(self, path: Path_, message: str, hint: str | None = None, **kw: Any) -> None:
        self.issues.append(Issue(path, message, hint, "error", **kw))

    def warn(self, path: Path_, message: str, hint: str | None = None, **kw: Any) -> None:
        self.issues.append(Issue(path, message, hint, "warning", **kw))

    def ref(self, path: Path_, value: Any, section: str, what: str, context: str = "") -> bool:
        """Check that ``value`` is an id in ``section``; report it if not."""
        known = getattr(self, section)
        if not isinstance(value, str) or value in known:
            return isinstance(value, str)
        prefix = f"{context} " if context else ""
        hint = _suggest(value, known)
        if not hint:
            hint = (
                f"known {section}: " + ", ".join(sorted(known)[:12])
                if known
                else f"this world defines no {section} yet"
            )
        self.error(path, f"{prefix}refers to unknown {what} '{value}'", hint)
        return False

    def _all_effects(self) -> Iterator[tuple[Path_, dict[str, Any]]]:
        d = self.data
        for lid, loc in _d(d.get("locations")).items():
            for i, e in enumerate(_l(_d(loc).get("on_enter"))):
                yield ("locations", lid, "on_enter", i), _d(e)
        for iid, item in _d(d.get("items")).items():
            for i, e in enumerate(_l(_d(item).get("effects"))):
                yield ("items", iid, "effects", i), _d(e)
        for cid, ch in _d(d.get("characters")).items():
            for i, e in enumerate(_l(_d(ch).get("on_defeat"))):
                yield ("characters", cid, "on_defeat", i), _d(e)
            for tid, topic in _d(_d(_d(ch).get("dialogue")).get("topics")).items():
                for i, e in enumerate(_l(_d(topic).get("effects"))):
                    yield ("characters", cid, "dialogue", "topics", tid, "effects", i), _d(e)
        for qid, quest in _d(d.get("quests")).items():
            for s, stage in enumerate(_l(_d(quest).get("stages"))):
                for i, e in enumerate(_l(_d(stage).get("effects"))):
                    yield ("quests", qid, "stages", s, "effects", i), _d(e)
        yield from verb_effects(d)

    def _flags_set(self) -> set[str]:
        flags = {f for f in _l(_d(self.data.get("start")).get("flags")) if isinstance(f, str)}
        for _, effect in self._all_effects():
            if effect.get("type") == "set_flag" and isinstance(effect.get("flag"), str):
                flags.add(effect["flag"])
        for quest in _d(self.data.get("quests")).values():
            flags |= {
                f for f in _l(_d(_d(quest).get("rewards")).get("flags")) if isinstance(f, str)
            }
        return flags

    def _obtainable_items(self) -> set[str]:
        d = self.data
        items: set[str] = set()
        for loc in _d(d.get("locations")).values():
            items |= {i for i in _l(_d(loc).get("items")) if isinstance(i, str)}
        for ch in _d(d.get("characters")).values():
            items |= {i for i in _l(_d(ch).get("inventory")) if isinstance(i, str)}
        for arch in _d(d.get("archetypes")).values():
            items |= {i for i in _l(_d(arch).get("starting_items")) if isinstance(i, str)}
        for quest in _d(d.get("quests")).values():
            items |= {
                i for i in _l(_d(_d(quest).get("rewards")).get("items")) if isinstance(i, str)
            }
        for _, effect in self._all_effects():
            if effect.get("type") == "give_item" and isinstance(effect.get("item"), str):
                items.add(effect["item"])
        return items

    # ------------------------------------------------------------- checks

    def run(self) -> list[Issue]:
        self.check_start()
        self.check_locations()
        self.check_characters()
        self.check_items()
        self.check_effects()
        self.check_quests()
        self.check_lore()
        self.check_archetypes()
        self.check_powers()
        self.check_specializations()
        self.check_legacy()
        self.check_spell_dice()
        self.check_flags()
        self.check_reachability()
        self.check_maps()
        self.check_playtests()
        check_verbs(self.data, self.ref, self.error, self.warn)
        for path, cond in verb_conditions(self.data):
            self.check_condition(path, cond)
        return self.issues

    def check_start(self) -> None:
        start = _d(self.data.get("start"))
        if "location" in start:
            self.ref(
                ("start", "location"),
                start["location"],
                "locations",
                "location",
                "the starting location",
            )

    def check_condition(self, path: Path_, cond: Any) -> None:
        cond = _d(cond)
        if "background" in cond:
            self.check_background((*path, "background"), cond["background"])
        if "relationship" in cond:
            who = _d(cond["relationship"]).get("who")
            self.ref((*path, "relationship", "who"), who, "characters", "character")
        if "reputation" in cond:
            faction = _d(cond["reputation"]).get("faction")
            self.ref((*path, "reputation", "faction"), faction, "factions", "faction")
        if "item" in cond:
            self.ref((*path, "item"), cond["item"], "items", "item")
        for key in ("flag", "not_flag"):
            if key in cond:
                self.check_flag_used((*path, key), cond[key])
        for key in ("quest", "quest_done"):
            if key in cond:
                self.ref((*path, key), cond[key], "quests", "quest")
        if "stage" in cond:
            quest = _d(_d(self.data.get("quests")).get(cond.get("quest")))
            stages = {_d(s).get("id") for s in _l(quest.get("stages"))}
            if "quest" not in cond:
                self.error((*path, "stage"), "'stage' needs 'quest' beside it")
            elif quest and cond["stage"] not in stages:
                self.error(
                    (*path, "stage"),
                    f"quest '{cond['quest']}' has no stage '{cond['stage']}'",
                    _suggest(cond["stage"], {s for s in stages if isinstance(s, str)}),
                )

    def check_background(self, path: Path_, wanted: Any) -> None:
        """A ``{table: option}`` mapping names tables and options the world has."""
        tables = _d(self.data.get("backgrounds"))
        for table_id, option_id in _d(wanted).items():
            table = tables.get(table_id)
            if table is None:
                self.error(
                    (*path, table_id),
                    f"unknown background table '{table_id}'",
                    _suggest(str(table_id), set(tables))
                    or "add it to the top-level `backgrounds:` section",
                )
                continue
            options = {_d(o).get("id") for o in _l(_d(table).get("options"))}
            if option_id not in options:
                self.error(
                    (*path, table_id),
                    f"background table '{table_id}' has no option '{option_id}'",
                    _suggest(str(option_id), {o for o in options if isinstance(o, str)}),
                )

    def check_flag_used(self, path: Path_, flag: Any) -> None:
        if not isinstance(flag, str):
            return
        if self.declared_flags and flag not in self.declared_flags:
            self.error(
                path,
                f"unknown flag '{flag}'",
                _suggest(flag, self.declared_flags) or "add it to the top-level `flags:` list",
            )
        elif flag not in self.flags_set and path[-1] == "flag":
            self.warn(
                path,
                f"flag '{flag}' is never set by anything in this world",
                "set it with an effect ({type: set_flag, flag: ...}) on a topic, item, "
                "stage or location, or in start.flags",
            )

    def check_locations(self) -> None:
        for lid, loc in _d(self.data.get("locations")).items():
            loc = _d(loc)
            for direction, exit_ in _d(loc.get("exits")).items():
                target = exit_ if isinstance(exit_, str) else _d(exit_).get("to")
                path = ("locations", lid, "exits", direction)
                self.ref(
                    path if isinstance(exit_, str) else (*path, "to"),
                    target,
                    "locations",
                    "location",
                    f"exit '{direction}'",
                )
                if target == lid:
                    self.warn(path, f"exit '{direction}' leads back into '{lid}' itself")
                if isinstance(exit_, dict) and "requires" in exit_:
                    self.check_condition((*path, "requires"), exit_["requires"])
            for i, item in enumerate(_l(loc.get("items"))):
                self.ref(("locations", lid, "items", i), item, "items", "item")
            for i, ch in enumerate(_l(loc.get("characters"))):
                self.ref(("locations", lid, "characters", i), ch, "characters", "character")
        placed: dict[str, str] = {}
        for lid, loc in _d(self.data.get("locations")).items():
            for i, ch in enumerate(_l(_d(loc).get("characters"))):
                if isinstance(ch, str) and ch in placed:
                    self.error(
                        ("locations", lid, "characters", i),
                        f"character '{ch}' is placed in two locations ('{placed[ch]}' and '{lid}')",
                        "a character starts in one place",
                    )
                elif isinstance(ch, str):
                    placed[ch] = lid

    def check_characters(self) -> None:
        for cid, ch in _d(self.data.get("characters")).items():
            ch = _d(ch)
            path = ("characters", cid)
            for i, item in enumerate(_l(ch.get("inventory"))):
                self.ref((*path, "inventory", i), item, "items", "item")
            topics = _d(_d(ch.get("dialogue")).get("topics"))
            for tid, topic in topics.items():
                topic = _d(topic)
                for i, lore_id in enumerate(_l(topic.get("reveals"))):
                    self.ref(
                        (*path, "dialogue", "topics", tid, "reveals", i),
                        lore_id,
                        "lore",
                        "lore entry",
                    )
                if "requires" in topic:
                    self.check_condition(
                        (*path, "dialogue", "topics", tid, "requires"), topic["requires"]
                    )
            stats = ch.get("stats")
            if stats is not None and self.system:
                self.check_stats((*path, "stats"), stats, STAT_BLOCKS[self.system])
            if ch.get("kind") == "creature" and stats is None:
                self.warn(
                    path,
                    f"creature '{cid}' has no stats, so it cannot fight",
                    f"add a {self.system or 'rule-system'} stat block under `stats:`",
                )

    def check_stats(self, path: Path_, stats: Any, model: Any) -> None:
        try:
            model.model_validate(stats)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                if err["type"] == "extra_forbidden":
                    allowed = set(model.model_fields)
                    nested = _nested_fields(model, loc[:-1])
                    self.error(
                        (*path, *loc),
                        f"unknown stat '{loc[-1]}' for the {self.system} rules",
                        _suggest(loc[-1], nested or allowed)
                        or "allowed: " + ", ".join(sorted(nested or allowed)),
                        at_key=True,
                    )
                elif err["type"] == "missing":
                    self.error(
                        (*path, *loc[:-1]),
                        f"stat '{loc[-1]}' is missing (the {self.system} rules need it)",
                    )
                else:
                    where = ".".join(map(str, (*path, *loc)))
                    self.error((*path, *loc), f"{where}: {friendly(err)}")
            return
        for i, attack in enumerate(_l(_d(stats).get("attacks"))):
            self.check_dice((*path, "attacks", i, "damage"), _d(attack).get("damage"))
        casting = _d(_d(stats).get("spellcasting"))
        for i, name in enumerate(_l(casting.get("spells"))):
            self.check_spell((*path, "spellcasting", "spells", i), name, creature=True)

    def check_dice(self, path: Path_, expr: Any) -> None:
        if not isinstance(expr, str):
            return
        try:
            d20.parse(expr)
        except d20.RollSyntaxError:
            self.error(
                path,
                f"'{expr}' is not valid dice notation",
                "write dice like 1d8, 2d6+3 or 1d20kh1",
            )

    def check_items(self) -> None:
        for iid, item in _d(self.data.get("items")).items():
            item = _d(item)
            if "damage" in item:
                self.check_dice(("items", iid, "damage"), item["damage"])
            if item.get("kind") == "weapon" and "damage" not in item:
                self.warn(
                    ("items", iid),
                    f"weapon '{iid}' has no damage dice",
                    "add e.g. `damage: 1d8` and `damage_type: slashing`",
                )
            if iid not in self.obtainable:
                self.warn(
                    ("items", iid),
                    f"item '{iid}' is never placed anywhere",
                    "put it in a location's items, a character's inventory, "
                    "an archetype's starting_items or a reward",
                )

    def check_effects(self) -> None:
        for path, effect in self._all_effects():
            if isinstance(effect.get("amount"), str):
                self.check_dice((*path, "amount"), effect["amount"])
            if "item" in effect:
                self.ref((*path, "item"), effect["item"], "items", "item")
            if "who" in effect:
                self.ref((*path, "who"), effect["who"], "characters", "character")
            if "faction" in effect:
                self.ref((*path, "faction"), effect["faction"], "factions", "faction")
            if effect.get("type") in ("set_flag", "clear_flag") and "flag" in effect:
                flag = effect["flag"]
                if (
                    self.declared_flags
                    and isinstance(flag, str)
                    and flag not in self.declared_flags
                ):
                    self.error(
                        (*path, "flag"),
                        f"unknown flag '{flag}'",
                        _suggest(flag, self.declared_flags)
                        or "add it to the top-level `flags:` list",
                    )

    def check_trigger(self, path: Path_, trigger: Any, quest_id: str) -> list[str]:
        """Check one trigger; returns reasons it can never fire."""
        trigger = _d(trigger)
        blockers: list[str] = []
        kinds = [k for k in TRIGGER_KINDS if k in trigger]
        if len(kinds) != 1:
            return blockers  # the schema pass explains
        kind = kinds[0]
        target = trigger[kind]
        tpath = (*path, kind)
        if kind == "enter":
            self.ref(tpath, target, "locations", "location")
        elif kind in ("have_item", "use_item"):
            if self.ref(tpath, target, "items", "item") and target not in self.obtainable:
                blockers.append(
                    Blocker(
                        f"item '{target}' can never be obtained",
                        f"put '{target}' in a location's `items:`, a character's "
                        "`inventory:`, an archetype's `starting_items:`, a quest reward "
                        "or a `give_item` effect",
                    )
                )
        elif kind in ("talk_to", "defeat"):
            if self.ref(tpath, target, "characters", "character") and kind == "defeat":
                if _d(_d(self.data.get("characters")).get(target)).get("stats") is None:
                    blockers.append(
                        Blocker(
                            f"character '{target}' has no stats, so cannot be defeated",
                            _defeat_hint(target, self.system),
                        )
                    )
            if kind == "talk_to" and "topic" in trigger and target in self.characters:
                topics = _d(
                    _d(_d(_d(self.data["characters"]).get(target)).get("dialogue")).get("topics")
                )
                if trigger["topic"] not in topics:
                    self.error(
                        (*path, "topic"),
                        f"character '{target}' has no topic '{trigger['topic']}'",
                        _suggest(trigger["topic"], set(topics)),
                    )
        elif kind == "say":
            if isinstance(target, str) and said(target) not in phrase_words(self.data):
                blockers.append(f"no phrase answers '{target}' (add it to a `phrases:` list)")
        elif kind == "flag":
            if isinstance(target, str):
                if self.declared_flags and target not in self.declared_flags:
                    self.error(
                        tpath, f"unknown flag '{target}'", _suggest(target, self.declared_flags)
                    )
                elif target not in self.flags_set:
                    blockers.append(
                        Blocker(
                            f"flag '{target}' is never set",
                            f"set '{target}' with a `set_flag` effect (a dialogue topic, "
                            "an item, a quest stage), a quest's `rewards.flags` or "
                            "`start.flags`",
                        )
                    )
        return blockers

    def check_quests(self) -> None:
        ending_ids: dict[str, str] = {}
        for qid, quest in _d(self.data.get("quests")).items():
            quest = _d(quest)
            path = ("quests", qid)
            if "giver" in quest:
                self.ref((*path, "giver"), quest["giver"], "characters", "character", "giver")
            if "requires" in quest:
                self.check_condition((*path, "requires"), quest["requires"])
            if isinstance(quest.get("starts"), dict):
                for reason in self.check_trigger((*path, "starts"), quest["starts"], qid):
                    self.error(
                        (*path, "starts"),
                        f"quest '{qid}' can never start: {reason}",
                        _blocker_hint(reason),
                    )
            stage_ids: set[str] = set()
            for s, stage in enumerate(_l(quest.get("stages"))):
                stage = _d(stage)
                spath = (*path, "stages", s)
                sid = stage.get("id")
                if isinstance(sid, str):
                    if sid in stage_ids:
                        self.error((*spath, "id"), f"quest '{qid}' has two stages with id '{sid}'")
                    stage_ids.add(sid)
                for o, objective in enumerate(_l(stage.get("objectives"))):
                    objective = _d(objective)
                    if "trigger" not in objective:
                        continue
                    for reason in self.check_trigger(
                        (*spath, "objectives", o, "trigger"), objective["trigger"], qid
                    ):
                        if objective.get("optional"):
                            self.warn(
                                (*spath, "objectives", o),
                                f"optional objective can never complete: {reason}",
                                _blocker_hint(reason),
                            )
                        else:
                            self.error(
                                (*spath, "objectives", o),
                                f"quest '{qid}' cannot complete: {reason}",
                                _blocker_hint(reason),
                            )
            rewards = _d(quest.get("rewards"))
            for i, item in enumerate(_l(rewards.get("items"))):
                self.ref((*path, "rewards", "items", i), item, "items", "item")
            for e, ending in enumerate(_l(quest.get("endings"))):
                ending = _d(ending)
                eid = ending.get("id")
                if isinstance(eid, str):
                    if eid in ending_ids:
                        self.error(
                            (*path, "endings", e, "id"),
                            f"ending id '{eid}' is already used by quest '{ending_ids[eid]}'",
                        )
                    ending_ids[eid] = qid
                if "requires" in ending:
                    self.check_condition((*path, "endings", e, "requires"), ending["requires"])
            endings = _l(quest.get("endings"))
            if endings and all(_d(e).get("requires") for e in endings):
                self.warn(
                    (*path, "endings"),
                    f"every ending of '{qid}' has a condition; if none holds, the story cannot end",
                    "leave the last ending without `requires:` as a fallback",
                )

    def check_lore(self) -> None:
        for lid, entry in _d(self.data.get("lore")).items():
            if "requires" in _d(entry):
                self.check_condition(("lore", lid, "requires"), _d(entry)["requires"])
            for i, who in enumerate(_l(_d(entry).get("known_by"))):
                self.ref(("lore", lid, "known_by", i), who, "characters", "character")

    def check_powers(self) -> None:
        """Archetypes name powers the world has; a reveal names lore; flags are used
        ones; a combo's tags are each carried by some power."""
        for aid, arch in _d(self.data.get("archetypes")).items():
            for i, pid in enumerate(_l(_d(arch).get("powers"))):
                self.ref(("archetypes", aid, "powers", i), pid, "powers", "power")
        tags: set[str] = set()
        for pid, power in _d(self.data.get("powers")).items():
            power = _d(power)
            tags |= {t for t in _l(power.get("tags")) if isinstance(t, str)}
            self._check_power_effect(("powers", pid, "effect"), power.get("effect"))
            if "unlock_flag" in power:
                self.check_flag_used(("powers", pid, "unlock_flag"), power["unlock_flag"])
            for u, upgrade in enumerate(_l(power.get("upgrades"))):
                if "flag" in _d(upgrade):
                    self.check_flag_used(
                        ("powers", pid, "upgrades", u, "flag"), _d(upgrade)["flag"]
                    )
        for cid, combo in _d(self.data.get("combos")).items():
            combo = _d(combo)
            self._check_power_effect(("combos", cid, "effect"), combo.get("effect"))
            for t, tag in enumerate(_l(combo.get("tags"))):
                if isinstance(tag, str) and tag not in tags:
                    self.error(
                        ("combos", cid, "tags", t),
                        f"no power has the tag '{tag}', so combo '{cid}' can never happen",
                        _suggest(tag, tags) or "add the tag to a power's `tags:`",
                    )

    def check_legacy(self) -> None:
        """Achievements name endings and conditions that exist; the heirlooms a world
        accepts are its items, marked ``heirloom: true``."""
        endings = {
            _d(e).get("id")
            for q in _d(self.data.get("quests")).values()
            for e in _l(_d(q).get("endings"))
        }
        for aid, achievement in _d(self.data.get("achievements")).items():
            achievement = _d(achievement)
            path = ("achievements", aid)
            if "requires" in achievement:
                self.check_condition((*path, "requires"), achievement["requires"])
            ending = achievement.get("ending")
            if isinstance(ending, str) and ending not in endings:
                self.error(
                    (*path, "ending"),
                    f"no quest has an ending '{ending}'",
                    _suggest(ending, {e for e in endings if isinstance(e, str)}),
                )
        for i, cid in enumerate(_l(_d(self.data.get("legacy")).get("followers"))):
            self.ref(("legacy", "followers", i), cid, "characters", "character")
        for bid, buy in _d(_d(self.data.get("legacy")).get("buys")).items():
            if "item" in _d(buy):
                self.ref(("legacy", "buys", bid, "item"), _d(buy)["item"], "items", "item")
        items = _d(self.data.get("items"))
        for i, item_id in enumerate(_l(_d(self.data.get("legacy")).get("heirlooms"))):
            where: Path_ = ("legacy", "heirlooms", i)
            if self.ref(where, item_id, "items", "item") and not _d(items.get(item_id)).get(
                "heirloom"
            ):
                self.error(
                    where,
                    f"item '{item_id}' is not an heirloom",
                    f"mark it `heirloom: true` under items.{item_id}",
                )

    def _check_power_effect(self, path: Path_, effect: Any) -> None:
        effect = _d(effect)
        if "lore" in effect:
            self.ref((*path, "lore"), effect["lore"], "lore", "lore entry")

    def check_specializations(self) -> None:
        """Prerequisites and effects name what the world has; the tree has no loop."""
        specs = _d(self.data.get("specializations"))
        for sid, spec in specs.items():
            spec = _d(spec)
            path: Path_ = ("specializations", sid)
            req, eff = _d(spec.get("requires")), _d(spec.get("effects"))
            self.check_growth_system(path, req)
            if self.system and req.get("skills"):
                self.check_archetype_skills(sid, req["skills"], (*path, "requires", "skills"))
            for i, aid in enumerate(_l(req.get("archetypes"))):
                self.ref((*path, "requires", "archetypes", i), aid, "archetypes", "archetype")
            for i, other in enumerate(_l(req.get("specializations"))):
                self.ref(
                    (*path, "requires", "specializations", i),
                    other,
                    "specializations",
                    "specialization",
                )
                if other == sid:
                    self.error(
                        (*path, "requires", "specializations", i),
                        f"specialization '{sid}' requires itself",
                        "name the specialization that must be taken before this one",
                    )
            for ability in _d(req.get("abilities")):
                if ability not in ("str", "dex", "con", "int", "wis", "cha"):
                    self.error(
                        (*path, "requires", "abilities", ability),
                        f"'{ability}' is not an ability",
                        "use str, dex, con, int, wis or cha",
                        at_key=True,
                    )
            if "flag" in req:
                self.check_flag_used((*path, "requires", "flag"), req["flag"])
            self.check_growth_effects((*path, "effects"), sid, eff)

    def check_growth_system(self, path: Path_, req: dict[str, Any]) -> None:
        """d20 growth is measured in levels and abilities, percentile growth in skills:
        a prerequisite of the other kind could never hold, or never fail."""
        if self.system == "d20" and req.get("skills"):
            self.error(
                (*path, "requires", "skills"),
                "skill minimums are for percentile worlds",
                "d20 specializations require a `level` or `abilities` minimums",
                at_key=True,
            )
        if self.system == "percentile":
            for name in ("level", "abilities"):
                if req.get(name) not in (None, 1, {}):
                    self.error(
                        (*path, "requires", name),
                        f"percentile characters have no {'levels' if name == 'level' else name}",
                        "require skill minimums instead, e.g. `skills: {listen: 50}`",
                        at_key=True,
                    )

    def check_growth_effects(self, path: Path_, owner: str, eff: dict[str, Any]) -> None:
        """What a specialization or class feature gives names what the world has."""
        for i, save in enumerate(_l(eff.get("saves"))):
            if save not in ("str", "dex", "con", "int", "wis", "cha"):
                self.error(
                    (*path, "saves", i),
                    f"'{save}' is not a saving throw",
                    "use str, dex, con, int, wis or cha",
                )
        for i, pid in enumerate(_l(eff.get("powers"))):
            self.ref((*path, "powers", i), pid, "powers", "power")
        if self.system and "skills" in eff:
            self.check_archetype_skills(owner, eff["skills"], (*path, "skills"))
        if eff.get("skill_gains"):
            if self.system == "d20":
                self.error(
                    (*path, "skill_gains"),
                    "skill points are for percentile worlds",
                    "d20 characters gain proficiency: `skills: [perception]`",
                    at_key=True,
                )
            elif self.system:
                self.check_archetype_skills(owner, eff["skill_gains"], (*path, "skill_gains"))

    def check_features(self, aid: str, features: Any) -> None:
        """An archetype's class features: levels the rules have, effects that exist."""
        for i, feature in enumerate(_l(features)):
            feature = _d(feature)
            path: Path_ = ("archetypes", aid, "features", i)
            level = feature.get("level", 1)
            if self.system == "percentile" and isinstance(level, int) and level > 1:
                self.error(
                    (*path, "level"),
                    "percentile characters have no levels to gain this feature at",
                    "give percentile features level 1 (they come with the archetype), or "
                    "make it a specialization with skill minimums",
                )
            self.check_growth_effects((*path, "effects"), aid, _d(feature.get("effects")))

    def check_archetypes(self) -> None:
        for aid, arch in _d(self.data.get("archetypes")).items():
            arch = _d(arch)
            for i, item in enumerate(_l(arch.get("starting_items"))):
                self.ref(("archetypes", aid, "starting_items", i), item, "items", "item")
            if self.system and "stats" in arch:
                self.check_stats(
                    ("archetypes", aid, "stats"), arch["stats"], ARCHETYPE_STATS[self.system]
                )
                self.check_archetype_skills(aid, _d(arch["stats"]).get("skills"))
            stats = _d(arch.get("stats"))
            for i, name in enumerate(_l(stats.get("spells"))):
                self.check_spell(("archetypes", aid, "stats", "spells", i), name)
            if "features" in arch:
                self.check_features(aid, arch["features"])

    def check_archetype_skills(self, aid: str, skills: Any, path: Path_ | None = None) -> None:
        """Each skill an archetype lists is one the rule system knows: a typo would
        silently never apply. Rules that let a world add skills (percentile) get a
        warning only for a near miss of a known one."""
        from storyai.core.rules import get_rule_system

        assert self.system is not None
        rules = get_rule_system(self.system)
        path = path or ("archetypes", aid, "stats", "skills")
        named = (
            [((*path, i), name, False) for i, name in enumerate(skills)]
            if isinstance(skills, list)
            else [((*path, name), name, True) for name in _d(skills)]
        )
        for where, name, at_key in named:
            if not isinstance(name, str):
                continue  # the schema pass explains
            key = rules.skill_key(name)
            if rules.open_skills:
                near = difflib.get_close_matches(key, sorted(rules.skills), n=1, cutoff=0.8)
                if key not in rules.skills and near:
                    self.warn(
                        where,
                        f"skill '{name}' is not one of the {self.system} rules' skills",
                        f"did you mean '{near[0]}'? (a skill of this world's own is fine: "
                        "then leave it)",
                        at_key=at_key,
                    )
            elif name not in rules.skills:
                self.error(
                    where,
                    f"unknown skill '{name}' for the {self.system} rules",
                    f"did you mean '{key}'?"
                    if key in rules.skills
                    else _suggest(key, set(rules.skills))
                    or "known skills: " + ", ".join(sorted(rules.skills)),
                    at_key=at_key,
                )

    def check_spell(self, path: Path_, name: Any, *, creature: bool = False) -> None:
        """A spell an archetype lists must be built in or in ``spells:``. A creature's
        unknown spell (an imported lich knows dozens) is a warning: it never casts it."""
        if not isinstance(name, str) or spell_id(name) in self.spells:
            return
        own = sorted(_ids(self.data, "spells"))
        hint = _suggest(spell_id(name), self.spells) or (
            "define it under `spells:` (name, level, attack or save, damage ...) or take it "
            f"from the SRD: `spells: {{{spell_id(name)}: {{base: srd:{spell_id(name)}}}}}`"
            + (f"; this world defines: {', '.join(own)}" if own else "")
        )
        if creature:
            self.warn(path, f"spell '{name}' is not defined, so this creature won't cast it", hint)
        else:
            self.error(path, f"unknown spell '{name}'", hint)

    def check_spell_dice(self) -> None:
        for sid, spell in _d(self.data.get("spells")).items():
            for key in ("damage", "heal", "hp_pool", "upcast"):
                self.check_dice(("spells", sid, key), _d(spell).get(key))

    def check_flags(self) -> None:
        for i, flag in enumerate(_l(self.data.get("flags"))):
            if isinstance(flag, str) and flag not in self.flags_set:
                self.warn(("flags", i), f"flag '{flag}' is declared but never set")

    def check_reachability(self) -> None:
        start = _d(self.data.get("start")).get("location")
        locations = _d(self.data.get("locations"))
        if start not in locations:
            return
        seen = {start}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for exit_ in _d(_d(locations.get(here)).get("exits")).values():
                target = exit_ if isinstance(exit_, str) else _d(exit_).get("to")
                if isinstance(target, str) and target in locations and target not in seen:
                    seen.add(target)
                    queue.append(target)
        for lid in locations:
            if lid not in seen:
                self.warn(
                    ("locations", lid),
                    f"location '{lid}' cannot be reached from the start ('{start}')",
                    "add an exit that leads here",
                    at_key=True,
                )

    def check_maps(self) -> None:
        maps = _ids(self.data, "maps")
        used: set[str] = set()
        cells: dict[tuple[Any, Any, Any], str] = {}
        for lid, loc in _d(self.data.get("locations")).items():
            point = _d(_d(loc).get("map"))
            if "map" not in point:
                continue
            path = ("locations", lid, "map", "map")
            known = maps if maps else set()
            if point["map"] not in known:
                hint = _suggest(point["map"], known) or (
                    "known maps: " + ", ".join(sorted(known))
                    if known
                    else "declare it under a top-level `maps:` section"
                )
                self.error(
                    path, f"location '{lid}' is placed on unknown map '{point['map']}'", hint
                )
                continue
            used.add(point["map"])
            cell = (point["map"], point.get("x"), point.get("y"))
            if cell in cells:
                self.warn(
                    ("locations", lid, "map"),
                    f"'{lid}' is drawn on the same cell as '{cells[cell]}' "
                    f"(map '{point['map']}', x {cell[1]}, y {cell[2]})",
                    "give one of them another x or y",
                )
            else:
                cells[cell] = lid
        for mid in sorted(maps - used):
            if not _d(_d(self.data.get("maps")).get(mid)).get("drawing"):
                self.warn(
                    ("maps", mid),
                    f"map '{mid}' has no locations on it and no drawing",
                    "place locations on it with `map: {map: " + mid + ", x: 0, y: 0}`",
                    at_key=True,
                )

    def check_playtests(self) -> None:
        for t, test in enumerate(_l(self.data.get("playtests"))):
            test = _d(test)
            path = ("playtests", t)
            if "archetype" in test:
                self.ref((*path, "archetype"), test["archetype"], "archetypes", "archetype")
            if "background" in test:
                self.check_background((*path, "background"), test["background"])
            expect = _d(test.get("expect"))
            for key, section, what in (
                ("quest", "quests", "quest"),
                ("quest_done", "quests", "quest"),
                ("location", "locations", "location"),
                ("has_item", "items", "item"),
            ):
                if key in expect:
                    self.ref((*path, "expect", key), expect[key], section, what)
            if "ending" in expect:
                endings = {
                    _d(e).get("id")
                    for q in _d(self.data.get("quests")).values()
                    for e in _l(_d(q).get("endings"))
                }
                if expect["ending"] not in endings:
                    self.error(
                        (*path, "expect", "ending"),
                        f"no quest has an ending '{expect['ending']}'",
                        _suggest(expect["ending"], {e for e in endings if isinstance(e, str)}),
                    )


def _nested_fields(model: Any, loc: tuple[Any, ...]) -> set[str]:
    current = model
    for step in loc:
        info = getattr(current, "model_fields", {}).get(step)
        if info is None:
            return set()
        current = info.annotation
    return set(getattr(current, "model_fields", {}) or ())


def check(data: dict[str, Any]) -> list[Issue]:
    """Every cross-reference and playability issue in the raw world data."""
    return _Checker(data).run()
