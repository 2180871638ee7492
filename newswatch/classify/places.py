"""From name hits to places: the ambiguity rules, then what the item is about.

The rules, each applied on purpose (see README "Classification"):

1. Proper nouns are capitalised. A Latin or Cyrillic city name, a country
   name and an English demonym count only when the text capitalises them:
   "nice", "mobile", "reading" and «мали» (as in a verb's ending) never tag a
   place; «Мали» does.
2. A name followed by another capitalised word is part of a longer name
   ("Jordan Peterson", "Chad Smith", "Paris Saint-Germain", "Kyiv Independent"),
   unless that word is a place noun ("City", "Province", "Airport") or a place
   itself. Names that are also first names or surnames (Jordan, Chad, Georgia,
   US states like Virginia, Indiana) are dropped after a capitalised word too
   ("Michael Jordan", "George Washington"). Title-case headlines skip both tests.
3. Phrases settle names before their parts match (longest match wins):
   "Niger Delta" and "Niger State" are Nigeria, "Lake Chad" is Chad, "Jordan
   River" and "Niger River" are no country at all.
4. "Georgia" is the US state when the item has US context (a US state, US
   city or the US named) and no Georgian context (Tbilisi, the Caucasus);
   otherwise the country.
5. Small places and word-like names need company: a city under 100,000
   people counts only when its country is named in the same sentence; a city name that is also a common word (config/wordlike-city-names.tsv:
   Nice, Reading, Mobile, Man, Praia, and alternate names like "Hamas" for Hamm),
   counts only when its country is named elsewhere in the item. A city's
   Latin-script alternate names are trusted only for capitals and cities of
   500,000 or more ("Google" is a GeoNames alternate name of Topeka).
7. Country names the tables mark `ambiguous` (config/countries.yaml): "case-sensitive"
   ones match only in their own case ("US" not "us"; «Мали» not «мали»); the others
   (Chad, Jordan, Niger, Turkey, Arabic «مالي» "financial") count only when the item
   names the country another way too (a city, a demonym, an unambiguous name),
   names one of its listed officials, names a neighbour (same UN M49 region:
   "Niger, Mali and Burkina Faso", "Israel and Jordan"), or puts a locative
   preposition before it ("in Chad", «إلى مالي» "to Mali").
6. A city name shared by several countries (Tripoli, Hyderabad, Alexandria)
   goes to the country otherwise named in the item, else to the largest city.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from newswatch.classify.model import Mention

SMALL_CITY = 100_000
TRUSTED_ALIAS_CITY = 500_000
COMMON_WORD_CITIES = frozenset({"nice", "reading", "mobile", "split", "bath", "university", "mission", "independence",
                                "liberty", "enterprise", "hope", "orange", "sale", "deal", "march", "wedding", "price",
                                "bend", "laurel", "florence", "victoria", "marion", "aurora", "paradise", "bristol"})
PERSONISH = frozenset({"jordan", "chad", "чад", "georgia", "virginia", "indiana", "washington", "carolina", "montana",
                       "florence", "victoria", "santiago", "israel", "india", "kenya", "china"})
PLACE_NOUNS = frozenset({"city", "province", "region", "state", "oblast", "county", "governorate", "district",
                         "airport", "international", "port", "island", "islands", "prefecture", "capital"})
NAME_PREFIXES = frozenset({"north", "south", "east", "west", "northern", "southern", "eastern", "western",
                           "central", "greater", "old", "new", "downtown", "upper", "lower", "occupied", "in",
                           "from", "to", "at", "near", "outside", "capital", "city"})
GEORGIA_COUNTRY_CONTEXT = ("tbilisi", "caucasus", "abkhazia", "south ossetia", "georgian dream", "kobakhidze")
_NEXT_WORD = re.compile(r"[ \t]+([^\s]+)")


@dataclass
class Candidate:
    """A place-like hit before the rules decide: one hit, maybe several readings."""

    field: str
    start: int
    end: int
    surface: str
    sentence: int
    readings: list[tuple]   # payloads (kind, value, entry, lang)
    proclitic: str = ""     # Arabic proclitic before the name (« ب », « ل » are "in", "to")


def is_title_case(text: str) -> bool:
    words = [w for w in text.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.7


def _capitalised(surface: str) -> bool:
    first = surface[0]
    return not first.isalpha() or not (first.isupper() or first.islower()) or first.isupper()


def _next_word(text: str, end: int) -> str:
    m = _NEXT_WORD.match(text, end)
    return m.group(1) if m else ""


def _prev_word(text: str, start: int) -> str:
    """The word before `start` when only spaces or tabs separate them (a backward scan: a regex
    search from the start of the text would make this quadratic in the text's length)."""
    end = start
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    if end == start:
        return ""
    begin = end
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end]


