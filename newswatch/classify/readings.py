"""What each dictionary term can mean, worked out once per term instead of once per hit.

A hit's payloads are fixed by its term, and most of what the place rules ask of
them ("is one of them a city?", "does a country name need a clue?", "which
countries does it name for sure?") depends on the payloads and the tables
alone. `TermBook` answers those questions the first time a term is seen and
keeps the answer (`TermInfo`, `Readings`), so a hit costs a dict lookup; only
the questions about the text around the hit (its case, its neighbours) are left
to `places.PlaceResolver.resolve`.
"""
from __future__ import annotations

import re
from typing import Callable

from newswatch.classify.automaton import TermIndex
from newswatch.classify.cities import City
from newswatch.classify.model import Payload
from newswatch.classify.place_rules import PERSONISH, weak_alias
from newswatch.classify.tables import Tables

PLACE_KINDS = frozenset({"country", "demonym", "city", "region", "institution", "us-state", "block"})
_EDGE = re.compile(r"([\W_]*)(.*?)([\W_]*)", re.DOTALL)


class Readings:
    """The place readings of a term (payloads `(kind, value, entry, lang)`) and what they imply."""

    __slots__ = ("readings", "kinds", "by_kind", "named", "sentence_codes", "city_ids", "has_country",
                 "us_context", "georgia", "country_readings", "plain", "city", "case_sensitive")

    def __init__(self, readings: tuple[Payload, ...], tables: Tables, cities: dict[str, City],
                 needs_clue: Callable[[Payload], bool], is_case_sensitive: Callable[[Payload], bool]) -> None:
        self.readings = readings
        self.kinds = frozenset(r[0] for r in readings)
        self.by_kind: dict[str, list[Payload]] = {}
        for r in readings:
            self.by_kind.setdefault(r[0], []).append(r)
        codes = {r[1] for r in readings if r[0] in ("country", "demonym")}
        # Countries named without doubt (the company rules 5 and 7 ask for).
        self.named = frozenset(r[1] for r in readings if r[0] in ("country", "demonym") and not needs_clue(r))
        self.sentence_codes = frozenset(codes | ({"US"} if "us-state" in self.kinds else set()))
        # A name that is an institution's is not its city's ("White House" is also an alternate
        # name of Casablanca): such a city names no country, here or in the mentions.
        self.city_ids: list[str] = [] if "institution" in self.kinds else [r[1] for r in readings if r[0] == "city"]
        self.has_country = "country" in self.kinds
        # a US city gives US context only when it is the name's one reading: «موسكو» is Moscow and also an
        # alternate name of Mesquite, Texas, which must not make the item American (and then win rule 6)
        known = [cities[i].country for i in self.city_ids if i in cities]
        self.us_context = "US" in codes or ("us-state" in self.kinds and "GE" not in codes) or (
            not codes and bool(known) and all(country == "US" for country in known))
        self.georgia = "us-state" in self.kinds or any(r[1] == "GE" for r in self.by_kind.get("country", ()))
        # (reading, needs a clue) of its country and demonym readings, in the resolver's order
        self.country_readings = tuple((r, needs_clue(r))
                                      for r in self.by_kind.get("country", []) + self.by_kind.get("demonym", []))
        # (kind, code, entry) of each country named, when no reading needs a clue and none is "Georgia":
        # the mentions, whatever the rest of the item says.
        plain: dict[str, tuple[str, str, str]] = {}
        for r, clue in self.country_readings:
            plain.setdefault(r[1], (r[0], r[1], r[2]))
        self.plain = None if self.georgia or any(clue for _, clue in self.country_readings) else tuple(plain.values())
        # The city a single-city reading resolves to, whatever else the item names.
        self.city = cities.get(self.city_ids[0]) if len(self.city_ids) == 1 else None
        self.case_sensitive = any(is_case_sensitive(r) for r in readings)


