"""The word lists and the text tests behind the place rules of `places.py` (rules 1, 2, 5, 7 and 8).

Every test here looks at a few characters around one hit: none scans the text
from its start, so a rule costs the same wherever the hit is.
"""
from __future__ import annotations

import re

from newswatch.classify.cities import CITY_ALIASES, City

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
# "a visit to Chad Wednesday", "in Jordan January": capitalized, but never the rest of a name
CALENDAR = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may "
                     "june july august september october november december".split())
GEORGIA_COUNTRY_CONTEXT = ("tbilisi", "caucasus", "abkhazia", "south ossetia", "georgian dream", "kobakhidze")
LOCATIVES = frozenset({"in", "to", "into", "visit", "visited", "visits", "visiting", "au", "à", "a", "en", "vers",
                       "в", "во", "из", "إلى", "الى", "في", "من",
                       "دولة", "دوله", "جمهورية", "جمهوريه",   # «دولة مالي»: the state of Mali
                       "حكومة", "حكومه", "شمال", "جنوب", "شرق", "غرب", "وسط", "بوسط", "بشمال", "بجنوب", "بشرق",
                       "بغرب"})   # «حكومة مالي», «في وسط مالي»: the government, the centre of Mali
# The part of a country between a preposition and its name ("in northern Niger", "in the north of Chad", « dans
# le nord du Niger », «на севере Нигера»): the preposition still says a place. "dans" and «на» count after them only.
AREA_BEFORE = frozenset("""
    northern southern eastern western central north-eastern north-western south-eastern south-western northeastern
    northwestern southeastern southwestern far north south east west the of rural
    nord sud est ouest centre nord-est nord-ouest sud-est sud-ouest du de le la l' l’
    севере юге востоке западе центре северо-востоке северо-западе юго-востоке юго-западе
""".split())
_AREA_LOCATIVES = frozenset({"dans", "на"})
# a compass adjective alone says a country's part: "Western Niger, where …", "fighting in eastern Chad"
_COMPASS = frozenset("northern southern eastern western central north-eastern north-western south-eastern "
                     "south-western northeastern northwestern southeastern southwestern".split())
_NEXT_WORD = re.compile(r"[ \t]+([^\s]+)")
_SENTENCE_OPENERS = ".!?:;\"'“”«»—–-(\n"


def small_city(city: City) -> bool:
    """Rule 5: not a capital and under SMALL_CITY people."""
    return not city.capital and city.population < SMALL_CITY


