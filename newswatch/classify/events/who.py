"""Who takes part in an event: the participants of one sentence.

- **people**: the sentence's named actors and officials named by title ("the Russian foreign
  minister"); a title written with the actor it names ("Russian Foreign Minister Sergei Lavrov") is
  that actor. A country inside a title after a preposition of motion is where the person goes, not
  their country («поездку президента в Россию»).
- **groups**: the nouns of topics.yaml `event_groups` ("gunmen", « manifestants », «боевики»,
  «مسلحون», "soldiers", "police"), each with its role (militia, military, police, protesters,
  civilians). A demonym written against one gives its nationality ("Malian soldiers", «جنديا ماليا»);
  state forces, protesters and civilians named without one are those of the one country where the
  sentence (or else the item) is, armed groups of none.
- **countries acting**: a demonym outside any title ("Malian troops"), and, beside an event that
  is not a visit, a country or capital that is no place of it (places.py): "Mali and France signed",
  "sanctions against Russia", "Iran FM", "Japan's Takaichi" (role None); beside an act of state (talks,
  an agreement, sanctions, an attack, an arrest), a state body stands for its country ("Pentagon conducts
  strikes", «الكرملين»).
- **stand-ins**: a sentence whose subject is a pronoun or a stand-in ("He", « La délégation », «الوفد»;
  an Arabic sentence opening on its verb) takes the people of the nearest earlier sentence that
  names any (`resolved`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from newswatch.classify.events.lexicon import OPENING_WORDS, SUBJECT_STANDINS
from newswatch.classify.events.places import PEOPLE_KINDS, Place, paired, titles_of
from newswatch.classify.events.words import QUALIFIERS, hyphened_onto
from newswatch.classify.events.words import words as words_of
from newswatch.classify.model import IDENTITY_ROLE, Mention, Participant

STATE_GROUPS = frozenset({"military", "police", "protesters", "civilians"})   # of the country they are in
_WORD = re.compile(r"[\w'’-]+")
_SUBJECT = 3   # words between a state body and the event's verb it is the subject of
_PUNCT = re.compile(r"[,;:.،؛«»\"“”]")
_GAP = 12   # characters between a group noun and its demonym ("soldats maliens", "Malian army soldiers")

Key = tuple[str | None, str | None, str | None, int]


def identity(p: Participant) -> str | tuple[str | None, str | None]:
    """Who `p` is, to tell whether two sentences name one person: the actor, else nationality and role, a
    prime minister counting as an official («son homologue français», a minister's title, is «le Premier
    ministre français» of the next sentence)."""
    return p.actor or (p.nationality, IDENTITY_ROLE.get(p.role or "", p.role))


# A ruler's name after "under" («sous», «при», «في عهد») says when, not who: "a crackdown under Trump", « sous
# Poutine », «при Путине», «في عهد ترامب»; a title may stand between ("under President Trump").
_UNDER = re.compile(r"(?:\b(?:under|sous|при)|(?<!\w)في عهد)\s+(?:(?:president|président|presidente|президенте|"
                    r"الرئيس)\s+)?$", re.IGNORECASE)


def people(mentions: Sequence[Mention], places: Sequence[Place], text: str) -> list[Participant]:
    """The named actors, officials named by title, and demonyms outside titles and groups."""
    found = [m for m in titles_of(mentions) if not _stance(text, m)]
    out: dict[Key, Participant] = {}
    for m in found:
        if m.kind == "role" and any(o.kind == "actor" and o.field == m.field and o.start < m.end + 3
                                    and m.start < o.end + 3 for o in found):
            continue   # "Russian Foreign Minister Sergei Lavrov": the title of the actor named with it
        actor = m.value if m.kind == "actor" else None
        nationality = m.country
        if m.kind == "role" and any(p.mark is not None and not p.clitic and m.start < p.mention.start < m.end
                                    for p in places):
            nationality = None   # «поездку президента в Россию»: Russia is where he goes, not his country
        name = m.extra.get("name", m.text) if m.kind == "actor" else m.text
        out.setdefault((actor, nationality, m.extra.get("role"), m.start if actor is None else -1),
                       Participant(name, actor, nationality, m.extra.get("role"), m.field, m.start, m.end))
    groups = [m for m in mentions if m.kind == "group"]
    named = found + [p.mention for p in places if p.mention.kind == "city"]   # « la capitale malienne »
    for m in mentions:   # a country acting: "Malian troops", «الجيش المالي»
        if m.kind == "demonym" and not _within(m, named) and not any(_beside(m, g, text) for g in groups):
            out.setdefault((None, m.country, None, -1), Participant(m.text, None, m.country, None, m.field,
                                                                     m.start, m.end))
    return list(out.values())


def _stance(text: str, m: Mention) -> bool:
    """A name written onto a prefix by a hyphen says for or against whom, not who takes part: "Magyar launches
    anti-Orban election campaign", "Colombian pro-Trump lawmaker", « le camp anti-Macron »; so does one written
    before a participle that qualifies another noun ("the health ministry in Hamas-run Gaza")."""
    if m.kind != "actor":
        return False
    if m.start >= 2 and text[m.start - 1] in "-‑" and text[m.start - 2].islower():
        return True
    if _UNDER.search(text, max(0, m.start - 24), m.start) is not None:
        return True   # "a protest crackdown under Trump": when, not who
    return hyphened_onto(text, m.end) in QUALIFIERS


_OWNED_REACH = 2   # words between a possessive and the event's own noun ("Lavrov's first official visit")


def owner_of_another(p: Participant, text: str, cues: Sequence[Mention]) -> bool:
    """Whether the named person `p` is written as the owner of something other than the event: a possessive
    with no cue of the event within a few words after it ("since Maduro's ouster"); "Lavrov's visit",
    "Lavrov's two-day visit", "Lavrov's arrival in Bamako" are his."""
    if not p.actor or text[p.end:p.end + 2] not in ("'s", "’s"):
        return False
    return not any(c.field == p.field and c.start >= p.end + 2 and c.start - p.end < 80
                   and len(_WORD.findall(text, p.end + 2, c.start)) <= _OWNED_REACH for c in cues)



def less_owners(who: list[Participant], text: str, cues: Sequence[Mention]) -> list[Participant]:
    """`who` less the people written as owners of something else (`owner_of_another`: "Qatar PM arrives in
    Venezuela … since Maduro's ouster", "Rubio backed Orban's leadership during a visit to Budapest"), when
    someone named is left to be the visitor ("the visit to Ouagadougou was part of Lavrov's African tour":
    Lavrov's, no cue reads "tour")."""
    kept = [p for p in who if not owner_of_another(p, text, cues)]
    if len(kept) < len(who) and not any(p.actor or p.role for p in kept):
        return who
    return kept

def groups(mentions: Sequence[Mention], text: str, country: str | None) -> list[Participant]:
    """The group nouns of the sentence, with their nationality (see the module doc)."""
    if not any(m.kind == "group" for m in mentions):
        return []   # most sentences name none
    found = [m for m in mentions if m.kind in PEOPLE_KINDS]
    demonyms = [m for m in mentions if m.kind == "demonym"]
    out: dict[Key, Participant] = {}
    for m in mentions:
        if m.kind != "group" or _within(m, found):
            continue
        near = next((d for d in demonyms if _beside(d, m, text)), None)
        nationality = near.country if near else country if m.value in STATE_GROUPS else None
        start, end = (min(m.start, near.start), max(m.end, near.end)) if near else (m.start, m.end)
        out.setdefault((None, nationality, m.value, -1),
                       Participant(text[start:end], None, nationality, m.value, m.field, start, end))
    return list(out.values())


def acting(places: Sequence[Place], kind_is_event_place: Sequence[bool], text: str) -> list[Participant]:
    """Countries and capitals that stand for a state party to the event: no place of it (a pair, "in US-Iran
    talks", is one after a preposition too)."""
    out: dict[str, Participant] = {}
    for p, is_place in zip(places, kind_is_event_place):
        m = p.mention
        if is_place or not p.acting_kind or (p.mark is not None and not paired(text, m)):
            continue
        country = m.value if m.kind == "country" else m.country
        if country and country not in out:
            out[country] = Participant(m.text, None, country, None, m.field, m.start, m.end)
    return list(out.values())


def institutions(mentions: Sequence[Mention], cues: Sequence[Mention], text: str) -> list[Participant]:
    """The state bodies acting in the sentence, each standing for its country: one written as the
    subject of the event's verb, at most `_SUBJECT` words before it and no punctuation between
    ("Pentagon conducts strikes", "ICE arrests her son"; actors.yaml `institutions`). One that speaks
    ("the Pentagon said Tuesday that it carried out strikes", «وصفت وزارة الخارجية الروسية … هجوم») is
    no party: a spokesman's country is often the victim's."""
    out: dict[str, Participant] = {}
    for m in mentions:
        if m.kind != "institution" or m.value in out:
            continue
        if any(0 <= c.start - m.end <= 80 and not _PUNCT.search(text, m.end, c.start)
               and len(_WORD.findall(text, m.end, c.start)) <= _SUBJECT for c in cues):
            out[m.value] = Participant(m.text, None, m.value, None, m.field, m.start, m.end)
    return list(out.values())


def merge(*lists: list[Participant]) -> list[Participant]:
    """One participant per actor, and per nationality and role for the others (first wins)."""
    out: list[Participant] = []
    seen: set[tuple[str | None, str | None, str | None]] = set()
    actors_of = {p.nationality for ps in lists for p in ps if p.actor}
    for ps in lists:
        for p in ps:
            key = (p.actor, None, None) if p.actor else (None, p.nationality, p.role)
            if key in seen or (p.actor is None and p.role is None and p.nationality in actors_of and p.nationality):
                continue   # "France's Macron": Macron is the French party
            seen.add(key)
            out.append(p)
    return out


def stands_in(text: str, start: int, cues: Sequence[Mention], lang: str) -> bool:
    """Whether the sentence's subject is someone named before: it opens on a pronoun or a
    stand-in ("He", « La délégation »), or, in Arabic, on its verb (the subject is in the verb)."""
    words = words_of(text[start:start + 80].casefold())[:OPENING_WORDS + 2]
    standins, firsts = _standins(lang)
    for i in range(min(OPENING_WORDS, len(words))):
        if words[i] in firsts:   # the stand-ins of one to three words that open on it
            joined = words[i]
            if joined in standins:
                return True
            for word in words[i + 1:i + 3]:
                joined += " " + word
                if joined in standins:
                    return True
    if lang == "ar":
        first_cue = min(c.start for c in cues)
        return len(_WORD.findall(text[start:first_cue])) <= 1
    return False


def _standins(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The stand-ins of `lang` and English, and their first words (a word that starts none starts
    no stand-in there: most sentences are told so without joining words)."""
    found = _STANDINS.get(lang)
    if found is None:
        words = frozenset(SUBJECT_STANDINS.get(lang, ()) + SUBJECT_STANDINS["en"])
        found = _STANDINS[lang] = (words, frozenset(w.split(" ", 1)[0] for w in words))
    return found


_STANDINS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def resolved(earlier: list[Participant]) -> list[Participant]:
    return [Participant(p.name, p.actor, p.nationality, p.role, p.field, p.start, p.end, True) for p in earlier]


def _within(m: Mention, spans: Sequence[Mention]) -> bool:
    return any(o.field == m.field and o.start <= m.start and m.end <= o.end for o in spans)


def _beside(a: Mention, b: Mention, text: str) -> bool:
    lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    return 0 <= hi - lo <= _GAP and len(_WORD.findall(text[lo:hi])) <= 1