class TermInfo:
    """Everything the classifier does with one term, whatever text it is found in."""

    __slots__ = ("has_places", "places", "needs_caps", "upper_institution", "longer_name", "personish",
                 "any_prev", "people", "titles", "others", "more", "edged")

    def __init__(self, has_places: bool, places: Readings | None, needs_caps: bool, upper_institution: bool,
                 longer_name: bool, personish: bool, any_prev: bool, people: tuple[Payload, ...],
                 titles: tuple[Payload, ...], others: tuple[Payload, ...], edged: bool = False) -> None:
        self.has_places = has_places    # it has place payloads: its start counts in rule 2 ("a place follows")
        self.places = places            # None when no reading can ever be kept (none left, or a "block")
        self.needs_caps = needs_caps    # rule 1: dropped unless the text capitalises it
        self.upper_institution = upper_institution  # "ICE", "FBI": only in capitals
        self.longer_name = longer_name  # rule 2 applies (a city, not an institution)
        self.personish = personish      # rule 2 applies when the surface is a first name ("Jordan", "Chad")
        self.any_prev = any_prev        # rule 2 looks at the word before too
        self.people, self.titles, self.others = people, titles, others
        self.more = bool(people or titles or others)  # anything besides places
        self.edged = edged              # the term has punctuation at an end ("u.s."): see TermIndex.locate


class TermBook:
    """`TermInfo` per term id of one index, computed on first sight (a few thousand terms occur in
    practice, against the 150,000 in the automaton: nothing is worked out for the others)."""

    def __init__(self, index: TermIndex[Payload], tables: Tables, cities: dict[str, City]) -> None:
        self.index, self.tables, self.cities = index, tables, cities
        self.known: dict[int, TermInfo] = {}  # read directly by the classifier's loop
        self._readings: dict[tuple[Payload, ...], Readings] = {}

    def get(self, tid: int) -> TermInfo:
        info = self.known.get(tid)
        if info is None:
            info = self.known[tid] = self._info(tid)
        return info

    def readings(self, readings: tuple[Payload, ...]) -> Readings:
        found = self._readings.get(readings)
        if found is None:
            found = self._readings[readings] = Readings(readings, self.tables, self.cities, self.needs_clue,
                                                        self.case_sensitive)
        return found

    def _info(self, tid: int) -> TermInfo:
        payloads = self.index.payloads(tid)
        raw = [p for p in payloads if p[0] in PLACE_KINDS]
        readings = tuple(r for r in raw if not (r[0] == "city" and self.weak_alias(r)))
        kinds = {r[0] for r in readings}
        live = bool(kinds) and "block" not in kinds
        edge = _EDGE.fullmatch(self.index.term(tid))
        assert edge is not None  # the pattern matches every string
        core = edge.group(2)
        return TermInfo(
            has_places=bool(raw), places=self.readings(readings) if live else None,
            needs_caps=any(r[2][:1].isupper() for r in readings if r[0] in ("city", "country", "us-state"))
            or any(r[0] == "demonym" and r[3] == "en" for r in readings),
            upper_institution=any(r[2].isupper() for r in readings if r[0] == "institution"),
            longer_name="institution" not in kinds and "city" in kinds,
            personish="institution" not in kinds and core in PERSONISH,
            any_prev="city" in kinds and "country" not in kinds,
            people=tuple(p for p in payloads if p[0] == "actor"),
            titles=tuple(p for p in payloads if p[0] == "title"),
            others=tuple(p for p in payloads if p[0] in ("topic", "modality")),
            edged=self.index.has_edges(tid))

    def weak_alias(self, reading: Payload) -> bool:
        """A Latin-script alternate name the city is not trusted with (place_rules.weak_alias, rule 5)."""
        city = self.cities.get(reading[1])
        return city is not None and weak_alias(reading[2], city)

    def reason(self, reading: Payload) -> str | None:
        """The `ambiguous` note of a country name or demonym («مالي» is Mali, Malian and "financial"), or of
        a region's name (French «eu» is no "EU"; «الساحل» is also "the coast")."""
        if reading[0] == "region":
            region = self.tables.regions.get(reading[1])
            return region.ambiguous.get(reading[2]) if region else None
        if reading[0] not in ("country", "demonym"):
            return None
        country = self.tables.countries.get(reading[1])
        return country.ambiguous.get(reading[2]) if country else None

    def case_sensitive(self, reading: Payload) -> bool:
        reason = self.reason(reading) or ""
        return bool(reason) and reason.startswith("case-sensitive")

    def not_first(self, reading: Payload) -> bool:
        """A case-sensitive name whose capital says nothing at a sentence's start («Того, кто…»)."""
        return (self.reason(reading) or "").startswith("case-sensitive, not first")

    def needs_clue(self, reading: Payload) -> bool:
        reason = self.reason(reading) or ""
        return bool(reason) and not reason.startswith(("case-sensitive", "capital"))
