"""EventExtractor: the events an item reports, read off the classifier's mentions sentence by sentence.

For each sentence (the headline is a sentence of its own) that holds a cue of an event type (the
`events:` lists of topics.yaml, found by the classifier's automaton as `event` mentions):

- **type**: the cue's; one event per type per sentence ("arrived in Bamako and held talks with
  Goïta" is a visit and talks). A phone call is talks, never a visit (modality cue `remote`).
- **who**: the sentence's named actors and officials named by title ("the Russian foreign
  minister"), and countries acting (a demonym outside any title: "Malian troops"). A sentence whose
  subject is a pronoun or a stand-in ("He", « La délégation », «الوفد»; an Arabic sentence opening on
  its verb) takes the participants of the nearest earlier sentence that names any (`resolved`).
- **where**: the sentence's cities, countries and regions (not those inside a title: "Mali's
  foreign minister"), each with its role, read from the words right before it (lexicon.py): "from
  Bamako" is the `origin`; "to/in Moscow" a visit's `destination`, else the `location`. For a visit,
  a place in the visitors' own country named beside a foreign one is where they came from.
  A sentence that names no place takes the dateline's ("BAMAKO, Feb 7 (Reuters) -").
- **modality**: `planned`, `denied` or `cancelled` when such a cue is in the sentence (a bare
  future marker, "will", only within a few words of the cue), else `happened`.
- **when**: the date expression of the sentence nearest the cue (dates.py), else the published day.

An event needs a participant or a place: a bare "the visit" says nothing to match or group on.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date

from newswatch.classify.affiliation import is_affiliation, is_relation
from newswatch.classify.automaton import TermIndex

from newswatch.classify.events.dates import find_dates
from newswatch.classify.events.lexicon import (AR_ATTACHED_TOWARDS, MOTION_TYPES, OPENING_WORDS, ORIGIN,
                                               SUBJECT_STANDINS, TOWARDS)
from newswatch.classify.model import Event, EventPlace, Facts, Mention, Participant, Payload
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import Normalized
from newswatch.classify.tables import Modality

PLACE_KINDS = ("city", "country", "region")
PEOPLE_KINDS = ("actor", "role")
GENERIC_CUES = frozenset({"will", "sera", "будет", "سيكون"})   # as alerts.rules.context: only near the cue
GENERIC_REACH = 6
NOT_HAPPENED = ("cancelled", "denied", "planned")   # the first that holds wins
IMPLY_VISIT = frozenset({"talks", "agreement"})   # held somewhere: a foreign participant is visiting
_WORD = re.compile(r"[\w'’-]+")
_DATELINE = re.compile(r"^\s*[^\W\d_][^,(—–\n]{0,40}?\s*[,(—–-]")

Key = tuple[str, int]   # (field, sentence)


def _words_before(text: str, start: int, n: int = 4) -> str:
    """The last `n` words before `start`, casefolded, one space apart."""
    return " ".join(w.casefold() for w in _WORD.findall(text[max(0, start - 60):start])[-n:])


def _ends_with(words: str, markers: Sequence[str]) -> bool:
    return any(words == m or words.endswith(" " + m) for m in markers)


def _marked(text: str, m: Mention, lang: str) -> bool:
    """Whether a preposition of place or motion stands right before the mention ("to Russia",
    «в Россию», «إلى مالي»): then it is a place even inside what reads as a title."""
    before = _words_before(text, m.start, 2)
    return any(_ends_with(before, words.get(language, ())) for words in (TOWARDS, ORIGIN)
               for language in dict.fromkeys((lang, "en")))


def _next_to(text: str, m: Mention, cues: list[Mention]) -> bool:
    """A place written against an event's noun: "the Bamako talks", « la rencontre de Ouagadougou »,
    «اجتماع واغادوغو» (at most one short word between)."""
    for cue in cues:
        lo, hi = (m.end, cue.start) if m.end <= cue.start else (cue.end, m.start)
        between = _WORD.findall(text[lo:hi]) if lo <= hi else ["x", "x"]
        if len(between) == 0 or (len(between) == 1 and len(between[0]) <= 3):
            return True
    return False


def _inside(m: Mention, spans: Sequence[Mention]) -> bool:
    return any(o is not m and o.field == m.field and o.start <= m.start and m.end <= o.end for o in spans)


def cue_index(event_cues: Modality) -> TermIndex[Payload]:
    """The automaton of the event cues. Its own, not the classifier's: there the longest term at a
    place wins, and a cue ("will travel to") would hide the topic or modality term it starts with."""
    return TermIndex((form, ("event", kind, term, lang)) for kind, by_lang in event_cues.items()
                     for lang, terms in by_lang.items() for term in terms
                     for form in variants(term, lang, "phrase" if " " in term else "noun"))


class EventExtractor:
    def __init__(self, event_cues: Modality | None = None, modality_cues: Modality | None = None) -> None:
        self.cues = cue_index(event_cues or {})
        # a cue that is itself a modality cue or starts with one ("will travel to", «se rendra»,
        # «سيزور»): the automaton reports the longest term at a place, so the modality is read here
        self._modal_prefixes = sorted(((c.casefold(), kind) for kind, by_lang in (modality_cues or {}).items()
                                       for cues in by_lang.values() for c in cues
                                       if c.casefold() not in GENERIC_CUES), key=lambda p: -len(p[0]))
        self._generic = GENERIC_CUES

    def _cue_modality(self, cue: str) -> list[str]:
        words = cue.casefold()
        first = words.split(" ", 1)[0]
        found = [kind for prefix, kind in self._modal_prefixes if words == prefix or words.startswith(prefix + " ")]
        if first in self._generic and " " in words:
            found.append("planned")
        return found

    def cue_mentions(self, field: str, norm: Normalized, spans: list[tuple[int, int]]) -> list[Mention]:
        """The event cues of one field (its normalized text), as mentions of kind `event`."""
        starts = [start for start, _ in spans]
        return [Mention("event", kind, field, hit.start, hit.end, hit.surface, hit.term,
                        max(0, bisect_right(starts, hit.start) - 1))
                for hit in self.cues.find(norm) for kind in dict.fromkeys(p[1] for p in hit.payloads)]

    def extract(self, facts: Facts, texts: dict[str, str], norms: dict[str, Normalized],
                published: date | None = None) -> list[Event]:
        by_sentence: dict[Key, list[Mention]] = {}
        cues = [m for field, norm in norms.items()
                for m in self.cue_mentions(field, norm, facts.sentences.get(field) or [(0, len(norm.original))])]
        for m in facts.evidence + cues:
            by_sentence.setdefault((m.field, m.sentence), []).append(m)
        lang = facts.lang or ""
        order = [("title", 0)] + [("text", i) for i in range(len(facts.sentences.get("text", ())))]
        dateline = self._dateline(by_sentence.get(("text", 0), []), texts.get("text", ""))
        events: list[Event] = []
        earlier: list[Participant] = []   # the participants of the nearest earlier sentence with any
        lead_done = False   # the title and the text's first sentence with a cue are the lead: the dateline is theirs
        for key in order:
            mentions = by_sentence.get(key, [])
            who = self._who(mentions, texts.get(key[0], ""), lang)
            cues = [m for m in mentions if m.kind == "event"]
            if cues:
                spans = facts.sentences.get(key[0]) or [(0, len(texts.get(key[0], "")))]
                span = spans[key[1]] if key[1] < len(spans) else (0, len(texts.get(key[0], "")))
                lead = dateline if key[0] == "title" or not lead_done else []
                lead_done = lead_done or key[0] == "text"
                events += self._sentence_events(key, span, mentions, cues, who, earlier, lead, texts, lang,
                                                published)
            if who:
                earlier = who
        return events

    # --- one sentence -----------------------------------------------------------------------
    def _sentence_events(self, key: Key, span: tuple[int, int], mentions: list[Mention], cues: list[Mention],
                         who: list[Participant], earlier: list[Participant], dateline: list[Mention],
                         texts: dict[str, str], lang: str, published: date | None) -> list[Event]:
        field, sentence = key
        text = texts.get(field, "")
        if not who and earlier and self._stands_in(text, span[0], cues, lang):
            who = [Participant(p.name, p.actor, p.nationality, p.role, p.field, p.start, p.end, True) for p in earlier]
        modal = [m for m in mentions if m.kind == "modality"]
        out: list[Event] = []
        seen: set[str] = set()
        for cue in cues:
            kind = cue.value
            remote = any(m.value == "remote" for m in modal)
            if kind == "visit" and remote:
                kind = "talks"   # a call is not a visit
            if kind in seen:
                continue
            seen.add(kind)
            where = self._where(kind, mentions, text, who, lang) or self._from_dateline(kind, dateline)
            if not who and not where:
                continue
            modality = self._modality(cue, modal, text)
            when, when_text = self._when(text, span, cue, published, modality)
            out.append(Event(kind, modality, who, where, when, when_text, field, sentence, cue.start, cue.end, cue.text))
        if "visit" not in seen and not any(m.value == "remote" for m in modal):
            venues = [m for m in mentions if m.kind == "city" and (_marked(text, m, lang) or _next_to(text, m, cues))]
            venues += [m for m in dateline if m.kind == "city"]   # the lead's talks were held where it was filed
            out += [implied for e in out if (implied := self._implied_visit(e, self._places(e.type, venues)))][:1]
        return out

    @staticmethod
    def _places(kind: str, mentions: list[Mention]) -> list[EventPlace]:
        role = "destination" if kind in MOTION_TYPES else "location"
        return [EventPlace(m.value, ("capital" if m.extra.get("capital") else "city") if m.kind == "city" else m.kind,
                           m.text, m.country if m.kind != "country" else m.value, role, m.field, m.start, m.end)
                for m in mentions]

    @staticmethod
    def _implied_visit(event: Event, venues: list[EventPlace]) -> Event | None:
        """Talks held, or an agreement signed, in a country that is not a participant's own: that
        participant is visiting it ("Lavrov held talks in Nouakchott", « Goïta a reçu Lavrov à Koulouba »;
        a city only: countries named beside talks are mostly their subject, «обсудили ситуацию на Украине»).
        The visit is the talks' (same cue, day and modality), by the foreign participants (not their
        hosts), to the talks' places outside their own countries: places named as a venue ("in
        Nouakchott", «à Niamey», «في نواكشوط»), not as someone's country ("Traoré of Burkina Faso"). Not from a call."""
        if event.type not in IMPLY_VISIT:
            return None
        origins = {(p.field, p.start) for p in event.where if p.role == "origin"}
        places = [p for p in venues if p.country and (p.field, p.start) not in origins]
        visitors = [w for w in event.who if w.nationality and w.role and any(p.country != w.nationality for p in places)]
        if not visitors:
            return None
        home = {w.nationality for w in visitors}
        where = [EventPlace(p.id, p.kind, p.name, p.country, "destination", p.field, p.start, p.end) for p in places
                 if p.country not in home]
        return Event("visit", event.modality, visitors, where, event.when, event.when_text, event.field,
                     event.sentence, event.start, event.end, event.cue)

    @staticmethod
    def _stands_in(text: str, start: int, cues: list[Mention], lang: str) -> bool:
        """Whether the sentence's subject is someone named before: it opens on a pronoun or a
        stand-in ("He", « La délégation »), or, in Arabic, on its verb (the subject is in the verb)."""
        words = [w.casefold() for w in _WORD.findall(text[start:start + 80])[:OPENING_WORDS + 1]]
        standins = SUBJECT_STANDINS.get(lang, ()) + SUBJECT_STANDINS["en"]
        for i in range(min(OPENING_WORDS, len(words))):
            rest = " ".join(words[i:])
            if any(rest == s or rest.startswith(s + " ") for s in standins):
                return True
        if lang == "ar":
            first_cue = min(c.start for c in cues)
            return len(_WORD.findall(text[start:first_cue])) <= 1
        return False

    # --- who --------------------------------------------------------------------------------
    @staticmethod
    def _who(mentions: list[Mention], text: str = "", lang: str = "") -> list[Participant]:
        people = [m for m in mentions if m.kind in PEOPLE_KINDS]
        out: dict[tuple[str | None, str | None, str | None, int], Participant] = {}
        for m in people:
            if m.kind == "role" and any(o.kind == "actor" and o.field == m.field and o.start < m.end + 3
                                        and m.start < o.end + 3 for o in people):
                continue   # "Russian Foreign Minister Sergei Lavrov": the title of the actor named with it
            actor = m.value if m.kind == "actor" else None
            role = m.extra.get("role")
            nationality = m.country
            if m.kind == "role" and any(p.kind in ("country", "city") and m.start < p.start < m.end
                                        and _marked(text, p, lang) for p in mentions):
                nationality = None   # «поездку президента в Россию»: Russia is where he goes, not his country
            name = m.extra.get("name", m.text) if m.kind == "actor" else m.text
            out.setdefault((actor, nationality, role, m.start if actor is None else -1),
                           Participant(name, actor, nationality, role, m.field, m.start, m.end))
        for m in mentions:   # a country acting: "Malian troops", «الجيش المالي»
            if m.kind == "demonym" and not _inside(m, people):
                out.setdefault((None, m.country, None, -1), Participant(m.text, None, m.country, None, m.field,
                                                                         m.start, m.end))
        return list(out.values())

    # --- where ------------------------------------------------------------------------------
    def _where(self, kind: str, mentions: list[Mention], text: str, who: list[Participant],
               lang: str) -> list[EventPlace]:
        titles = [m for m in mentions if m.kind in PEOPLE_KINDS]
        places = [m for m in mentions if m.kind in PLACE_KINDS and (not _inside(m, titles) or _marked(text, m, lang))
                  and not text[m.end:m.end + 2] in ("'s", "’s")    # "Moscow's top diplomat" acts, is not a place
                  and not (m.kind != "region" and is_affiliation(text, m.start, m.end))   # President of Mali
                  and not is_relation(text, m.start)]               # relations between Moscow and Bamako
        out: dict[str, EventPlace] = {}
        for m in places:
            role = self._role(kind, text, m, lang)
            place_kind = ("capital" if m.extra.get("capital") else "city") if m.kind == "city" else m.kind
            country = m.country if m.kind != "country" else m.value
            if m.value not in out:
                out[m.value] = EventPlace(m.value, place_kind, m.text, country, role, m.field, m.start, m.end)
        found = list(out.values())
        if kind in MOTION_TYPES:
            marked = {p.start for p in places if _marked(text, p, lang)}
            if any(p.start in marked and p.role == "destination" for p in found):
                # the text says where it went ("En visite officielle en Russie, le président … du Tchad"):
                # the other places it names are not the destination
                found = [p for p in found if p.start in marked or p.role == "origin"]
            self._home_is_origin(found, who)
        return found

    @staticmethod
    def _role(kind: str, text: str, m: Mention, lang: str) -> str:
        before = _words_before(text, m.start)
        towards = "destination" if kind in MOTION_TYPES else "location"
        for language in dict.fromkeys((lang, "en")):
            if _ends_with(before, ORIGIN.get(language, ())):
                return "origin"
        if lang == "ar" and m.start and text[m.start - 1] in AR_ATTACHED_TOWARDS:
            return towards
        return towards if kind in MOTION_TYPES else "location"

    @staticmethod
    def _home_is_origin(places: list[EventPlace], who: list[Participant]) -> None:
        """A visit's places in the visitors' own country, beside a foreign one, are where they came
        from: "Lavrov flew to Bamako on Monday; Moscow says…" is no visit to Moscow."""
        home = {p.nationality for p in who if p.nationality}
        if len(home) != 1:
            return   # hosts and guests named together: whose home is it?
        foreign = [p for p in places if p.role == "destination" and p.country and p.country not in home]
        if foreign:
            for p in places:
                if p.role == "destination" and p.country in home:
                    p.role = "origin"

    @staticmethod
    def _dateline(first: list[Mention], text: str) -> list[Mention]:
        """The place of a dateline: the text opens on it, then a comma, a bracket or a dash."""
        head = _DATELINE.match(text)
        if not head:
            return []
        return [m for m in first if m.kind in ("city", "country") and m.start <= 2 and m.end <= head.end()]

    def _from_dateline(self, kind: str, dateline: list[Mention]) -> list[EventPlace]:
        return self._places(kind, dateline[:1])

    # --- modality and when ------------------------------------------------------------------
    def _modality(self, cue: Mention, modal: list[Mention], text: str) -> str:
        kinds = set(self._cue_modality(cue.text))
        for m in modal:
            if m.entry.casefold() in GENERIC_CUES:
                lo, hi = (m.end, cue.start) if m.end <= cue.start else (cue.end, m.start)
                if lo < hi and len(text[lo:hi].split()) > GENERIC_REACH:
                    continue
            kinds.add(m.value)
        return next((k for k in NOT_HAPPENED if k in kinds), "happened")

    @staticmethod
    def _when(text: str, span: tuple[int, int], cue: Mention, published: date | None,
              modality: str) -> tuple[str | None, str | None]:
        start, stop = span
        dates = find_dates(text[start:stop], published, ahead=modality == "planned")
        if dates:
            s, e, day = min(dates, key=lambda d: abs(d[0] + start - cue.start))
            return day.isoformat(), text[start + s:start + e]
        return (published.isoformat() if published else None), None
