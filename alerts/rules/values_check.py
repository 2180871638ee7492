"""Values in rules checked against what they can match: a rule that can never match is an error.

`country: FRA`, `lang: french`, `topic: visits`, `actor: lavrof`, `city: Niamy`, `region: sahl`,
`source: nosuchsource` are well-formed, so the parser (conditions.py) accepts them, but the classifier
never gives those values: the condition would silently never hold. Each value is checked here against
the vocabulary the classifier and the config use, and an unknown one is a config error with its file,
line and key and, when something close is known, "did you mean":

| condition value                  | checked against                                                   |
| -------------------------------- | ----------------------------------------------------------------- |
| country, place.country, nationality, event who.nationality / where.country | the ISO 3166-1 alpha-2 codes of countries.yaml (an alpha-3 code or a country's name suggests its code) |
| region, place.region, event where.region | the named regions of regions.yaml and the UN M49 regions of countries.yaml |
| topic                            | the topic paths of topics.yaml and their segments (visit, diplomacy/visit); one of a topic's words suggests the topic |
| actor name, event who.name       | an actor's id or part of its English name (actors.yaml), or an office ("foreign minister") |
| city, place.name, event where.name | the GeoNames cities of the gazetteer (`classify.min_population`, every capital); place: also country names |
| lang                             | ISO 639-1 codes (an English language name or an alpha-3 code suggests its code) |
| source                           | the config's source ids and source tags                           |

Tables: the classifier's (`classify.tables`), read once per change of their files; cities only when a rule
names one. Every condition is checked, a broken rule's too (`parse_condition`'s `found`).
"""
from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection
from functools import cached_property, lru_cache
from pathlib import Path

from alerts.rules.conditions import Lang, Source
from alerts.rules.events import EventCondition
from alerts.rules.facts import Country, Place, Region
from alerts.rules.node import Condition, Found, Where
from alerts.rules.topic_actor import Actor, Topic, topic_names
from newswatch.classify.tables import Tables
from newswatch.config.yamlconf import ConfigIssue, close_matches

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
VALUE_CUTOFF = 0.75    # difflib ratio for "did you mean" among values ("lavrof" ~ "lavrov": 0.83)


def clause_path(path: str) -> Where:
    """"when.any[0].region" -> ("when", "any", 0, "region") (the key a rule issue is located by)."""
    return tuple(int(index) if index else name for name, index in _PART.findall(path))


def known_regions(tables_dir: Path) -> frozenset[str]:
    return frozenset(_tables(tables_dir).regions)


def _tables(tables_dir: Path) -> Tables:
    files = [tables_dir / name for name in ("countries.yaml", "regions.yaml", "actors.yaml", "topics.yaml")]
    return _load(str(tables_dir), tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files))


@lru_cache(maxsize=4)
def _load(tables_dir: str, _mtimes: tuple[int, ...]) -> Tables:
    from newswatch.classify.tables import load_tables   # the classifier's own loader and checks
    return load_tables(Path(tables_dir), with_cities=False)


