"""Names that are no venue. A country named as whose someone or something is: "Burkina Faso's President",
"the head of Niger's military regime", "Niger Regime Chief", "President of Mali", « le Président du
Burkina Faso », «глава МИД Мали», «رئيس مالي».

`place` conditions (alerts/rules) and the event extractor (classify/events) skip such mentions, as they skip "his colleague from Mali" (`not_a_venue`): the sentence
"Putin met Burkina Faso's President Traoré in St Petersburg" names Burkina Faso, but nothing happens
there. "Mali's capital", "to Mali", « au Mali », «в Мали», «إلى مالي» stay places.

The office words are the heads of such phrases in en/fr/ru/ar; Russian ones are stems (the noun is
inflected: главой, президента). Words are compared as the classifier normalizes terms
(`normalize_term`: case, accents, Arabic alef and ta marbuta).

And a city or country in "relations between Moscow and Bamako" (`is_relation`): governments, no venue.
"""
from __future__ import annotations

from functools import lru_cache

from newswatch.classify.model import Mention
from newswatch.classify.normalize import normalize_term

OFFICES = frozenset("""
president presidents leader leaders head heads junta regime government minister ministers premier
prime foreign defence defense interior military army authorities officials official ambassador envoy
delegation counterpart chief chiefs ruler rulers spokesman spokeswoman spokesperson embassy parliament
cabinet council security king queen emir sultan prince
président présidente chef chefs dirigeant dirigeants gouvernement ministre ministres junte régime
armée autorités ambassadeur ambassadrice ambassade délégation homologue état étrangères défense
intérieur conseil porte-parole roi reine émir sultan
дел обороны мид
رئيس زعيم حكومه وزير وزيره وزاره خارجيه دفاع قائد رئاسه جيش سفير سفاره وفد برلمان مجلس سلطات نظام ملك امير
سلطان وزراء
""".split())
_OFFICES = frozenset(normalize_term(w) for w in OFFICES)   # "président" -> "president", «خارجية» -> «خارجيه»
RU_STEMS = ("президент", "глав", "лидер", "правительств", "министр", "премьер", "хунт", "режим", "посл",
            "делегац", "руководител", "руководств", "арми", "власт", "спикер", "корол", "султан", "эмир")
_ARTICLES = frozenset({"the", "la", "le", "les", "l'", "l’"})
_OF = frozenset({"of", "du", "de", "des", "d'", "d’"})
_STRIP = "«»\"“”()[]"
ORIGIN_WORDS = frozenset({"from", "из"})   # "his colleague from Mali" names no destination
_AR_PROCLITICS = ("و", "ف")
BETWEEN = frozenset({"between", "entre", "между", "بين"})
LOCATIVE = frozenset({"in", "at", "à", "en", "au", "в", "во", "في"})


def _arabic(word: str) -> bool:
    return "\u0600" <= word[:1] <= "\u06ff"


def _forms(word: str) -> tuple[str, ...]:
    """The word as the classifier normalizes terms (case, accents, Arabic letter forms), without a
    French elision; an Arabic word also without a conjunction (و, ف) and the article (ال) in front
    («والدفاع» -> «دفاع»), but as it is too (the «و» of «وزير» is no conjunction)."""
    word = normalize_term(word.strip(_STRIP))
    if word[:2] in ("l'", "d'") and len(word) > 2:
        word = word[2:]
    if not _arabic(word):
        return (word,)
    forms = [word]
    if word[:1] in _AR_PROCLITICS and len(word) > 3 and _arabic(word[1:]):
        forms.append(word[1:])
    forms += [f[2:] for f in forms if f.startswith("ال") and len(f) > 4]
    return tuple(forms)


def is_relation(text: str, start: int) -> bool:
    """"relations between Moscow and Bamako", « entre Moscou et Bamako », «между Москвой и Бамако»,
    «بين موسكو ودول القارة»: the two capitals stand for their governments; neither is where anything
    happens. A locative right before the name ("talks between them in Bamako") keeps it a place."""
    window = text[max(0, start - 60):start]
    lowered = window.lower()
    if not any(word in lowered for word in BETWEEN):     # the common case, without splitting words
        return False
    words = window.split()[-3:]
    if not words or words[-1].lower() in LOCATIVE or not text[start - 1:start].isspace():
        return False
    return any(w.lower().strip(_STRIP) in BETWEEN for w in words)


@lru_cache(maxsize=8192)
def is_office(word: str) -> bool:
    return any(form in _OFFICES or form.startswith(RU_STEMS) for form in _forms(word))


def not_a_venue(text: str, m: Mention) -> bool:
    """Whether a place mention names no place where anything happens: a capital in "relations between
    Moscow and Bamako"; a country someone comes from ("his colleague from Mali") or whose office is
    meant ("Mali's president"). `place` conditions skip such mentions (MatchContext.is_venue)."""
    if is_relation(text, m.start):
        return True
    if m.kind != "country":
        return False
    before = text[max(0, m.start - 12):m.start].split()
    return bool(before) and before[-1].lower() in ORIGIN_WORDS or is_affiliation(text, m.start, m.end)


def is_affiliation(text: str, start: int, end: int) -> bool:
    """Whether the country named at text[start:end] says whose an office is (see the module doc)."""
    after = text[end:end + 40]
    if after[:2] in ("'s", "’s"):                                   # Niger's military regime
        following = after[2:].split()[:2]
        return bool(following) and after[2:3].isspace() and any(is_office(w) for w in following)
    if after[:1] == " ":              # Niger Regime Chief, Mali junta (in Arabic the office comes first)
        following = after.split()[:1]
        if following and following[0].isalpha() and not _arabic(following[0]) and is_office(following[0]):
            return True
    words = text[max(0, start - 60):start].split()
    while words and words[-1].lower() in _ARTICLES:
        words.pop()
    if words and words[-1].lower() in _OF:                          # President of Mali, Président du Niger
        words.pop()
        while words and words[-1].lower() in _ARTICLES:
            words.pop()
    return bool(words) and text[start - 1:start].isspace() and is_office(words[-1])