def part_of_longer_name(text: str, start: int, end: int, surface: str, hit_starts: set[int],
                        title_case: bool, any_prev: bool) -> bool:
    """Rule 2: "Jordan Peterson", "Michael Jordan", "Paris Saint-Germain", "African Union"."""
    if title_case or not surface[:1].isalpha() or not ("A" <= surface[0] <= "Z" or "À" <= surface[0] <= "Þ"
                                                        or "А" <= surface[0] <= "Я"):
        return False
    nxt = _next_word(text, end)
    following_at = end + (len(text[end:]) - len(text[end:].lstrip(" \t")))
    if nxt[:1].isupper() and nxt.rstrip(".,;:!?'’s").lower() not in PLACE_NOUNS and following_at not in hit_starts:
        return True
    if any_prev or surface.lower() in PERSONISH:
        prev = _prev_word(text, start)
        prev_at = start - len(prev) - 1
        if (prev[:1].isupper() and prev[-1:].isalpha() and prev_at not in hit_starts and prev_at > 0
                and prev.lower() not in NAME_PREFIXES and not _sentence_start(text, prev_at)):
            return True
    return False


LOCATIVES = frozenset({"in", "to", "into", "visit", "visited", "visits", "visiting", "au", "à", "a", "en", "vers",
                       "в", "во", "из", "إلى", "الى", "في", "من"})


def _after_locative(text: str, start: int, proclitic: str = "") -> bool:
    """"in Chad", « au Tchad », «в Чад», «إلى مالي», «لمالي»: a place, whatever else the word means."""
    if proclitic and proclitic[-1] in "بل":
        return True
    return _prev_word(text, start - len(proclitic)).lower() in LOCATIVES


def _latin(name: str) -> bool:
    return all(ch < "\u0250" for ch in name if ch.isalpha())


def _in_domain_name(text: str, end: int) -> bool:
    """"Boston.com", "Japantoday.com": a site's name, not the place."""
    return text[end:end + 1] == "." and text[end + 1:end + 2].isalpha() and text[end + 1:end + 2].islower()


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?:;\"'“”«»—–-(\n"