def _name_key(name: str) -> int:
    """A casefolded city name as 8 bytes of BLAKE2b: what `_city_names` keeps of it."""
    return int.from_bytes(hashlib.blake2b(name.casefold().encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "big")


@lru_cache(maxsize=2)
def _city_names(min_population: int) -> array[int]:
    """Every name of every city, as the sorted keys of their casefolded forms (`_name_key`).

    Read from the gazetteer one city at a time and kept as 8 bytes a name (1.6 MB for the 200,000
    names of the default gazetteer; the names themselves, with the cities, were 60 MB in every process
    that checks a rule naming a city: `newswatch run`'s parent, its worker and its desk). Two names
    with one key would let a misspelt city pass unnoticed: a chance of about 1 in 10^14 for a name."""
    from newswatch.classify.cities import iter_cities
    return array("Q", sorted({_name_key(n) for city in iter_cities(min_population) for n in (city.name, *city.names)}))


def _known_city(name: str, min_population: int) -> bool:
    keys, key = _city_names(min_population), _name_key(name)
    at = bisect_left(keys, key)
    return at < len(keys) and keys[at] == key


@lru_cache(maxsize=2)
def _city_suggestions(min_population: int) -> dict[str, dict[str, str]]:
    """Display names by their first letter (casefolded), largest city first (a shared name suggests the
    largest): made when a rule names an unknown city, to say which it could mean."""
    from newswatch.classify.cities import iter_cities
    by_initial: dict[str, dict[str, str]] = {}
    for city in sorted(iter_cities(min_population), key=lambda c: (-c.population, c.geonameid)):
        by_initial.setdefault(city.name[:1].casefold(), {}).setdefault(city.name.casefold(), city.name)
    return by_initial


def _mean(suggestions: list[str]) -> str:
    return f"did you mean {' or '.join(suggestions)}?" if suggestions else ""


class Vocabulary:
    """What rule values can match: the classifier's tables, ISO 639-1 and the config's sources.
    Each `<kind>(value)` gives None for a value that can match, else the message saying why not."""

    def __init__(self, tables_dir: Path, min_population: int = 15000, sources: dict[str, set[str]] | None = None,
                 unchecked: Collection[str] = frozenset()):
        self.tables_dir = tables_dir
        self.min_population = min_population
        self.sources = sources or {}          # source id -> its tags
        self.unchecked = set(unchecked)       # ids/tags of sources left out for their own errors

    @cached_property
    def tables(self) -> Tables:
        return _tables(self.tables_dir)

    # --- countries ---------------------------------------------------------------------------------
    @cached_property
    def _country_names(self) -> dict[str, str]:
        """Casefolded name, demonym or display name (any language) -> country code."""
        out: dict[str, str] = {}
        for code, country in self.tables.countries.items():
            out.setdefault(country.name.casefold(), code)
            for lists in (country.names, country.demonyms):
                for items in lists.values():
                    for name in items:
                        out.setdefault(name.casefold(), code)
        return out

    def _country_label(self, code: str) -> str:
        return f"'{code}' ({self.tables.countries[code].name})"

    def country(self, value: str) -> str | None:
        code = value.strip().upper()
        countries = self.tables.countries
        if code in countries:
            return None
        found: list[str] = []
        if len(code) == 3:
            import pycountry
            record = pycountry.countries.get(alpha_3=code)
            if record is not None and record.alpha_2 in countries:
                found = [record.alpha_2]
        if not found and value.strip().casefold() in self._country_names:
            found = [self._country_names[value.strip().casefold()]]
        if not found and len(code) > 2:
            close = close_matches(value.strip(), self._country_names, n=4, cutoff=VALUE_CUTOFF)
            found = list(dict.fromkeys(self._country_names[c.casefold()] for c in close))[:2]
        hint = _mean([self._country_label(c) for c in found]) or \
            "countries are ISO 3166-1 alpha-2 codes of countries.yaml, e.g. ML, NE, FR"
        return f"unknown country code {value!r} ({hint})"

    # --- regions -----------------------------------------------------------------------------------
    def region(self, value: str) -> str | None:
        known = self.tables.regions
        if value in known:
            return None
        close = close_matches(value, sorted(known), n=1)
        return f"unknown region {value!r} ({_mean([repr(c) for c in close]) or 'see config/regions.yaml'})"

    # --- topics ------------------------------------------------------------------------------------
    @cached_property
    def _topic_names(self) -> list[str]:
        return sorted({n for topic in self.tables.topics for n in topic_names(topic.path)})

    @cached_property
    def _topic_words(self) -> dict[str, str]:
        """Casefolded word of a topic (any language) -> the topic's path (the most specific one)."""
        out: dict[str, str] = {}
        for topic in sorted(self.tables.topics, key=lambda t: -t.path.count("/")):
            for terms in topic.terms.values():
                for term in terms:
                    out.setdefault(term.casefold(), topic.path)
        return out

    def topic(self, value: str) -> str | None:
        if value in self._topic_names:
            return None
        close = close_matches(value, self._topic_names, n=2, cutoff=VALUE_CUTOFF)
        owner = self._topic_words.get(value.casefold())
        if close:
            hint = _mean([repr(c) for c in close])
        elif owner is not None:   # a word that signals a topic, not a topic: `topic: summit`
            hint = (f"did you mean {owner!r}? {value!r} is one of its words; to match the word itself, "
                    f"use keywords: {value}")
        else:
            hint = f"topics of topics.yaml: {', '.join(t.path for t in self.tables.topics)}"
        return f"unknown topic {value!r} ({hint})"

    # --- actors ------------------------------------------------------------------------------------
    @cached_property
    def _offices(self) -> list[str]:
        """Titles and institution names (any language), casefolded: how an unlisted official is named."""
        patterns = self.tables.role_patterns
        titles = [t for items in (patterns.get("titles") or {}).values() for t in items]
        institutions = [n for langs in (patterns.get("institutions") or {}).values() if isinstance(langs, dict)
                        for items in langs.values() for n in items]
        return [t.casefold() for t in titles + institutions if isinstance(t, str)]

    @cached_property
    def _actor_names(self) -> dict[str, str]:
        """Casefolded id, name, surname or name in any language -> actor id (for suggestions)."""
        out: dict[str, str] = {}
        for actor in self.tables.actors:
            out.setdefault(actor.id, actor.id)
            for name in [actor.name] + [n for items in actor.names.values() for n in items]:
                out.setdefault(name.casefold(), actor.id)
                out.setdefault(name.split()[-1].casefold(), actor.id)
        return out

    def actor(self, value: str) -> str | None:
        """What `actor: {name}` compares (topic_actor.Actor._take): an actor's id, part of its English
        name, or part of the words that named an unlisted official ("Russian foreign minister")."""
        name = value.casefold()
        actors = self.tables.actors
        if any(name == a.id or name in a.name.casefold() for a in actors) or \
                any(name in office or office in name for office in self._offices):
            return None
        by_id = {a.id: a for a in actors}
        exact = self._actor_names.get(name)
        found = [exact] if exact else list(dict.fromkeys(
            self._actor_names[c] for c in close_matches(name, self._actor_names, n=4, cutoff=VALUE_CUTOFF)))[:2]
        hint = _mean([f"'{i}' ({by_id[i].name})" for i in found])
        if exact or not hint:   # e.g. `actor: Лавров`: a name only the classifier reads, never a rule
            rule = "an actor is named by its id or English name (actors.yaml), or by an office such as " \
                   "'foreign minister'"
            hint = f"{hint} {rule}" if hint else rule
        return f"unknown actor {value!r} ({hint})"

    # --- cities and places -------------------------------------------------------------------------
    def place_name(self, value: str, kind: str | None) -> str | None:
        """`city: X`, `place: {name: X}`: a city of the gazetteer; a country too unless the kind is a city."""
        name = value.casefold()
        countries_too = kind not in ("city", "capital")
        if _known_city(name, self.min_population) or (countries_too and name in self._country_names):
            return None
        pool = list(_city_suggestions(self.min_population).get(name[:1], {}).values())
        close = close_matches(value, pool, n=2, cutoff=0.8)
        if countries_too:
            close += [self.tables.countries[self._country_names[c.casefold()]].name
                      for c in close_matches(value, self._country_names, n=1, cutoff=0.8)]
        what = "city" if not countries_too else "place"
        hint = _mean([repr(c) for c in dict.fromkeys(close)]) or (
            f"not among the gazetteer's cities: GeoNames cities of at least {self.min_population} people "
            "(classify.min_population) and every capital")
        return f"unknown {what} {value!r} ({hint})"

    # --- languages ---------------------------------------------------------------------------------
    @cached_property
    def _languages(self) -> tuple[dict[str, str], dict[str, str]]:
        """ISO 639-1 code -> English name; casefolded English name or alpha-3 code -> ISO 639-1 code."""
        import pycountry
        codes: dict[str, str] = {}
        names: dict[str, str] = {}
        for language in pycountry.languages:
            code = getattr(language, "alpha_2", None)
            if code is None:
                continue
            codes[code] = language.name
            for name in (language.name, getattr(language, "common_name", None), language.alpha_3,
                         getattr(language, "bibliographic", None)):
                if name:
                    names.setdefault(name.casefold(), code)
            names.setdefault(language.name.split(" (")[0].split(";")[0].casefold(), code)
        return codes, names

    def lang(self, value: str) -> str | None:
        codes, names = self._languages
        if value.lower() in codes:
            return None
        found = names.get(value.casefold())
        close = [found] if found else list(dict.fromkeys(
            names[c] for c in close_matches(value, [n for n in names if len(n) > 3], n=2, cutoff=VALUE_CUTOFF)))
        hint = _mean([f"'{c}' ({codes[c]})" for c in close]) or "languages are ISO 639-1 codes, e.g. en, fr, ar, ru"
        return f"unknown language {value!r} ({hint})"

    # --- sources -----------------------------------------------------------------------------------
    def source(self, value: str) -> str | None:
        tags = sorted({t for ts in self.sources.values() for t in ts})
        if value in self.sources or value in tags or value in self.unchecked:
            return None
        hint = _mean([repr(c) for c in close_matches(value, list(self.sources) + tags, n=2)])
        known = (f"allowed: source ids {', '.join(self.sources)}" + (f"; tags {', '.join(tags)}" if tags else "")
                 if self.sources else "no sources are configured")
        return f"unknown source {value!r} ({hint + ' ' if hint else ''}{known})"


def _checks(node: Condition, vocab: Vocabulary) -> list[tuple[str, str, Callable[[str], str | None], list[str]]]:
    """(key under the condition, kind of value, its check, the values) of one condition."""
    if isinstance(node, Country):
        return [("code", "country", vocab.country, getattr(node, "written", node.codes))]
    if isinstance(node, Region):
        return [("", "region", vocab.region, node.slugs)]
    if isinstance(node, Place):
        kind = node.kind
        return [("country", "country", vocab.country, sorted(node.countries or ())),
                ("region", "region", vocab.region, node.regions or []),
                ("name", f"place {kind}", lambda v: vocab.place_name(v, kind), getattr(node, "written", node.names or []))]
    if isinstance(node, Topic):
        return [("name", "topic", vocab.topic, node.names)]
    if isinstance(node, Actor):
        return [("name", "actor", vocab.actor, getattr(node, "written", node.names or [])),
                ("nationality", "country", vocab.country, sorted(node.nationality or ()))]
    if isinstance(node, Lang):
        return [("", "lang", vocab.lang, node.langs)]
    if isinstance(node, Source):
        return [("", "source", vocab.source, node.ids)]
    if isinstance(node, EventCondition):   # its who is an actor's, its where a place's: keys under who. / where.
        parts = [("who", node.who), ("where", node.where)]
        return [(node.written.get(f"{part}.{key}", f"{part}.{key}") if key else part, kind, check, values)
                for part, sub in parts if sub is not None for key, kind, check, values in _checks(sub, vocab)]
    return []


def problems(node: Condition, vocab: Vocabulary, memo: dict[tuple[str, str], str | None] | None = None
             ) -> list[tuple[str, str]]:
    """(key under the condition, message) for every value of `node` that can never match. `memo` keeps the
    answers across conditions (10,000 rules name the same few values)."""
    memo = {} if memo is None else memo
    out: list[tuple[str, str]] = []
    for key, kind, check, values in _checks(node, vocab):
        for value in dict.fromkeys(values):
            if (kind, value) not in memo:
                memo[(kind, value)] = check(value)
            problem = memo[(kind, value)]
            if problem:
                out.append((key, problem))
    return out


def value_issues(conditions: list[Found], vocab: Vocabulary) -> list[ConfigIssue]:
    """The values that can never match, for the (lines, rule path, condition) that the rule files' parse found."""
    issues: list[ConfigIssue] = []
    memo: dict[tuple[str, str], str | None] = {}
    for lines, rule_path, node in conditions:
        where = rule_path + clause_path(node.path)
        for key, message in problems(node, vocab, memo):
            under = tuple(key.split(".")) if key else ()     # "where.region": a key two deep
            located = where + under if under and (where + under) in lines.lines else where
            issues.append(lines.issue(located, message))
    return issues
