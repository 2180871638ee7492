"""EventExtractor: the events an item reports, read off the classifier's mentions sentence by sentence.

For each sentence (the headline is a sentence of its own) that holds a cue of an event type (the
`events:` lists of topics.yaml, in the item's language, found by an automaton of their own):

- **type**: the cue's; one event per type per sentence ("arrived in Bamako and held talks with
  Goïta" is a visit and talks). A phone call is talks, never a visit (modality cue `remote`).
- **who** (who.py): named actors, officials named by title, group nouns ("gunmen", «боевики»),
  countries acting; pronoun and stand-in subjects resolved to the nearest earlier sentence's people.
- **where** (places.py): the places of the sentence with their role: a visit's `destination` or
  `origin` ("flew from Bamako to Moscow"), else the `location`; a sentence of the lead that names no
  place takes the dateline's ("BAMAKO, Feb 7 (Reuters) -").
- **modality**: `planned`, `denied` or `cancelled` when such a cue (topics.yaml `modality:`) is in the
  cue's clause (no comma, colon, bracket or dash between them) within a few words, a bare future
  marker ("will", «sera», «будет») only right before the cue; or when the event's date is after the
  day the item was published; else `happened`.
- **when**: the date expression of the sentence nearest the cue (dates.py); else that of another
  report of the same event in the item (same type and modality, a participant or place in common, or
  a sentence that opens on the event's noun: "The coup was led by…"); else, for an event that
  happened, the published day. A planned event without a date has no day.

An event needs a participant or a place: a bare "the visit" says nothing to match or group on.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date

from newswatch.classify.automaton import TermIndex
from newswatch.classify.events import places as pl
from newswatch.classify.events import who as wh
from newswatch.classify.events.dates import date_words, find_dates
from newswatch.classify.events.lexicon import COUNTRY_STANDINS, MOTION_TYPES
from newswatch.classify.events.places import PEOPLE_KINDS
from newswatch.classify.model import Event, EventPlace, Facts, Mention, Participant, Payload
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import Normalized, normalize_term
from newswatch.classify.tables import Modality

GENERIC_CUES = frozenset({"will", "sera", "будет", "سيكون"})   # a bare future marker: right before the cue only
GENERIC_REACH = 4   # words
MODAL_REACH = 8     # words between any other modality cue and the event's cue
NOT_HAPPENED = ("cancelled", "denied", "planned")   # the first that holds wins
VISITOR_ROLES = frozenset({"official", "head-of-state", "diplomat", "un-official"})
UNNAMED = frozenset({"event", "modality", "date", "topic", "institution", "standin"})   # no who, no where
OPENING = 3   # a cue within the first words of a sentence tells again an event told before ("The coup…")
_CLAUSE = re.compile(r"[,;:()\[\]«»\"“”—–]| - |،")
_WORD = re.compile(r"[\w'’-]+")

Key = tuple[str, int]   # (field, sentence)


def cue_index(event_cues: Modality, event_groups: Modality | None = None) -> TermIndex[Payload]:
    """The automaton of the event cues, group nouns and country stand-ins. Its own, not the
    classifier's: there the longest term at a place wins, and a cue ("will travel to") would hide
    the topic or modality term it starts with."""
    entries = [("event", kind, by_lang) for kind, by_lang in event_cues.items()]
    entries += [("group", role, by_lang) for role, by_lang in (event_groups or {}).items()]
    entries += [("standin", "country", {lang: list(words) for lang, words in COUNTRY_STANDINS.items()})]
    entries += [("date", "word", {"*": date_words()})]   # which sentences may hold a day: dates.find_dates
    return TermIndex((form, (what, kind, term, lang)) for what, kind, by_lang in entries
                     for lang, terms in by_lang.items() for term in terms
                     for written in (_arabic_forms(term) if lang == "ar" and what != "standin" else (term,))
                     for form in variants(written, lang, "name" if what != "event" and what != "group"
                                          else "phrase" if " " in written else "noun"))


AR_ENCLITICS = ("ه", "ها", "هم", "هما")   # his, her, their, (the two of) them: «اعتقاله», «مصرعهما»


def _arabic_forms(term: str) -> tuple[str, ...]:
    """An Arabic cue with the pronouns written onto its last word («اعتقاله», «زيارتها», «لقي جنديان
    مصرعهما» needs «مصرعهما») and, for a noun, the accusative «ـًا» («إنقلابا», «هجوما»)."""
    head, _, last = term.rpartition(" ")
    if len(last) < 4 or last[-1] in "اىي":
        return (term,)   # «زاره» (visited him) is «وزارة» (ministry) less its «و» once letters are normalized
    stem = last[:-1] + "ت" if last[-1] == "ة" else last
    forms = [last] + [stem + e for e in AR_ENCLITICS] + ([last + "ا"] if last[-1] != "ة" else [])
    return tuple(f"{head} {form}".strip() for form in forms)


class EventExtractor:
    def __init__(self, event_cues: Modality | None = None, modality_cues: Modality | None = None,
                 event_groups: Modality | None = None) -> None:
        self.cues = cue_index(event_cues or {}, event_groups)
        self.languages = frozenset(lang for by_lang in (event_cues or {}).values() for lang in by_lang)
        # a cue that is itself a modality cue or starts with one ("will travel to", «se rendra»,
        # «سيزور»): the automaton reports the longest term at a place, so the modality is read here
        self._modal_prefixes = sorted(((normalize_term(c), kind) for kind, by_lang in (modality_cues or {}).items()
                                       for cues in by_lang.values() for c in cues
                                       if c.casefold() not in GENERIC_CUES), key=lambda p: -len(p[0]))
        self._cue_modalities: dict[str, tuple[str, ...]] = {}
        self._kinds: dict[tuple[int, str | None], tuple[tuple[str, str], ...]] = {}   # (term id, lang) -> what it is

    def _cue_modality(self, term: str) -> tuple[str, ...]:
        found = self._cue_modalities.get(term)
        if found is None:
            found = tuple(kind for prefix, kind in self._modal_prefixes
                          if term == prefix or term.startswith(prefix + " "))
            if " " in term and term.split(" ", 1)[0] in GENERIC_CUES:
                found += ("planned",)
            self._cue_modalities[term] = found
        return found

    def cue_mentions(self, field: str, norm: Normalized, spans: list[tuple[int, int]],
                     lang: str | None = None) -> list[Mention]:
        """The event cues (kind `event`), group nouns (kind `group`) and country stand-ins of one
        field, in `lang` (every language's when `lang` has no cues)."""
        found = self.cues.find_spans(norm)
        if not found:
            return []
        starts = [start for start, _ in spans]
        index, original, out = self.cues, norm.original, []
        for nstart, nend, tid in found:
            kinds = self._kinds.get((tid, lang))
            if kinds is None:
                any_lang = lang not in self.languages
                kinds = self._kinds[(tid, lang)] = tuple(dict.fromkeys(
                    (what, kind) for what, kind, _term, term_lang in index.payloads(tid)
                    if any_lang or term_lang == lang or term_lang == "*"))
            if not kinds:
                continue
            start, end, _, _, _ = index.locate(norm, nstart, nend, tid)
            sentence = max(0, bisect_right(starts, start) - 1)
            term = index.term(tid)
            out += [Mention(what, kind, field, start, end, original[start:end], term, sentence) for what, kind in kinds]
        return out

    def extract(self, facts: Facts, texts: dict[str, str], norms: dict[str, Normalized],
                published: date | None = None) -> list[Event]:
        lang = facts.lang or ""
        cues = [m for field, norm in norms.items()
                for m in self.cue_mentions(field, norm, facts.sentences.get(field) or [(0, len(norm.original))], lang)]
        told = sorted({(m.field != "title", m.sentence) for m in cues if m.kind == "event"})
        if not told:
            return []
        # only the sentences with a cue are read (and, for a stand-in subject, the nearest earlier one with people)
        keys = {("text" if text else "title", sentence) for text, sentence in told}
        by_sentence: dict[Key, list[Mention]] = {key: [] for key in keys}
        with_people: list[tuple[bool, int]] = []
        for m in facts.evidence:
            key = (m.field, m.sentence)
            if key in keys:
                by_sentence[key].append(m)
            if (m.kind in PEOPLE_KINDS or m.kind == "demonym") and (not with_people or with_people[-1] != (m.field != "title", m.sentence)):
                with_people.append((m.field != "title", m.sentence))
        for m in cues:
            key = (m.field, m.sentence)
            if key in keys:
                by_sentence[key].append(_resolve_country(m, facts.evidence) if m.kind == "standin" else m)
        first = [m for m in facts.evidence if m.field == "text" and m.sentence == 0]
        dateline = pl.dateline(first, texts.get("text", ""))
        home = facts.countries[0] if len(facts.countries) == 1 else None
        events: list[Event] = []
        openers: set[int] = set()   # ids of the events told by a sentence that opens on their cue
        lead_done = False   # the title and the text's first sentence with a cue are the lead: the dateline is theirs
        for text, sentence in told:
            key = ("text" if text else "title", sentence)
            lead = dateline if key[0] == "title" or not lead_done else []
            lead_done = lead_done or key[0] == "text"
            at = bisect_right(with_people, (text, sentence)) - 1
            earlier = with_people[at - 1] if at >= 0 and with_people[at] == (text, sentence) else (
                with_people[at] if at >= 0 else None)
            events += self._sentence_events(key, by_sentence[key], earlier, lead, texts, facts, lang,
                                            published, home, openers)
        inherit_dates(events, openers)
        return events

    # --- one sentence -----------------------------------------------------------------------
    def _sentence_events(self, key: Key, mentions: list[Mention], earlier: tuple[bool, int] | None,
                         dateline: list[Mention],
                         texts: dict[str, str], facts: Facts, lang: str, published: date | None,
                         home: str | None, openers: set[int]) -> list[Event]:
        field, sentence = key
        text = texts.get(field, "")
        spans = facts.sentences.get(field) or [(0, len(text))]
        span = spans[sentence] if sentence < len(spans) else (0, len(text))
        cues, modal, dated, named = [], [], [], False
        for m in mentions:
            kind = m.kind
            if kind == "event":
                cues.append(m)
            elif kind == "modality":
                modal.append(m)
            elif kind == "date":
                dated.append((m.start - span[0], m.end - span[0]))
            elif kind not in UNNAMED:
                named = True
        if not named and not dateline and not (earlier and wh.stands_in(text, span[0], cues, lang)):
            return []   # nobody and nowhere to tell of
        remote = any(m.value == "remote" for m in modal)
        places = pl.read_places(mentions, text, span[0], lang)
        people = wh.people(mentions, places, text)
        if not people and earlier and wh.stands_in(text, span[0], cues, lang):
            before = [m for m in facts.evidence if (m.field != "title", m.sentence) == earlier]
            body = texts.get(before[0].field, "")
            people = wh.resolved(wh.people(before, pl.read_places(before, body, 0, lang), body))
        venues = {p.mention.country or p.mention.value for p in places if p.venue}
        groups = wh.groups(mentions, text, venues.pop() if len(venues) == 1 else home)
        by_kind: dict[str, list[tuple[Mention, str]]] = {}
        for cue in cues:
            kind = "talks" if cue.value == "visit" and remote else cue.value   # a call is not a visit
            by_kind.setdefault(kind, []).append((cue, self._modality(cue, modal, text)))
        out: list[Event] = []
        dates: dict[bool, list[tuple[int, int, date]]] = {}
        for kind, told in by_kind.items():
            is_place = [pl.is_event_place(kind, p, text, cues) for p in places]
            who = people if kind in MOTION_TYPES else wh.merge(people, groups, wh.acting(places, is_place))
            where = pl.where(kind, places, text, cues, who) or pl.places_of(kind, dateline[:1])
            if not who and not where:
                continue
            for cue, modality, at in _by_modality(told, where, text):
                when, when_text = _when(text, span, cue, published, modality, dates, dated)
                if modality == "happened" and when_text and published and when and when > published.isoformat():
                    modality = "planned"   # "le 29 novembre" in a report of 20 November
                out.append(Event(kind, modality, who, at, when, when_text, field, sentence, cue.start, cue.end,
                                 cue.text))
                if cue.start - span[0] < 60 and len(_WORD.findall(text, span[0], cue.start)) < OPENING:
                    openers.add(id(out[-1]))
        if "visit" not in by_kind and not remote:
            venues_ = [p.mention for p in places if p.mention.kind == "city" and (p.mark or pl.next_to(text, p.mention, cues))]
            venues_ += [m for m in dateline if m.kind == "city"]   # the lead's talks were held where it was filed
            out += [implied for e in out if (implied := _implied_visit(e, pl.places_of(e.type, venues_)))][:1]
        return out

    def _modality(self, cue: Mention, modal: list[Mention], text: str) -> str:
        """What a modality cue says of an event's cue: one written over or inside it ("will travel to"),
        one in its clause within a few words (a bare future marker only right before it), and an
        announcement anywhere before it ("من المرتقب …، … الزيارة", "est attendu à Bamako, … pour une visite")."""
        kinds = set(self._cue_modality(cue.entry))
        if not modal:
            return next((k for k in NOT_HAPPENED if k in kinds), "happened")
        for m in modal:
            if m.value == "remote" or m.value in kinds:
                continue
            lo, hi = (m.end, cue.start) if m.end <= cue.start else (cue.end, m.start)
            if lo < hi:
                generic = m.entry.casefold() in GENERIC_CUES
                if m.value == "planned" and " " in m.entry and m.end <= cue.start:
                    pass   # announced before ("is expected", «من المرتقب»): the whole sentence is ahead
                elif _CLAUSE.search(text, lo, hi):
                    continue   # another clause: "Plusieurs fois reportée …, la signature … a eu lieu"
                elif generic and (m.end > cue.start or len(_WORD.findall(text, lo, hi)) > GENERIC_REACH):
                    continue   # "won the election and will lead": the future is another verb's
                elif len(_WORD.findall(text, lo, hi)) > MODAL_REACH:
                    continue
            kinds.add(m.value)
        return next((k for k in NOT_HAPPENED if k in kinds), "happened")


def _resolve_country(standin: Mention, evidence: list[Mention]) -> Mention:
    """"the country" as the country named nearest before it (a country, a city's or a demonym's;
    the title's when the text names none before it): a country mention over the stand-in's words."""
    code = None
    for m in evidence:   # the title's, then the text's, each by start
        if m.field == standin.field and m.start >= standin.start:
            break
        if m.kind in ("country", "demonym", "city") and m.country:
            code = m.country
    return Mention("country", code, standin.field, standin.start, standin.end, standin.text, standin.entry,
                   standin.sentence, code, {"standin": True}) if code else standin


def _by_modality(told: list[tuple[Mention, str]], where: list[EventPlace],
                 text: str) -> list[tuple[Mention, str, list[EventPlace]]]:
    """One event per type and modality in a sentence: "Un an après la visite de Diop à Moscou, Lavrov
    est attendu à Bamako" is a visit that happened and one that is planned; each place goes to the
    one whose cue is nearest. Cues of one clause tell one event («effectuera … la première visite
    d'Etat»: planned), and of the cues with one modality the first tells it."""
    clauses: list[list[tuple[Mention, str]]] = []
    for cue, modality in told:
        if clauses and not _CLAUSE.search(text, clauses[-1][-1][0].end, cue.start):
            clauses[-1].append((cue, modality))
        else:
            clauses.append([(cue, modality)])
    told = []
    for clause in clauses:
        modality = next((k for k in NOT_HAPPENED if any(m == k for _, m in clause)), "happened")
        told += [(cue, modality) for cue, _ in clause]
    first: dict[str, Mention] = {}
    for cue, modality in told:
        first.setdefault(modality, cue)
    if len(first) == 1:
        ((modality, cue),) = first.items()
        return [(cue, modality, where)]
    places: dict[str, list[EventPlace]] = {modality: [] for modality in first}
    for p in where:
        nearest = min(told, key=lambda t: abs(t[0].start - p.start))
        places[nearest[1]].append(p)
    return [(cue, modality, places[modality]) for modality, cue in first.items()]


def _when(text: str, span: tuple[int, int], cue: Mention, published: date | None, modality: str,
          found: dict[bool, list[tuple[int, int, date]]], words: list[tuple[int, int]]) -> tuple[str | None, str | None]:
    """The day of the sentence's date expression nearest the cue (`found`: the sentence's dates by
    `ahead`, filled on first use), else the published day for an event that happened."""
    start, stop = span
    ahead = modality == "planned"
    dates = found.get(ahead)
    if dates is None:
        dates = found[ahead] = find_dates(text[start:stop], published, ahead=ahead, words=words)
    if dates:
        s, e, day = min(dates, key=lambda d: abs(d[0] + start - cue.start))
        return day.isoformat(), text[start + s:start + e]
    return (published.isoformat() if published and modality == "happened" else None), None


def _implied_visit(event: Event, venues: list[EventPlace]) -> Event | None:
    """Talks held, or an agreement signed, in a country that is not a participant's own: that
    participant is visiting it ("Lavrov held talks in Nouakchott", « Goïta a reçu Lavrov à Koulouba »;
    a city only: countries named beside talks are mostly their subject, «обсудили ситуацию на Украине»).
    The visit is the talks' (same cue, day and modality), by the foreign participants (not their
    hosts), to the talks' places outside their own countries: places named as a venue ("in
    Nouakchott", «à Niamey», «في نواكشوط»), not as someone's country ("Traoré of Burkina Faso"). Not from a call."""
    if event.type not in ("talks", "agreement"):
        return None
    origins = {(p.field, p.start) for p in event.where if p.role == "origin"}
    places = [p for p in venues if p.country and (p.field, p.start) not in origins]
    visitors = [w for w in event.who if w.nationality and w.role in VISITOR_ROLES
                and any(p.country != w.nationality for p in places)]
    if not visitors:
        return None
    home = {w.nationality for w in visitors}
    where = [EventPlace(p.id, p.kind, p.name, p.country, "destination", p.field, p.start, p.end) for p in places
             if p.country not in home]
    return Event("visit", event.modality, visitors, where, event.when, event.when_text, event.field,
                 event.sentence, event.start, event.end, event.cue)


def _shares(a: Event, b: Event) -> bool:
    who = {p.actor or (p.nationality, p.role) for p in a.who} & {p.actor or (p.nationality, p.role) for p in b.who}
    return bool(who) or bool({p.id for p in a.where} & {p.id for p in b.where})


def inherit_dates(events: Sequence[Event], openers: set[int]) -> None:
    """An event without a date expression takes that of another report of it in the item: the same
    type and modality, with a participant or place in common, or told again by a sentence that
    opens on its noun ("The coup was led by…", «Нападение произошло 7 августа»). The nearest
    earlier report wins, else the nearest later one (a headline and its lead)."""
    dated = [e for e in events if e.when_text]
    if not dated:
        return
    for e in events:
        if e.when_text:
            continue
        same = [d for d in dated if d.type == e.type and d.modality == e.modality and d is not e]
        before = [d for d in same if (d.field, d.sentence) < (e.field, e.sentence) or d.field == "title" != e.field]
        after = [d for d in same if d not in before]
        for d in before[::-1] + after:
            if id(e) in openers or _shares(d, e):
                e.when, e.when_text = d.when, d.when_text
                break