def is_title_case(text: str) -> bool:
    words = [w for w in text.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.7


def capitalised(surface: str) -> bool:
    """Rule 1: the first letter is a capital, or a letter of a script without case, or no letter; or, in a
    phrase that starts with a common noun, a later word is capitalised («по сектору Газа», "lac Tchad")."""
    first = surface[0]
    if not first.isalpha() or not (first.isupper() or first.islower()) or first.isupper():
        return True
    words = surface.split()
    return (len(words) > 1 and words[0].casefold() not in _LOWERCASE_LEADS
            and any(w[:1].isupper() for w in words[1:]))


# Articles and prepositions a place's name may start with in running text: "la Défense" is the ministry
# ("ministre de la Défense"), not the district; «сектору Газа» starts with a noun.
_LOWERCASE_LEADS = frozenset("the a an of in de du des d la le les l el al à au aux en".split())


def next_word(text: str, end: int) -> str:
    m = _NEXT_WORD.match(text, end)
    return m.group(1) if m else ""


def prev_word(text: str, start: int) -> str:
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


def sentence_start(text: str, at: int) -> bool:
    """Nothing but white space before `at`, or a sentence's (or a quote's) opening punctuation."""
    while at > 0 and text[at - 1].isspace():
        at -= 1
    return at == 0 or text[at - 1] in _SENTENCE_OPENERS


def part_of_longer_name(text: str, start: int, end: int, surface: str, hit_starts: set[int],
                        title_case: bool, any_prev: bool) -> bool:
    """Rule 2: "Jordan Peterson", "Michael Jordan", "Paris Saint-Germain", "African Union"."""
    if title_case or not surface[:1].isalpha() or not ("A" <= surface[0] <= "Z" or "À" <= surface[0] <= "Þ"
                                                        or "А" <= surface[0] <= "Я"):
        return False
    nxt = next_word(text, end)
    following_at = end
    while following_at < len(text) and text[following_at] in " \t":
        following_at += 1
    following = nxt.rstrip(".,;:!?'’s").lower()
    if (nxt[:1].isupper() and following not in PLACE_NOUNS and following not in CALENDAR
            and following_at not in hit_starts):
        return True
    return (any_prev or surface.lower() in PERSONISH) and after_first_name(text, start, hit_starts)


def after_first_name(text: str, start: int, hit_starts: set[int]) -> bool:
    """Whether a capitalised word that is no place and opens no sentence stands right before `start`: the
    name is a surname there ("Jesse Jackson", "Michael Jordan")."""
    prev = prev_word(text, start)
    prev_at = start - len(prev) - 1
    return (prev[:1].isupper() and prev[-1:].isalpha() and prev_at not in hit_starts and prev_at > 0
            and prev.lower() not in NAME_PREFIXES and not sentence_start(text, prev_at))


def after_locative(text: str, start: int, proclitic: str = "") -> bool:
    """"in Chad", « au Tchad », «в Чад», «إلى مالي», «لمالي», and with a part of the country between ("in northern
    Niger", « dans l'ouest du Niger », «на севере Нигера») or before it ("Western Niger"): a place, whatever else the
    word means."""
    if proclitic and proclitic[-1] in "بل":
        return True
    at, areas = start - len(proclitic), 0
    while True:
        word = prev_word(text, at)
        lowered = word.lower()
        if lowered in LOCATIVES or (areas and lowered in _AREA_LOCATIVES) or (not areas and lowered in _COMPASS):
            return True
        if lowered[:2] in ("l'", "l’", "d'", "d’"):
            lowered = lowered[2:]   # « dans l'ouest du Niger »
        if not word or lowered not in AREA_BEFORE or areas == 4:
            return False
        areas += 1   # "in northern Niger": the word before the part
        at = text.rindex(word, 0, at)


def latin(name: str) -> bool:
    return all(ch < "\u0250" for ch in name if ch.isalpha())


def weak_alias(alias: str, city: City) -> bool:
    """Rule 5: a Latin-script alternate name ("Google" for Topeka, "Summit") is trusted only for capitals,
    cities of TRUSTED_ALIAS_CITY people or more, and the press's spellings of cities.CITY_ALIASES ("Genève").
    Applied when the index is built and when it is read. (Trusting every spelling a letter away from the
    city's name was tried: the French demonym "russe" became Ruse, Bulgaria's "Russe".)"""
    if alias == city.name or city.capital or city.population >= TRUSTED_ALIAS_CITY or not latin(alias):
        return False
    return alias not in CITY_ALIASES.get(city.geonameid, ())


def in_domain_name(text: str, end: int) -> bool:
    """"Boston.com", "Japantoday.com": a site's name, not the place."""
    return text[end:end + 1] == "." and text[end + 1:end + 2].isalpha() and text[end + 1:end + 2].islower()


MONEY_CAPITAL = frozenset("markets market gains flows flight investment investments spending expenditure controls "
                          "requirements punishment goods stock account injection increase base adequacy ratio".split())


def capital_phrase(text: str, start: int, end: int) -> tuple[int, int] | None:
    """"the Malian capital", « la capitale malienne », «малийской столице», «العاصمة المالية»: a
    demonym at text[start:end] that names its country's capital. The phrase's span, or None."""
    nxt = next_word(text, end)
    if nxt.rstrip(",.;:!?)»\"”").lower() == "capital" or nxt.lower().startswith("столиц"):
        at = text.index(nxt, end)
        if nxt.lower() == "capital" and next_word(text, at + len(nxt)).lower().rstrip(",.;:") in MONEY_CAPITAL:
            return None   # "Malian capital markets"
        return start, at + len(nxt.rstrip(",.;:!?)»\"”"))
    prev = prev_word(text, start).lower()
    if prev == "capitale" or prev.endswith("العاصمة"):
        return text.rindex(prev_word(text, start), 0, start), end
    return None

