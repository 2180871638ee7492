"""The checks behind `tables.load_tables`: parsed YAML -> table objects, every problem collected as a
ConfigIssue with file, line and key (an unknown country code in a region, a role that does not exist,
a name claimed by two countries, ...); UN M49 regions derived from the countries' `m49:` fields."""
from __future__ import annotations

import re
from typing import Any, Mapping

import yaml

from newswatch.classify.tables import (_CODE, _M49_LEVELS, _PLACEHOLDER, _PLACEHOLDERS, _SLUG, LANGS, ROLES, Actor,
                                       Country, Modality, Region, RolePatterns, Topic)
from newswatch.classify.model import EVENT_TYPES, GROUP_ROLES
from newswatch.config.yamlconf import ConfigIssue, LineMap, Path_, did_you_mean

_Owners = dict[tuple[str, str], tuple[str, Path_]]  # (lang, casefolded name) -> (owner, where it was claimed)


class TableChecker:
    """Builds the table objects from parsed YAML, collecting every problem as a ConfigIssue."""

    def __init__(self) -> None:
        self.issues: list[ConfigIssue] = []
        self._lines = LineMap("", {})  # the file being checked (each file's method sets it)
        self.country_names: dict[tuple[str, str], str] = {}  # (lang, casefolded) -> code
        self.events: dict[str, dict[str, list[str]]] = {}    # topics.yaml `events:`: type -> lang -> cues
        self.event_groups: dict[str, dict[str, list[str]]] = {}   # topics.yaml `event_groups:`: role -> lang -> nouns
        self.event_lookalikes: dict[str, list[str]] = {}   # topics.yaml `event_lookalikes:`: lang -> words

    # --- helpers -------------------------------------------------------------------------
    def fail(self, path: Path_, message: str) -> None:
        self.issues.append(self._lines.issue(_raw_path(self._lines, path), message))

    def mapping(self, value: Any, path: Path_, what: str) -> dict[Any, Any]:
        if isinstance(value, dict):
            return value
        if value is not None:
            self.fail(path, f"must be a mapping of {what}")
        return {}

    def text(self, entry: dict[Any, Any], key: str, path: Path_, required: bool = True) -> str | None:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if value is not None or required:
            self.fail(path + (key,), "required text is missing" if value is None else "must be text")
        return None

    def keys(self, entry: dict[Any, Any], path: Path_, allowed: tuple[str, ...]) -> None:
        for key in entry:
            if key not in allowed:
                self.fail(path + (key,), f"unknown key (allowed: {', '.join(allowed)})")

    def code(self, value: Any, path: Path_, known: Mapping[str, object] | None,
             file_hint: str = "countries.yaml") -> str | None:
        if isinstance(value, bool):
            self.fail(path, "not a country code: YAML read a bare NO (Norway) as false; write 'NO'")
        elif not isinstance(value, str) or not _CODE.fullmatch(value):
            self.fail(path, f"{value!r} is not a country code (ISO 3166-1 alpha-2, e.g. ML)")
        elif known is not None and value not in known:
            self.fail(path, f"unknown country code {value!r} (not in {file_hint})")
        else:
            return value
        return None

    def lang_lists(self, value: Any, path: Path_, required: bool = False) -> dict[str, list[str]]:
        """{lang: [text, ...]} with known languages and non-empty strings."""
        out: dict[str, list[str]] = {}
        for lang, items in self.mapping(value, path, "language -> list of names").items():
            where = path + (lang,)
            if lang not in LANGS:
                self.fail(where, f"unknown language (allowed: {', '.join(LANGS)})")
                continue
            if not isinstance(items, list):
                self.fail(where, "must be a list of names")
                continue
            good = []
            for i, item in enumerate(items):
                if isinstance(item, str) and item.strip():
                    good.append(item.strip())
                else:
                    self.fail(where + (i,), "must be non-empty text")
            if good:
                out[lang] = good
        if required and not out and value is not None:
            self.fail(path, "needs at least one name")
        elif required and value is None:
            self.fail(path, "required key is missing")
        return out

    def reasons(self, value: Any, path: Path_, known: set[str]) -> dict[str, str]:
        out = {}
        for name, reason in self.mapping(value, path, "name -> reason").items():
            if not isinstance(reason, str) or not reason.strip():
                self.fail(path + (name,), "the reason must be text")
            elif name not in known:
                self.fail(path + (name,), "not one of this entry's names")
            else:
                out[name] = reason
        return out

    def claim(self, owners: _Owners, lang: str, name: str, owner: str, path: Path_, what: str) -> None:
        """Each (language, name) belongs to one owner; a second claimant is an error."""
        key = (lang, name.casefold())
        first = owners.setdefault(key, (owner, path))
        if first[0] != owner:
            line = self._lines.line(_raw_path(self._lines, first[1]))
            self.fail(path, f"{name!r} ({lang}) is already a name of {first[0]} (line {line}); "
                            f"a name belongs to one {what}")

    # --- files ---------------------------------------------------------------------------
    def countries(self, data: Any, lines: LineMap) -> dict[str, Country]:
        self._lines = lines
        out: dict[str, Country] = {}
        owners: _Owners = {}
        for code, entry in self.mapping(data, (), "country code -> entry").items():
            path = (code,)
            if self.code(code, path, None) is None:
                continue
            entry = self.mapping(entry, path, "country fields")
            self.keys(entry, path, ("name", "capital", "m49", "names", "demonyms", "ambiguous"))
            names = self.lang_lists(entry.get("names"), path + ("names",), required=True)
            demonyms = self.lang_lists(entry.get("demonyms"), path + ("demonyms",))
            m49 = self.mapping(entry.get("m49"), path + ("m49",), "M49 levels")
            for level, label in m49.items():
                if level not in _M49_LEVELS or not isinstance(label, str):
                    self.fail(path + ("m49", level), f"M49 levels are {', '.join(_M49_LEVELS)}, as text")
            for kind, lists in (("names", names), ("demonyms", demonyms)):
                for lang, items in lists.items():
                    for i, n in enumerate(items):
                        self.claim(owners, lang, n, code, path + (kind, lang, i), "country")
            known = {n for lists in (names, demonyms) for items in lists.values() for n in items}
            out[code] = Country(
                code=code, name=self.text(entry, "name", path) or code,
                capital=self.text(entry, "capital", path, required=False), m49=dict(m49),
                names=names, demonyms=demonyms,
                ambiguous=self.reasons(entry.get("ambiguous"), path + ("ambiguous",), known))
        if not out and not self.issues:
            self.fail((), "no countries (the file is generated by tools/build_gazetteer.py)")
        self.country_names = {key: owner for key, (owner, _) in owners.items()}
        return out

    def regions(self, data: Any, lines: LineMap, countries: dict[str, Country]) -> dict[str, Region]:
        self._lines = lines
        m49 = _m49_members(countries)
        out: dict[str, Region] = {}
        owners: _Owners = {}
        m49_names: dict[str, tuple[str, dict[str, list[str]], dict[str, str]]] = {}
        for slug, entry in self.mapping(data, (), "region slug -> entry").items():
            path = (slug,)
            if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
                self.fail(path, "a region slug is lowercase letters, digits and hyphens")
                continue
            entry = self.mapping(entry, path, "region fields")
            self.keys(entry, path, ("name", "names", "countries", "ambiguous"))
            name = self.text(entry, "name", path) or slug
            names = self.lang_lists(entry.get("names"), path + ("names",))
            for lang, items in names.items():
                for i, n in enumerate(items):
                    where = path + ("names", lang, i)
                    if (lang, n.casefold()) in self.country_names:
                        self.fail(where, f"{n!r} ({lang}) is a name of the country "
                                         f"{self.country_names[(lang, n.casefold())]}")
                    self.claim(owners, lang, n, slug, where, "region")
            ambiguous = self.reasons(entry.get("ambiguous"), path + ("ambiguous",),
                                     {n for items in names.values() for n in items})
            if "countries" not in entry:
                if slug not in m49:
                    self.fail(path, "required key `countries` is missing (only UN M49 regions such "
                                    "as 'africa' may leave it out)")
                else:
                    m49_names[slug] = (name, names, ambiguous)
                continue
            members = self.members(entry["countries"], path + ("countries",), countries)
            out[slug] = Region(slug, name, names, frozenset(members), "named", ambiguous)
        for slug, (label, members) in m49.items():
            if slug in out:
                continue  # a named region replaces the M49 region of that slug
            name, known, ambiguous = m49_names.get(slug, (label, None, {}))
            if known is None:
                free = all(("en", label.casefold()) not in d for d in (self.country_names, owners))
                known = {"en": [label]} if free else {}
            out[slug] = Region(slug, name, known, frozenset(members), "m49", ambiguous)
        return out

    def members(self, value: Any, path: Path_, countries: Mapping[str, Country]) -> list[str]:
        if not isinstance(value, list):
            self.fail(path, "must be a list of country codes")
            return []
        seen: list[str] = []
        for i, code in enumerate(value):
            if self.code(code, path + (i,), countries) is not None:
                if code in seen:
                    self.fail(path + (i,), f"{code} is listed twice")
                seen.append(code)
        return seen

    def actors(self, data: Any, lines: LineMap, countries: Mapping[str, Country]) -> tuple[list[Actor], RolePatterns]:
        self._lines = lines
        data = self.mapping(data, (), "actors, role_patterns, roles_for_titles")
        self.keys(data, (), ("actors", "role_patterns", "roles_for_titles"))
        out: list[Actor] = []
        ids: set[str | None] = set()
        owners: _Owners = {}
        entries = data.get("actors")
        if not isinstance(entries, list):
            self.fail(("actors",), "must be a list of actors")
            entries = []
        for i, entry in enumerate(entries):
            path = ("actors", i)
            entry = self.mapping(entry, path, "actor fields")
            self.keys(entry, path, ("id", "name", "nationality", "role", "title", "names"))
            actor_id = self.text(entry, "id", path)
            if actor_id and (not _SLUG.fullmatch(actor_id) or actor_id in ids):
                self.fail(path + ("id",), "ids are unique slugs (lowercase letters, digits, hyphens)")
            ids.add(actor_id)
            role = entry.get("role")
            if role not in ROLES:
                self.fail(path + ("role",), f"unknown role (allowed: {', '.join(ROLES)})")
            if entry.get("nationality") is None:
                nationality = None   # an armed group of no one state (JNIM, the Islamic State); no one else
                if role != "militia":
                    self.fail(path, "required key `nationality` is missing (only an armed group, role militia, "
                                    "may have none)")
            else:
                nationality = self.code(entry.get("nationality"), path + ("nationality",), countries)
            names = self.lang_lists(entry.get("names"), path + ("names",), required=True)
            for lang, items in names.items():
                for j, n in enumerate(items):
                    self.claim(owners, lang, n, actor_id or f"actors[{i}]", path + ("names", lang, j),
                               "actor")
            out.append(Actor(id=actor_id or "", name=self.text(entry, "name", path) or "",
                             nationality=nationality or "", role=role if role in ROLES else "",
                             title=self.text(entry, "title", path, required=False), names=names))
        return out, self.role_patterns(data, countries)

    def role_patterns(self, data: dict[Any, Any], countries: Mapping[str, Country]) -> RolePatterns:
        rp = self.mapping(data.get("role_patterns"), ("role_patterns",), "role pattern fields")
        self.keys(rp, ("role_patterns",), ("titles", "patterns", "institutions"))
        titles = self.lang_lists(rp.get("titles"), ("role_patterns", "titles"))
        patterns = self.lang_lists(rp.get("patterns"), ("role_patterns", "patterns"))
        for lang, items in patterns.items():
            for i, pattern in enumerate(items):
                bad = set(_PLACEHOLDER.findall(pattern)) - _PLACEHOLDERS
                if bad:
                    self.fail(("role_patterns", "patterns", lang, i),
                              f"unknown placeholder {min(bad)!r} "
                              f"(allowed: {', '.join(sorted(_PLACEHOLDERS))})")
        institutions: dict[str, dict[str, list[str]]] = {}
        where = ("role_patterns", "institutions")
        for code, lists in self.mapping(rp.get("institutions"), where, "country -> names").items():
            if self.code(code, where + (code,), countries) is not None:
                institutions[code] = self.lang_lists(lists, where + (code,))
        known_titles = {t.casefold() for items in titles.values() for t in items}
        roles_for_titles: dict[str, str] = {}
        for title, role in self.mapping(data.get("roles_for_titles"), ("roles_for_titles",),
                                        "title -> role").items():
            if role not in ROLES:
                self.fail(("roles_for_titles", title), f"unknown role (allowed: {', '.join(ROLES)})")
            elif str(title).casefold() not in known_titles:
                self.fail(("roles_for_titles", title), "not one of role_patterns.titles")
            else:
                roles_for_titles[title] = role
        return {"titles": titles, "patterns": patterns, "institutions": institutions,
                "roles_for_titles": roles_for_titles}

    def topics(self, data: Any, lines: LineMap) -> tuple[list[Topic], Modality]:
        self._lines = lines
        data = dict(self.mapping(data, (), "topic slug -> entry"))
        modality: Modality = {}
        for kind, cues in self.mapping(data.pop("modality", None), ("modality",),
                                       "kind -> language -> cues").items():
            modality[kind] = self.lang_lists(cues, ("modality", kind), required=True)
        events: Modality = {}
        for kind, cues in self.mapping(data.pop("events", None), ("events",), "event type -> language -> cues").items():
            if kind not in EVENT_TYPES:
                hint = did_you_mean(str(kind), EVENT_TYPES)
                self.fail(("events", kind), f"unknown event type ({hint + ' ' if hint else ''}"
                                            f"allowed: {', '.join(EVENT_TYPES)})")
                continue
            events[kind] = self.lang_lists(cues, ("events", kind), required=True)
        self.events = events   # load_tables takes them: Tables.event_cues
        groups: Modality = {}
        for role, nouns in self.mapping(data.pop("event_groups", None), ("event_groups",),
                                        "role -> language -> group nouns").items():
            if role not in GROUP_ROLES:
                hint = did_you_mean(str(role), GROUP_ROLES)
                self.fail(("event_groups", role), f"unknown group role ({hint + ' ' if hint else ''}"
                                                  f"allowed: {', '.join(GROUP_ROLES)})")
                continue
            groups[role] = self.lang_lists(nouns, ("event_groups", role), required=True)
        self.event_groups = groups   # Tables.event_groups
        lookalikes = data.pop("event_lookalikes", None)
        self.event_lookalikes = self.lang_lists(lookalikes, ("event_lookalikes",)) if lookalikes is not None else {}
        out: list[Topic] = []
        self.topic_tree(data, (), "", out)
        return out, modality

    def topic_tree(self, entries: dict[Any, Any], path: Path_, prefix: str, out: list[Topic]) -> None:
        for slug, entry in entries.items():
            where = path + (slug,)
            if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
                self.fail(where, "a topic slug is lowercase letters, digits and hyphens")
                continue
            entry = self.mapping(entry, where, "topic fields")
            self.keys(entry, where, ("name", "terms", "subtopics"))
            subtopics = self.mapping(entry.get("subtopics"), where + ("subtopics",), "subtopics")
            terms = self.lang_lists(entry.get("terms"), where + ("terms",), required=not subtopics)
            topic_path = f"{prefix}{slug}"
            out.append(Topic(topic_path, self.text(entry, "name", where) or slug, terms))
            self.topic_tree(subtopics, where + ("subtopics",), topic_path + "/", out)


def _m49_members(countries: dict[str, Country]) -> dict[str, tuple[str, list[str]]]:
    """M49 slug -> (label, member codes), in hierarchy order (region, subregion, intermediate)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for level in _M49_LEVELS:
        for code, country in countries.items():
            label = country.m49.get(level)
            if isinstance(label, str) and label:
                out.setdefault(_slugify(label), (label, []))[1].append(code)
    return out


def _slugify(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _raw_path(lines: LineMap, path: Path_) -> Path_:
    """A data path as the LineMap knows it: keys YAML converted (a bare NO became False) are
    mapped back to the text written in the file."""
    out: Path_ = ()
    for part in path:
        if isinstance(part, str) or (isinstance(part, int) and not isinstance(part, bool)):
            out += (part,)
            continue
        written = [p[-1] for p in lines.lines if len(p) == len(out) + 1 and p[:-1] == out
                   and isinstance(p[-1], str) and yaml.safe_load(p[-1]) == part]
        out += (written[0] if written else str(part),)
    return out