class PlaceResolver:
    def __init__(self, tables, wordlike: set[tuple[str, str]] | None = None):
        self.tables = tables
        self.cities = {str(c.geonameid): c for c in tables.cities}
        self.wordlike = wordlike or set()   # (geonameid, lowercase name)

    def _city_country(self, ids: list[str], named: set[str]) -> tuple[str, object]:
        cities = [self.cities[i] for i in ids if i in self.cities]
        preferred = [c for c in cities if c.country in named and (c.capital or c.population >= SMALL_CITY)] or cities
        best = max(preferred, key=lambda c: (c.capital, c.population))
        return best.country, best

    def resolve(self, candidates: list[Candidate], texts: dict[str, str],
                clues: set[str] = frozenset()) -> list[Mention]:
        """Apply the rules; return place mentions (country, demonym, city, region, institution).
        `clues`: countries the item points at otherwise (its listed officials' nationalities)."""
        starts = {f: {c.start for c in candidates if c.field == f} for f in texts}
        title_case = {"title": is_title_case(texts.get("title", "")), "text": False}
        kept: list[Candidate] = []
        for cand in candidates:
            cand.readings = [r for r in cand.readings if not (r[0] == "city" and self._weak_alias(r))]
            kinds = {r[0] for r in cand.readings}
            if not kinds or "block" in kinds:
                continue
            needs_caps = any(r[2][:1].isupper() for r in cand.readings if r[0] in ("city", "country", "us-state")) \
                or any(r[0] == "demonym" and r[3] == "en" for r in cand.readings)
            if needs_caps and not _capitalised(cand.surface):
                continue
            cand.readings = [r for r in cand.readings if self._case_ok(r, cand.surface)]
            if not cand.readings:
                continue
            if "institution" in kinds and any(r[2].isupper() for r in cand.readings if r[0] == "institution"):
                if not cand.surface.isupper():  # "ICE", "FBI" only in capitals
                    continue
            if _in_domain_name(texts[cand.field], cand.end):
                continue
            if ("city" in kinds or cand.surface.lower() in PERSONISH) and "institution" not in kinds:
                if part_of_longer_name(texts[cand.field], cand.start, cand.end, cand.surface, starts[cand.field],
                                       title_case[cand.field], any_prev="city" in kinds and "country" not in kinds):
                    continue
            kept.append(cand)
        self.us_context = self._us_context(kept)
        self.texts = texts
        return self._mentions(kept, self._named(kept, clues), texts)

    def _named(self, kept: list[Candidate], clues: set[str]) -> set[str]:
        """Countries the item names without doubt: the company rules 5 and 7 ask for."""
        named = set(clues) | ({"US"} if self.us_context else set())
        for cand in kept:
            for r in cand.readings:
                if r[0] == "demonym" or (r[0] == "country" and not self.needs_clue(r)):
                    named.add(r[1])
        self.in_sentence = defaultdict(set)  # (field, sentence) -> countries named there
        for cand in kept:
            for r in cand.readings:
                if r[0] in ("country", "demonym"):
                    self.in_sentence[(cand.field, cand.sentence)].add(r[1])
                elif r[0] == "us-state":
                    self.in_sentence[(cand.field, cand.sentence)].add("US")
        for cand in kept:
            ids = [r[1] for r in cand.readings if r[0] == "city"]
            if ids and not any(r[0] == "country" for r in cand.readings):
                country, city = self._city_country(ids, named)
                if not self._needs_company(city, cand.surface):
                    named.add(country)
                    self.in_sentence[(cand.field, cand.sentence)].add(country)
        return named

    def _needs_company(self, city, surface: str) -> bool:
        small = not city.capital and city.population < SMALL_CITY
        return small or (str(city.geonameid), surface.lower()) in self.wordlike or surface.lower() in COMMON_WORD_CITIES

    def _weak_alias(self, reading: tuple) -> bool:
        """Latin-script alternate names ("Google" for Topeka, "Summit") are trusted only for big cities and capitals."""
        city = self.cities.get(reading[1])
        if city is None or city.capital or city.population >= TRUSTED_ALIAS_CITY:
            return False
        return reading[2] != city.name and _latin(reading[2])

    def _reason(self, reading: tuple) -> str | None:
        if reading[0] != "country":
            return None
        country = self.tables.countries.get(reading[1])
        return country.ambiguous.get(reading[2]) if country else None

    def _case_ok(self, reading: tuple, surface: str) -> bool:
        """Rule 7, first half: case-sensitive names match only in their own case."""
        reason = self._reason(reading)
        if not reason or not reason.startswith("case-sensitive"):
            return True
        entry = reading[2]
        return surface.isupper() if entry.isupper() else surface[:1].isupper()

    def _has_clue(self, code: str, named: set[str]) -> bool:
        """Named another way, or a neighbour is named: "Niger, Mali and Burkina Faso",
        "Israel and Jordan" (same UN M49 intermediate region or subregion)."""
        if code in named:
            return True
        area = self._area(code)
        return bool(area) and any(self._area(other) == area for other in named if other != code)

    def _area(self, code: str) -> str | None:
        country = self.tables.countries.get(code)
        if country is None:
            return None
        return country.m49.get("intermediate") or country.m49.get("subregion")

    def needs_clue(self, reading: tuple) -> bool:
        reason = self._reason(reading)
        return bool(reason) and not reason.startswith(("case-sensitive", "capital"))

    def _us_context(self, kept: list[Candidate]) -> bool:
        """Is the US named other than by a bare "Georgia"?"""
        for cand in kept:
            kinds = {r[0] for r in cand.readings}
            codes = {r[1] for r in cand.readings if r[0] in ("country", "demonym")}
            if "US" in codes or ("us-state" in kinds and "GE" not in codes):
                return True
            if "city" in kinds and not codes and any(
                    self.cities[r[1]].country == "US" for r in cand.readings if r[0] == "city" and r[1] in self.cities):
                return True
        return False

    def _mentions(self, kept: list[Candidate], named: set[str], texts: dict[str, str]) -> list[Mention]:
        out: list[Mention] = []
        lowered = " ".join(texts.values()).lower()
        georgia_country = any(w in lowered for w in GEORGIA_COUNTRY_CONTEXT)
        for cand in kept:
            by_kind = defaultdict(list)
            for r in cand.readings:
                by_kind[r[0]].append(r)
            if "country" in by_kind or "demonym" in by_kind or "us-state" in by_kind:
                out.extend(self._country_mentions(cand, by_kind, named, georgia_country))
            elif "city" in by_kind and "institution" not in by_kind:
                m = self._city_mention(cand, [r[1] for r in by_kind["city"]], named)
                if m is not None:
                    out.append(m)
            for kind in ("region", "institution"):
                for r in by_kind.get(kind, ()):
                    country = r[1] if kind == "institution" else None
                    out.append(Mention(kind, r[1], cand.field, cand.start, cand.end, cand.surface, r[2],
                                       cand.sentence, country))
        return out

    def _country_mentions(self, cand, by_kind, named, georgia_country) -> list[Mention]:
        readings = by_kind.get("country", []) + by_kind.get("demonym", [])
        if by_kind.get("us-state"):
            if not readings or (self.us_context and not georgia_country):
                r = by_kind["us-state"][0]
                return [Mention("country", "US", cand.field, cand.start, cand.end, cand.surface, r[2],
                                cand.sentence, "US", {"us_state": r[1]})]
        seen, out = set(), []
        if self.us_context and not georgia_country and any(r[1] == "GE" for r in by_kind.get("country", [])):
            readings = [("country", "US", r[2], r[3]) if r[1] == "GE" else r for r in readings]  # « Géorgie » the state
        for kind, code, entry, _lang in readings:
            if code in seen or (kind == "country" and self.needs_clue((kind, code, entry, _lang))
                                and not self._has_clue(code, named)
                                and not _after_locative(self.texts[cand.field], cand.start, cand.proclitic)):
                continue
            seen.add(code)
            out.append(Mention(kind, code, cand.field, cand.start, cand.end, cand.surface, entry, cand.sentence, code))
        return out

    def _city_mention(self, cand, ids: list[str], named: set[str]) -> Mention | None:
        country, city = self._city_country(ids, named)
        small = not city.capital and city.population < SMALL_CITY
        if small and country not in self.in_sentence[(cand.field, cand.sentence)]:
            return None  # "Kadugli, South Kordofan, Sudan": a small place comes with its country
        if self._needs_company(city, cand.surface) and country not in named:
            return None
        return Mention("city", str(city.geonameid), cand.field, cand.start, cand.end, cand.surface, city.name,
                       cand.sentence, country, {"name": city.name, "capital": city.capital,
                                                "population": city.population})
