"""Where an event is: the places of one sentence, each read once, and their role in an event.

A place mention of the sentence is read from the words right before it (lexicon.py):

- **marked**: a preposition of place or motion stands before it, perhaps with articles and the part
  of a country between ("to Moscow", «в Москву», «إلى مالي», «بباماكو», "in northern Mali",
  « dans le nord du Burkina Faso », «بوسط مالي»); `origin` when the words say where someone came
  from ("from Bamako", «из Бамако», «قادما من باماكو»);
- **heading**: the sentence opens on it and a colon ("Nigeria: Reps Stage Walk Out");
- **no venue**: a country or city that says whose an office is ("Mali's president", « le président du
  Mali », «رئيس مالي»: affiliation.py), "Moscow's top diplomat", "relations between Moscow and Bamako",
  or a name inside a title that no preposition marks.

Visits go somewhere: every place that is a venue is a `destination` unless marked as the origin.
Other events happen somewhere: a place is their `location`. Beside talks, an agreement, sanctions, an
attack or an arrest, a country only when it is marked, a heading or written against the event's noun
("the Bamako talks", «اجتماع واغادوغو»): an unmarked country there is no place but a party to it ("Mali and France signed", "talks
with the US", "sanctions against Russia", «Евросоюз … санкций против России»): who.py takes those as
participants.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch.classify.affiliation import is_affiliation, is_relation
from newswatch.classify.events.lexicon import AREA, HEADING, MOTION_TYPES, ORIGIN, TOWARDS
from newswatch.classify.events.words import QUALIFIERS, hyphened_onto
from newswatch.classify.events.words import words as words_of
from newswatch.classify.model import EventPlace, Mention, Participant

PLACE_KINDS = ("city", "country", "region")
PEOPLE_KINDS = ("actor", "role")
# Events a state takes part in: beside them an unmarked country is a party ("Mali and France signed",
# "US kills 11 people in three strikes", "France arrests nine"); beside the others (a visit, a coup,
# an election, a protest, a death) it is where they are ("Le Mali … depuis le coup d'Etat").
STATE_ACTS = frozenset({"talks", "agreement", "sanction", "attack", "arrest"})
_WORD = re.compile(r"[\w'’-]+")
_ACROSS = re.compile(r"[,;:.،؛]")
_DATELINE = re.compile(r"^\s*[^\W\d_][^,(—–\n]{0,40}?\s*[,(—–-]")
_COMPOUND = re.compile(r"[-‑][^\W\d_A-ZÀ-ÞА-Я]")   # a dash joined to a lower-case word
_AR_CONJUNCTIONS = ("و", "ف")
_AR_TOWARDS = ("ب", "ل")   # written onto the noun: «بباماكو» (in Bamako), «لباماكو» (to Bamako)
_WINDOW = 6   # words looked at before a place


def words_before(text: str, start: int, n: int = 4) -> list[str]:
    """The last `n` words before `start`, casefolded."""
    return words_of(text[max(0, start - 12 * n):start].casefold())[-n:]


def _markers(lang: str) -> tuple[dict[str, str], int, frozenset[str]]:
    """{phrase: "origin" | "towards"} of the language (and English), the longest phrase in words, and
    the last words of the phrases (a phrase ends on the word before the place, or none is there)."""
    found = _MARKERS.get(lang)
    if found is None:
        table: dict[str, str] = {}
        for language in ("en", lang):
            for mark, words in (("towards", TOWARDS), ("origin", ORIGIN)):
                table.update((w, mark) for w in words.get(language, ()))
        found = _MARKERS[lang] = (table, max(len(w.split()) for w in table),
                                  frozenset(w.rsplit(" ", 1)[-1] for w in table))
    return found


_MARKERS: dict[str, tuple[dict[str, str], int, frozenset[str]]] = {}


def _ar_clitic(text: str, start: int) -> str:
    """The letters written onto an Arabic name before the mention («ب» of «بباماكو», «لل» of «للسودان»)."""
    i = start
    while i > 0 and text[i - 1].isalpha() and start - i < 4:
        i -= 1
    return text[i:start]


def _ar_towards(clitic: str) -> bool:
    """«ب», «ل», «لل», «بال», «وب»: in or to; a bare article «ال» or conjunction «و» is not."""
    clitic = clitic[1:] if clitic[:1] in _AR_CONJUNCTIONS else clitic
    return clitic[:1] in _AR_TOWARDS


def marking(text: str, m: Mention, lang: str) -> str | None:
    """"origin", "towards" or None: what the words right before a place say of it."""
    start = m.start
    if start and text[start - 1].isalpha():   # Arabic letters written onto the name
        clitic = _ar_clitic(text, start)
        if _ar_towards(clitic):
            return "towards"
        start -= len(clitic)
    words = words_before(text, start, _WINDOW)
    table, longest, lasts = _markers(lang)
    while words:
        last = words[-1]
        if last in lasts:   # the phrases ending on another word cannot be there
            for n in range(min(longest, len(words)), 0, -1):
                mark = table.get(" ".join(words[-n:]))
                if mark is not None:
                    return mark
        if lang == "ar" and last[:1] in _AR_TOWARDS + _AR_CONJUNCTIONS and last[1:] in AREA:
            return "towards"   # «بوسط مالي»
        if last not in AREA:
            return None
        words.pop()
    return None


def _inside(m: Mention, spans: Sequence[Mention]) -> bool:
    return any(o is not m and o.field == m.field and o.start <= m.start and m.end <= o.end for o in spans)


def next_to(text: str, m: Mention, cues: Sequence[Mention]) -> bool:
    """A place written against an event's noun: "the Bamako talks", « la rencontre de Ouagadougou »,
    «اجتماع واغادوغو» (at most one short word between, no punctuation: "U.S. attack, Iran nuclear talks"
    names the talks' parties). Reads the first two words between, not all of them."""
    for cue in cues:
        lo, hi = (m.end, cue.start) if m.end <= cue.start else (cue.end, m.start)
        if lo > hi or _ACROSS.search(text, lo, hi):
            continue
        first = _WORD.search(text, lo, hi)
        if first is None or (first.end() - first.start() <= 3 and _WORD.search(text, first.end(), hi) is None):
            return True
    return False


@dataclass(slots=True)
class Place:
    """One place mention of a sentence, read once."""

    mention: Mention
    mark: str | None          # "origin", "towards" or None
    clitic: bool              # marked by an Arabic letter written onto it («لبوركينا»: to, for or of)
    heading: bool
    venue: bool               # False: says whose an office is, or is inside an unmarked title

    @property
    def acting_kind(self) -> bool:
        """A country may stand for its state ("Mali signed"); a city is a place (a capital named for its
        government, "Washington and Kyiv signed", is taken for a place: « son domicile de Bamako »)."""
        return self.mention.kind == "country" and "standin" not in self.mention.extra   # "the country" is a place


def titles_of(mentions: Sequence[Mention]) -> list[Mention]:
    """The actors and titles of the sentence, less a title paired with a nationality across a clause
    («العلاقات بين بوركينافاسو وروسيا تطورا لافتا، فقد زار رئيس»: the classifier pairs words a few apart)."""
    return [m for m in mentions if m.kind == "actor" or m.kind == "role" and not _ACROSS.search(m.text)]


Memo = dict[tuple[int, bool], Place | None]   # (id of a mention, heading) -> its Place (None: not a place)


def read_places(mentions: list[Mention], text: str, span_start: int, lang: str, memo: Memo | None = None) -> list[Place]:
    """The places of a sentence's mentions. `memo` (one item's): a mention read before, as a sentence's
    or as its neighbour's, is not read again (what it is depends on the words around it and on the
    titles of its sentence, the same in both; and on where its sentence starts only through `heading`)."""
    titles: list[Mention] | None = None
    out = []
    for m in mentions:
        if m.kind not in PLACE_KINDS:
            continue
        heading = text[m.end:m.end + 1] == HEADING and not text[span_start:m.start].strip(" «\"“")
        key = (id(m), heading)
        if memo is not None and key in memo:
            place = memo[key]
        else:
            if titles is None:
                titles = titles_of(mentions)
            place = _read_place(m, text, lang, heading, titles)
            if memo is not None:
                memo[key] = place
        if place is not None:
            out.append(place)
    return out


def _read_place(m: Mention, text: str, lang: str, heading: bool, titles: Sequence[Mention]) -> Place | None:
    if m.text[:1].islower() and "via" not in m.extra and "standin" not in m.extra:
        return None   # "a eu lieu": a name is capitalised where letters have case (« la capitale malienne » names one)
    if m.kind == "city" and m.text.casefold() in AREA:
        return None   # «إلى مدينة لاسعانود»: the noun "city", though a gazetteer names a city so
    onto = hyphened_onto(text, m.end)
    if onto in QUALIFIERS:
        return None   # "Iran-backed Houthi rebels attacked", "a London-based group": no party, no place of it
    mark = marking(text, m, lang)
    clitic = mark is not None and m.start > 0 and text[m.start - 1].isalpha()
    in_title = _inside(m, titles)
    venue = (not in_title or heading or (mark is not None and not clitic)) and not (
        text[m.end:m.end + 2] in ("'s", "’s")                        # "Moscow's top diplomat"
        or onto == "led"                                             # "a Saudi-led coalition": a party
        or (m.kind != "region" and mark is None and is_affiliation(text, m.start, m.end))   # President of Mali
        or is_relation(text, m.start)                                # relations between Moscow and Bamako
        or (m.kind == "country" and mark is None and names_people(text, m, lang)))   # "a US citizen"
    return Place(m, mark, clitic, heading, venue)


# Nouns for people a country's name qualifies, in English ("the killing of a US citizen", "two US soldiers"): the
# name is their nationality, no place. In Russian the country comes after, in the genitive («гражданина США»).
PEOPLE_AFTER = frozenset("""citizen citizens national nationals man men woman women soldier soldiers servicemen
    servicemember servicemembers troops journalist journalists reporter reporters tourist tourists hostage hostages
    student students worker workers resident residents captive captives prisoner prisoners detainee detainees
    veteran veterans contractor contractors sailors marines""".split())


def names_people(text: str, m: Mention, lang: str) -> bool:
    """Whether the country's name only says whose people are meant (`PEOPLE_AFTER`; «гражданин США»)."""
    if lang == "en":
        after = _WORD.match(text, m.end + 1) if text[m.end:m.end + 1] == " " else None
        return after is not None and after.group().casefold() in PEOPLE_AFTER
    if lang == "ru":
        before = words_of(text[max(0, m.start - 20):m.start])
        return bool(before) and before[-1].casefold().startswith(("граждан", "подданн"))
    return False


def event_place(m: Mention, role: str) -> EventPlace:
    kind = ("capital" if m.extra.get("capital") else "city") if m.kind == "city" else m.kind
    country = m.country if m.kind != "country" else m.value
    return EventPlace(m.value, kind, m.text, country, role, m.field, m.start, m.end)


def is_event_place(kind: str, p: Place, text: str, cues: Sequence[Mention]) -> bool:
    """Whether the place is where an event of `kind` is (else, for a state, a party to it)."""
    if not p.venue:
        return False
    if p.acting_kind and paired(text, p.mention):
        return False   # "in US-Iran nuclear talks": the preposition is the talks'; the pair names their parties
    if kind not in STATE_ACTS or p.mark is not None or p.heading or not p.acting_kind:
        return True
    return next_to(text, p.mention, cues)


def paired(text: str, m: Mention) -> bool:
    """A country joined to another name by a hyphen: "US-Iran talks", « le partenariat Russie-Burkina Faso »
    name the parties, not a place."""
    after, before = text[m.end:m.end + 2], text[max(0, m.start - 2):m.start]
    return (len(after) == 2 and after[0] in "-–" and after[1].isupper()) or (
        len(before) == 2 and before[1] in "-–" and before[0].isalpha())


def where(kind: str, places: list[Place], text: str, cues: Sequence[Mention], who: list[Participant],
          is_place: Sequence[bool] | None = None) -> list[EventPlace]:
    """The places of an event of `kind` in one sentence, each with its role. `is_place`: what
    `is_event_place` says of each of `places`, when the caller has it already."""
    motion = kind in MOTION_TYPES
    towards = "destination" if motion else "location"
    out: dict[str, EventPlace] = {}
    marked: set[int] = set()
    if is_place is None:
        is_place = [is_event_place(kind, p, text, cues) for p in places]
    for p, here in zip(places, is_place):
        if not here:
            continue
        if p.mark is not None:
            marked.add(p.mention.start)
        if p.mention.value not in out:
            out[p.mention.value] = event_place(p.mention, "origin" if p.mark == "origin" and motion else towards)
    found = list(out.values())
    if motion:
        if any(e.start in marked and e.role == "destination" for e in found):
            # the text says where it went ("En visite officielle en Russie, le président … du Tchad"):
            # the other places it names are not the destination
            found = [e for e in found if e.start in marked or e.role == "origin"]
        home_is_origin(found, who)
    return found


def home_is_origin(places: list[EventPlace], who: list[Participant]) -> None:
    """A visit's places in the visitors' own country, beside a foreign one, are where they came
    from: "Lavrov flew to Bamako on Monday; Moscow says…" is no visit to Moscow."""
    home = {p.nationality for p in who if p.nationality}
    if len(home) != 1:
        return   # hosts and guests named together: whose home is it?
    if any(p.role == "destination" and p.country and p.country not in home for p in places):
        for p in places:
            if p.role == "destination" and p.country in home:
                p.role = "origin"


def dateline(first: list[Mention], text: str) -> list[Mention]:
    """The place of a dateline: the text opens on it, then a comma, a bracket or a dash."""
    head = _DATELINE.match(text)
    if not head:
        return []
    return [m for m in first if m.kind in ("city", "country") and m.start <= 2 and m.end <= head.end()
            and not _COMPOUND.match(text, m.end)]   # "Iran-backed rebels attacked": a compound ("BAMAKO-Le …" is one)


def places_of(kind: str, mentions: Sequence[Mention]) -> list[EventPlace]:
    role = "destination" if kind in MOTION_TYPES else "location"
    return [event_place(m, role) for m in mentions]
