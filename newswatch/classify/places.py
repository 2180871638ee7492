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
   River" and "Niger River" are no country at all; "South American" and "Latin
   American" are regions (newswatch/classify/data/regions.yaml), not the United States.
4. "Georgia" is the US state when the item has US context (a US state, a name
   only US cities bear, or the US named) and no Georgian context (Tbilisi, the Caucasus);
   otherwise the country.
5. Small places and word-like names need company: a city under 100,000
   people counts only when its country is named in the same sentence; a city name that is also
   a common word (newswatch/classify/data/wordlike-city-names.tsv: Nice, Reading, Mobile, Man, Praia, and alternate names like "Hamas" for Hamm),
   counts only when its country is named elsewhere in the item. A city's
   Latin-script alternate names are trusted only for capitals and cities of
   500,000 or more ("Google" is a GeoNames alternate name of Topeka), and the
   press's spellings listed in cities.CITY_ALIASES ("Genève"). A name
   that is also an institution's ("White House", an alternate name of
   Casablanca) is the institution only: it names no city and no city's country.
7. Country names, demonyms and region names the tables mark `ambiguous` (newswatch/classify/data/
   countries.yaml, regions.yaml): "case-sensitive" ones match only in their own case ("US" not "us";
   «Мали» not «мали»; "EU" not the French participle «eu»), "case-sensitive, not first" ones not as
   a sentence's first word either, where the capital says nothing («Того, кто…»); a region's other
   ambiguous names (Arabic «الساحل», also "the coast") count only when the item names one of the
   region's countries;
   the others (Chad, Jordan, Niger, Turkey, "Congolese", Arabic and Urdu «مالي» "financial",
   which is also Mali's demonym) count only when the item
   names the country another way too (a city, a demonym, an unambiguous name),
   names one of its listed officials, names a neighbour (same UN M49 region:
   "Niger, Mali and Burkina Faso", "Israel and Jordan"), or puts a locative
   preposition before it ("in Chad", «إلى مالي» "to Mali").
   A country's name that is another country's capital (Arabic «عمان», Oman and Amman) is that capital when
   its country is named and the first is not otherwise (CAPITAL_NAMESAKES).
6. A city name shared by several countries (Tripoli, Hyderabad, Alexandria)
   goes to the country otherwise named in the item, else to the largest city.
8. "The Malian capital" (« la capitale malienne », «малийской столице», «العاصمة
   المالية») names the capital: a city mention of Bamako over the phrase, marked
   `via: demonym`, unless the sentence names the capital itself.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import AbstractSet

from newswatch.classify.cities import City
from newswatch.classify.model import Mention, Payload
from newswatch.classify.place_rules import (COMMON_WORD_CITIES, GEORGIA_COUNTRY_CONTEXT, PERSONISH, SMALL_CITY,
                                            after_first_name, after_locative, capital_phrase, in_domain_name,
                                            is_title_case, part_of_longer_name, prev_word, sentence_start, small_city)
from newswatch.classify.readings import Readings, TermBook, TermInfo
from newswatch.classify.tables import Tables

# A country's name that is another country's capital's name (Arabic «عمان»: Oman, and Amman): when that other
# country is named and the first is not otherwise named (no «سلطنة عمان», «مسقط», «عماني»), it is the capital.
# (country, name as in countries.yaml) -> (the capital's country, its GeoNames id)
CAPITAL_NAMESAKES: dict[tuple[str, str], tuple[str, str]] = {("OM", "عمان"): ("JO", "250441")}

_InSentence = dict[tuple[str, int], set[str]]  # (field, sentence) -> the countries named there


@dataclass(slots=True)
class Candidate:
    """A place-like hit before the rules decide: one hit, maybe several readings."""

    field: str
    start: int
    end: int
    surface: str
    sentence: int
    info: TermInfo          # what its term implies (readings.py)
    readings: Readings      # its place readings: the term's, less those rule 7 drops for their case
    proclitic: str = ""     # Arabic proclitic before the name (« ب », « ل » are "in", "to")


class PlaceResolver:
    def __init__(self, tables: Tables, wordlike: set[tuple[str, str]] | None, book: TermBook) -> None:
        self.tables = tables
        self.book = book
        self.cities = book.cities   # geonameid (str) -> City
        self.wordlike = wordlike or set()   # (geonameid, lowercase name)
        self._areas = {code: c.m49.get("intermediate") or c.m49.get("subregion")
                       for code, c in tables.countries.items()}
        self.capitals: dict[str, City] = {}   # country -> its (largest) capital city
        for city in sorted((c for c in self.cities.values() if c.capital), key=lambda c: c.population):
            self.capitals[city.country] = city

    def resolve(self, candidates: list[Candidate], texts: dict[str, str], starts: dict[str, set[int]],
                clues: AbstractSet[str] = frozenset()) -> list[Mention]:
        """Apply the rules; return place mentions (country, demonym, city, region, institution).
        `candidates` already passed the tests that depend on their term alone (rule 1's capital
        letter among them); `starts`: where each field's place hits start, kept or not (rule 2).
        `clues`: countries the item points at otherwise (its listed officials' nationalities)."""
        title_case = None
        kept: list[Candidate] = []
        surnames: set[str] = set()   # city names the item uses as a person's surname ("Jesse Jackson")
        for cand in candidates:
            surface, info = cand.surface, cand.info
            if cand.readings.case_sensitive:
                readings = tuple(r for r in cand.readings.readings if self._case_ok(r, surface)
                                 and not (self.book.not_first(r) and sentence_start(texts[cand.field], cand.start)))
                if not readings:
                    continue
                if len(readings) != len(cand.readings.readings):
                    cand.readings = self.book.readings(readings)
            if info.upper_institution and not surface.isupper():
                continue  # "ICE", "FBI" only in capitals
            text = texts[cand.field]
            if text.startswith(".", cand.end) and in_domain_name(text, cand.end):
                continue
            if info.longer_name or (info.personish and surface.lower() in PERSONISH):
                if title_case is None:
                    title_case = is_title_case(texts.get("title", ""))
                if part_of_longer_name(text, cand.start, cand.end, surface, starts[cand.field],
                                       title_case and cand.field == "title", info.any_prev):
                    if info.any_prev and prev_word(text, cand.start).isalpha() and after_first_name(
                            text, cand.start, starts[cand.field]):   # "Jesse Jackson", not "Berlinale's Gaza"
                        surnames.add(surface.casefold())
                    continue
            kept.append(cand)
        if surnames:   # the same person named again alone: "… memories of Jackson, a leader of …"
            kept = [c for c in kept if not (c.info.any_prev and c.surface.casefold() in surnames
                                            and not after_locative(texts[c.field], c.start, c.proclitic))]
        us_context = any(self._us_context(cand) for cand in kept)  # the US named other than by "Georgia"
        named, in_sentence = self._named(kept, clues, us_context)
        return self._mentions(kept, named, in_sentence, us_context, texts)

    def _named(self, kept: list[Candidate], clues: AbstractSet[str],
               us_context: bool) -> tuple[set[str], _InSentence]:
        """Countries the item names without doubt (the company rules 5 and 7 ask for), and the
        countries named in each (field, sentence)."""
        named = set(clues) | ({"US"} if us_context else set())
        for cand in kept:
            named |= cand.readings.named
        in_sentence: _InSentence = defaultdict(set)
        for cand in kept:
            if cand.readings.sentence_codes:
                in_sentence[(cand.field, cand.sentence)] |= cand.readings.sentence_codes
        for cand in kept:
            if cand.readings.city_ids and not cand.readings.has_country:
                country, city = self._city_country(cand.readings, named)
                if not self._needs_company(city, cand.surface, cand.readings):
                    named.add(country)
                    in_sentence[(cand.field, cand.sentence)].add(country)
        return named, in_sentence

    def _us_context(self, cand: Candidate) -> bool:
        """Whether the hit names the US (rule 4's US context): the country, a state, or a name only US cities
        bear, unless every such city needs company (rule 5): «كورونا» (coronavirus) is also Corona, California,
        and must not make the item American, and so be its own company."""
        readings = cand.readings
        if not readings.us_context:
            return False
        if readings.sentence_codes:
            return True
        cities = [self.cities[i] for i in readings.city_ids if i in self.cities]
        return not cities or any(not self._needs_company(city, cand.surface, readings) for city in cities)

    def _city_country(self, readings: Readings, named: set[str]) -> tuple[str, City]:
        if readings.city is not None:
            return readings.city.country, readings.city
        cities = [self.cities[i] for i in readings.city_ids if i in self.cities]
        preferred = [c for c in cities if c.country in named and (c.capital or c.population >= SMALL_CITY)] or cities
        best = max(preferred, key=lambda c: (c.capital, c.population))
        return best.country, best

    def _needs_company(self, city: City, surface: str, readings: Readings) -> bool:
        if small_city(city):
            return True
        gid, lowered = str(city.geonameid), surface.lower()
        if (gid, lowered) in self.wordlike or lowered in COMMON_WORD_CITIES:
            return True
        # the table's spelling too: the text's «دولة» (state) is GeoNames' «دوله» (Dhule) once normalized
        return any((gid, r[2].lower()) in self.wordlike for r in readings.by_kind.get("city", ()) if r[1] == gid)

    def _case_ok(self, reading: Payload, surface: str) -> bool:
        """Rule 7, first half: case-sensitive names match only in their own case."""
        if not self.book.case_sensitive(reading):
            return True
        entry = reading[2]
        return surface.isupper() if entry.isupper() else surface[:1].isupper()

    def _region_ok(self, reading: Payload, named: set[str]) -> bool:
        """Rule 7 for a region's name marked ambiguous and not for its case («الساحل» is also "the coast",
        as in «الساحل السوري»): it counts only when the item names one of the region's countries."""
        if not self.book.needs_clue(reading):
            return True
        region = self.tables.regions.get(reading[1])
        return region is not None and not region.countries.isdisjoint(named)

    def _has_clue(self, code: str, named: set[str]) -> bool:
        """Named another way, or a neighbour is named: "Niger, Mali and Burkina Faso",
        "Israel and Jordan" (same UN M49 intermediate region or subregion)."""
        if code in named:
            return True
        area = self._areas.get(code)
        return bool(area) and any(self._areas.get(other) == area for other in named if other != code)

    def _mentions(self, kept: list[Candidate], named: set[str], in_sentence: _InSentence, us_context: bool,
                  texts: dict[str, str]) -> list[Mention]:
        out: list[Mention] = []
        georgia_country = None  # rule 4: looked for only when a "Georgia" is there
        for cand in kept:
            by_kind = cand.readings.by_kind
            if cand.readings.plain:
                for kind, code, entry in cand.readings.plain:
                    out.append(Mention(kind, code, cand.field, cand.start, cand.end, cand.surface, entry,
                                       cand.sentence, code))
            elif cand.readings.country_readings or "us-state" in by_kind:
                if georgia_country is None and cand.readings.georgia:
                    lowered = " ".join(texts.values()).lower()
                    georgia_country = any(w in lowered for w in GEORGIA_COUNTRY_CONTEXT)
                out.extend(self._country_mentions(cand, named, us_context and not georgia_country, texts))
            elif "city" in by_kind and "institution" not in by_kind:
                m = self._city_mention(cand, named, in_sentence)
                if m is not None:
                    out.append(m)
            for kind in ("region", "institution"):
                for r in by_kind.get(kind, ()):
                    if kind == "region" and not self._region_ok(r, named):
                        continue
                    country = r[1] if kind == "institution" else None
                    out.append(Mention(kind, r[1], cand.field, cand.start, cand.end, cand.surface, r[2],
                                       cand.sentence, country))
        return out + self._capitals_by_demonym(out, texts)

    def _capitals_by_demonym(self, mentions: list[Mention], texts: dict[str, str]) -> list[Mention]:
        """Rule 8: "the Malian capital" (« la capitale malienne », «малийской столице», «العاصمة
        المالية») names the capital city: a city mention of Bamako over the whole phrase, unless the
        sentence names Bamako itself."""
        out = []
        named = {(m.value, m.field, m.sentence) for m in mentions if m.kind == "city"}
        for m in mentions:
            if m.kind != "demonym" or m.country not in self.capitals:
                continue
            city = self.capitals[m.country]
            if (str(city.geonameid), m.field, m.sentence) in named:
                continue   # "the Malian capital Bamako": the name says it already
            span = capital_phrase(texts[m.field], m.start, m.end)
            if span is not None:
                text = texts[m.field][span[0]:span[1]]
                out.append(Mention("city", str(city.geonameid), m.field, span[0], span[1], text, city.name,
                                   m.sentence, m.country, {"name": city.name, "capital": True,
                                                          "population": city.population, "via": "demonym"}))
        return out

    def _also_the_state(self, reading: Payload) -> bool:
        """A name of the country Georgia that is also the US state's ("Georgia", « Géorgie », «جورجيا»; not
        Russian «Грузия», which the state never is: countries.yaml says which)."""
        return reading[1] == "GE" and "US state" in (self.book.reason(reading) or "")

    def _country_mentions(self, cand: Candidate, named: set[str], us_georgia: bool,
                          texts: dict[str, str]) -> list[Mention]:
        """`us_georgia`: the item names the US and nothing of the country Georgia."""
        readings = cand.readings
        states = readings.by_kind.get("us-state")
        if states and (not readings.country_readings or us_georgia):
            r = states[0]
            return [Mention("country", "US", cand.field, cand.start, cand.end, cand.surface, r[2],
                            cand.sentence, "US", {"us_state": r[1]})]
        pairs: Sequence[tuple[Payload, bool]] = readings.country_readings
        if us_georgia and readings.georgia and any(map(self._also_the_state, readings.by_kind.get("country", ()))):
            swapped: list[tuple[Payload, bool | None]] = [
                (("country", "US", r[2], r[3]), None) if self._also_the_state(r) else (r, clue) for r, clue in pairs]
            pairs = [(r, self.book.needs_clue(r) if clue is None else clue) for r, clue in swapped]  # « Géorgie »
        seen, out = set(), []
        for (kind, code, entry, _lang), needs_clue in pairs:
            namesake = CAPITAL_NAMESAKES.get((code, entry))
            if namesake is not None and namesake[0] in named and code not in named and namesake[1] in self.cities:
                city = self.cities[namesake[1]]   # «العاصمة الأردنية عمان»: Amman, not Oman
                return [Mention("city", str(city.geonameid), cand.field, cand.start, cand.end, cand.surface, city.name,
                                cand.sentence, city.country, {"name": city.name, "capital": city.capital,
                                                              "population": city.population})]
            if code in seen or (needs_clue and not self._has_clue(code, named)
                                and not after_locative(texts[cand.field], cand.start, cand.proclitic)):
                continue
            seen.add(code)
            out.append(Mention(kind, code, cand.field, cand.start, cand.end, cand.surface, entry, cand.sentence, code))
        return out

    def _city_mention(self, cand: Candidate, named: set[str], in_sentence: _InSentence) -> Mention | None:
        country, city = self._city_country(cand.readings, named)
        small = small_city(city)
        if small and country not in in_sentence.get((cand.field, cand.sentence), ()):
            return None  # "Kadugli, South Kordofan, Sudan": a small place comes with its country
        if self._needs_company(city, cand.surface, cand.readings) and country not in named:
            return None
        return Mention("city", str(city.geonameid), cand.field, cand.start, cand.end, cand.surface, city.name,
                       cand.sentence, country, {"name": city.name, "capital": city.capital,
                                                "population": city.population})
