"""EventExtractor: the events an item reports, read off the classifier's mentions sentence by sentence.

Events are read from the headline and the text's first `LEAD_SENTENCES` (12) sentences. A report tells
its news first; a long article's later paragraphs are mostly its background (what happened before,
what others did elsewhere), which alerts and grouping must not take for the news: in the 591 world
items 621 of 1,211 events came from past the tenth sentence of a few full-text items (one has 171
sentences), and reading them was half the extraction's cost. Twelve keeps the real posts' news: the
seed Telegram post (tests/data/seed) says "It was announced in Bamako that Lavrov's visit would last two
days" in its eighth sentence, and every collected text (at most five sentences) is read whole. On the
DEV labelled pairs, 6 to 12 sentences gave one true pair more and (8 to 12) one false pair more
(another oath the same day in Dhaka), 20 two false pairs more (BENCHMARKS.md section 13.1).

For each of those sentences that holds a cue of an event type (the `events:` lists of topics.yaml, in
the item's language, found by an automaton of their own):

- **type**: the cue's; one event per type per sentence ("arrived in Bamako and held talks with
  Goïta" is a visit and talks). A phone call is talks, never a visit (modality cue `remote`).
- **who** (who.py): named actors, officials named by title, group nouns ("gunmen", «боевики»),
  countries acting; pronoun and stand-in subjects resolved to the nearest earlier sentence's people
  (or, in a lead that opens on "He", the next one's).
- **where** (places.py): the places of the sentence with their role: a visit's `destination` or
  `origin` ("flew from Bamako to Moscow"), else the `location`; a sentence of the lead that names no
  place takes the dateline's ("BAMAKO, Feb 7 (Reuters) -"), another one the places the sentence
  before it marks, when it tells of the same people ("Lavrov était à Ouagadougou. Le ministre russe
  a tenu une conférence de presse").
- **modality** (cues.py): `planned`, `denied` or `cancelled` when a modality cue says so of the
  event's cue, or when the event's date is after the day the item was published; else `happened`.
  A cue a threat bears on ("threatened to impose tariffs", "amid the threat of attack", «пригрозил
  ударом») or a condition ("if the US imposes sanctions", «Если США введут санкции», «إذا تم التوقيع») tells
  no event of its type; a negation right before the cue denies it ("did not arrive", «не прилетел»,
  «لم يصل»); a purpose after a cue is the next verb's, not the cue's ("arrived … to hold talks": the
  arrival happened). Look-alikes that hold a cue ("heart attack", «حظر التجول») tell none (topics.yaml
  `event_lookalikes:`), nor does a count of meetings or visits ("met nine times", «четырежды»).
- **when**: the date expression of the sentence nearest the cue (dates.py); else that of another
  report of the same event in the item (same type and modality, a participant or place in common, or
  a sentence that opens on the event's noun: "The coup was led by…"); else, for an event that
  happened, the published day. A planned event without a date has no day.

Visits no cue tells (implied.py): talks of a foreign official in a city of another country, and a
guest received by a host of another country.

An event needs a participant or a place: a bare "the visit" says nothing to match or group on.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from datetime import date
from itertools import groupby
from operator import attrgetter

from newswatch.classify.events import discourse as ds
from newswatch.classify.events import implied as im
from newswatch.classify.events import places as pl
from newswatch.classify.events import who as wh
from newswatch.classify.events.cues import NO_EVENT, ModalityReader, by_modality, cue_index
from newswatch.classify.events.lexicon import AS_NOT, AS_SUBJECTS, MOTION_TYPES, OTHER_CLAUSE, OTHER_CLAUSE_WORDS
from newswatch.classify.events.places import PEOPLE_KINDS
from newswatch.classify.model import Event, Facts, Mention, Participant
from newswatch.classify.normalize import Normalized, OffsetMap
from newswatch.classify.tables import Modality

UNNAMED = frozenset({"event", "modality", "date", "topic", "standin", "lookalike"})   # no who, no where
LEAD_SENTENCES = 12   # of the text: the ones events are read from (see the module docstring)
OPENING = 3   # a cue within the first words of a sentence tells again an event told before ("The coup…")
AHEAD = 2     # sentences: how far a lead opening on "He" looks for who he is
_WORD = re.compile(r"[\w'’-]+")
_OTHER_CLAUSE = {lang: re.compile(pattern) for lang, pattern in OTHER_CLAUSE.items()}
_FIELD_SENTENCE = attrgetter("field", "sentence")

Key = tuple[str, int]   # (field, sentence)
Order = tuple[bool, int]   # (in the text, sentence): the title's sentence first
_Kinds = tuple[tuple[tuple[str, str], ...], bool, bool]   # a cue term's (what, kind) pairs, is an event, has edges
_Hit = tuple[int, int, int, int, tuple[tuple[str, str], ...], bool]   # sentence, start, end, term id, kinds, is an event


class EventExtractor:
    def __init__(self, event_cues: Modality | None = None, modality_cues: Modality | None = None,
                 event_groups: Modality | None = None, lead_sentences: int = LEAD_SENTENCES,
                 lookalikes: dict[str, list[str]] | None = None) -> None:
        if lead_sentences < 1:
            raise ValueError(f"event extraction: lead_sentences >= 1 (got {lead_sentences})")
        self.lead_sentences = lead_sentences
        self.cues = cue_index(event_cues or {}, event_groups, lookalikes)
        self.languages = frozenset(lang for by_lang in (event_cues or {}).values() for lang in by_lang)
        self.modality = ModalityReader(modality_cues)
        self._kinds: dict[tuple[int, str | None], _Kinds] = {}   # (term id, lang) -> what it is

    def _term_kinds(self, tid: int, lang: str | None) -> _Kinds:
        """What the cue term `tid` is in `lang` ((what, kind) pairs), whether one is an event cue, and
        whether the term has edge punctuation (its span then needs `locate`): worked out once per term."""
        found = self._kinds.get((tid, lang))
        if found is None:
            index, any_lang = self.cues, lang not in self.languages
            kinds = tuple(dict.fromkeys((what, kind) for what, kind, _term, term_lang in index.payloads(tid)
                                        if any_lang or term_lang == lang or term_lang == "*"))
            found = self._kinds[(tid, lang)] = (kinds, any(what == "event" for what, _ in kinds), index.has_edges(tid))
        return found

    def cue_hits(self, norm: Normalized, spans: list[tuple[int, int]], lang: str | None = None,
                 sentences: int | None = None) -> list[_Hit]:
        """(sentence, start, end, term id, kinds) of each cue term of one field in `lang` (see
        `cue_mentions`), the mentions not built yet: only the sentences an event cue is in need them.
        `sentences`: only the first so many sentences are read."""
        stop = None
        if sentences is not None and len(spans) > sentences:   # the normalized start of the first one left out
            stop = bisect_left(norm.offsets, spans[sentences][0], 0, len(norm.text))
        found = self.cues.find_spans(norm, stop)
        if not found:
            return []
        starts = [start for start, _ in spans]
        one_sentence = len(starts) == 1 and starts[0] == 0
        offsets = norm.offsets
        same_offsets = type(offsets) is range   # nothing moved in normalization
        span = offsets.span if type(offsets) is OffsetMap else norm.span
        index, term_kinds, out = self.cues, self._term_kinds, []
        for nstart, nend, tid in found:
            kinds, is_event, edged = term_kinds(tid, lang)
            if not kinds:
                continue
            if edged:   # its punctuation may widen the hit
                start, end, _, _, _ = index.locate(norm, nstart, nend, tid)
            elif same_offsets:
                start, end = nstart, nend   # what locate() gives then
            else:
                start, end = span(nstart, nend)   # and then
            sentence = 0 if one_sentence else max(0, bisect_right(starts, start) - 1)
            out.append((sentence, start, end, tid, kinds, is_event))
        return out

    def cue_mentions(self, field: str, norm: Normalized, spans: list[tuple[int, int]],
                     lang: str | None = None) -> list[Mention]:
        """The event cues (kind `event`), group nouns (kind `group`) and country stand-ins of one
        field, in `lang` (every language's when `lang` has no cues)."""
        return self._mentions_of(field, norm.original, self.cue_hits(norm, spans, lang))

    def _mentions_of(self, field: str, original: str, hits: list[_Hit], keep: set[Key] | None = None) -> list[Mention]:
        """The mentions of `hits` (of the sentences in `keep`, when given)."""
        term = self.cues.term
        return [Mention(what, kind, field, start, end, original[start:end], term(tid), sentence)
                for sentence, start, end, tid, kinds, _ in hits if keep is None or (field, sentence) in keep
                for what, kind in kinds]

    def extract(self, facts: Facts, texts: dict[str, str], norms: dict[str, Normalized],
                published: date | None = None) -> list[Event]:
        lang = facts.lang or ""
        hits = {field: self.cue_hits(norm, facts.sentences.get(field) or [(0, len(norm.original))], lang,
                                     None if field == "title" else self.lead_sentences)   # the lead, not the background
                for field, norm in norms.items()}
        told = sorted({(field != "title", hit[0]) for field, field_hits in hits.items() for hit in field_hits if hit[5]})
        if not told:
            return []
        # the item's mentions by sentence, indexed once: a sentence and its neighbours read theirs from here
        # (the evidence is by field, then start: a sentence's mentions are one run)
        sentences: dict[Key, list[Mention]] = {}
        for key, run in groupby(facts.evidence, _FIELD_SENTENCE):
            found = sentences.get(key)
            if found is None:
                sentences[key] = list(run)
            else:
                found.extend(run)
        # only the sentences with a cue are read (and, when they need them, their neighbours)
        by_sentence: dict[Key, list[Mention]] = {}
        for text, sentence in told:
            key = ("text" if text else "title", sentence)
            by_sentence[key] = list(sentences.get(key, ()))
        keep = set(by_sentence)
        for field, field_hits in hits.items():
            for m in self._mentions_of(field, norms[field].original, field_hits, keep):
                by_sentence[(field, m.sentence)].append(ds.resolve_country(m, facts.evidence) if m.kind == "standin" else m)
        item = _Item(facts, texts, lang, published, pl.dateline(sentences.get(("text", 0), []), texts.get("text", "")),
                     facts.countries[0] if len(facts.countries) == 1 else None, sentences)
        events: list[Event] = []
        lead_done = False   # the title and the text's first sentence with a cue are the lead: the dateline is theirs
        for order in told:
            key = ("text" if order[0] else "title", order[1])
            lead = key[0] == "title" or not lead_done
            lead_done = lead_done or key[0] == "text"
            events += self._sentence_events(key, order, by_sentence[key], lead, item)
        ds.inherit_dates(events, item.openers)
        return events

    # --- one sentence -----------------------------------------------------------------------
    def _sentence_events(self, key: Key, order: Order, mentions: list[Mention], lead: bool, item: "_Item") -> list[Event]:
        field, sentence = key
        text, lang, dateline = item.texts.get(field, ""), item.lang, item.dateline if lead else []
        spans = item.facts.sentences.get(field) or [(0, len(text))]
        span = spans[sentence] if sentence < len(spans) else (0, len(text))
        cues, modal, dated, named = [], [], [], False
        for m in mentions:
            kind = m.kind
            if kind == "event":
                if im.receives_someone(m, mentions, item.lang):
                    cues.append(m)
            elif kind == "modality":
                modal.append(m)
            elif kind == "date":
                dated.append((m.start - span[0], m.end - span[0]))
            elif kind not in UNNAMED:
                named = True
        if not cues:
            return []
        cut = _other_clause(text, max(c.end for c in cues), span[1], lang)
        if cut is not None:   # after every cue: the rest of the sentence is another clause's (lexicon.OTHER_CLAUSE)
            mentions = [m for m in mentions if m.kind in UNNAMED or m.start < cut]
            named = any(m.kind not in UNNAMED for m in mentions)
        standin = None   # whether the subject stands in for someone named before: asked only when it matters
        if not named and not dateline:
            standin = wh.stands_in(text, span[0], cues, lang)
            if not standin:
                return []   # nobody and nowhere to tell of
        remote = any(m.value == "remote" for m in modal)
        places = pl.read_places(mentions, text, span[0], lang, item.places)
        people = wh.people(mentions, places, text)
        if not people and (standin if standin is not None else wh.stands_in(text, span[0], cues, lang)):
            people = item.people_near(order)
        if not dateline and not any(p.venue and p.mark for p in places):
            places += item.places_before(order, people)   # "Lavrov était à Ouagadougou. Le ministre russe a tenu…"
        # the country groups act for when no demonym says: the one place of the sentence, but a region ("in the
        # West African country", "Latin American waters") is no country, and with one the place is unsure
        venues = {(p.mention.country or p.mention.value, p.mention.kind) for p in places if p.venue}
        venue, kind = venues.pop() if len(venues) == 1 else (item.home, "country")
        groups = wh.groups(mentions, text, venue if kind != "region" else None)
        by_kind: dict[str, list[tuple[Mention, str]]] = {}
        for cue in cues:
            kind = "talks" if cue.value == "visit" and remote else cue.value   # a call is not a visit
            if kind == "protest" and _military_strike(cue, mentions, text):
                kind = "attack"
            modality = self.modality.of(cue, modal, text)
            if modality not in NO_EVENT:   # a threat or a condition is no event ("threatened to impose tariffs", "if…")
                by_kind.setdefault(kind, []).append((cue, modality))
        out: list[Event] = []
        dates: dict[bool, list[tuple[int, int, date]]] = {}
        for kind, told in by_kind.items():
            own = [c for c in cues if c.value == kind or (remote and kind == "talks" and c.value == "visit")]
            is_place = [pl.is_event_place(kind, p, text, own) for p in places]   # beside its own nouns, not others'
            bodies = wh.institutions(mentions, own, text) if kind in pl.STATE_ACTS else []
            # armed groups arriving are a deployment, no visit (the labelling guide): they take no part in one
            who = ([p for p in people if p.role != "militia"] if kind in MOTION_TYPES
                   else wh.merge(people, groups, wh.acting(places, is_place, text), bodies))
            if kind in MOTION_TYPES:
                who = wh.less_owners(who, text, own)
            where = pl.where(kind, places, text, cues, who, is_place) or pl.places_of(kind, dateline[:1])
            if not who and not where:
                continue
            for cue, modality, at in by_modality(told, where, text):
                when, when_text = ds.when(text, span, cue, item.published, modality, dates, dated)
                if modality == "happened" and when_text and item.published and when and when > item.published.isoformat():
                    modality = "planned"   # "le 29 novembre" in a report of 20 November
                out.append(Event(kind, modality, who, at, when, when_text, field, sentence, cue.start, cue.end,
                                 cue.text))
                if cue.start - span[0] < 60 and len(_WORD.findall(text, span[0], cue.start)) < OPENING:
                    item.openers.add(id(out[-1]))
        if "visit" not in by_kind and not remote:
            venues_ = [p.mention for p in places if p.mention.kind == "city" and (p.mark or pl.next_to(text, p.mention, cues))]
            venues_ = venues_ or [m for m in dateline if m.kind == "city"]   # the lead's talks were held where it was filed
            for e in out:
                implied = (im.venue_visit(e, pl.places_of(e.type, venues_)) if venues_
                           else im.hosted_visit(e, lang, text) or (None if any(p.venue for p in places) else im.met_visit(e)))
                if implied:
                    out.append(implied)
                    break
        return out


def _other_clause(text: str, start: int, end: int, lang: str) -> int | None:
    """Where a conjunction opens another clause in text[start:end] (lexicon.OTHER_CLAUSE), else None."""
    pattern = _OTHER_CLAUSE.get(lang)
    if pattern is None:
        return None
    if not any(text.find(w, start, end) >= 0 for w in OTHER_CLAUSE_WORDS[lang]):
        return None
    for found in pattern.finditer(text, start, end):
        if lang != "en" or found.group() != "as":
            return found.start()
        after = text[found.end() + 1:found.end() + 6]
        before = text[max(0, found.start() - 12):found.start()].split()
        if text[found.end():found.end() + 1] == " " and (after[:1].isupper() or after.startswith(AS_SUBJECTS)) and not (
                before and before[-1].casefold() in AS_NOT):
            return found.start()
    return None


_KILLING = frozenset("kill kills killed killing hit hits hitting target targets targeted destroy destroys "
                     "destroyed wound wounds wounded injure injures injured".split())
_ARMED = frozenset("aerial retaliatory deadly precision military".split())


def _military_strike(cue: Mention, mentions: list[Mention], text: str) -> bool:
    """Whether an English "strike" is an armed one, not a walkout: a state's ("Israeli strikes", "US strikes":
    a demonym, country or state body right before it) or one that kills or hits ("an Israeli strike killed 14",
    "strikes hit Kyiv"). French, Russian and Arabic have a word for each (« frappe » / « grève »)."""
    if cue.text.casefold() not in ("strike", "strikes"):
        return False
    after = _WORD.search(text, cue.end, cue.end + 20)
    if after is not None and after.group().casefold() in _KILLING:
        return True
    before = text[max(0, cue.start - 16):cue.start].split()
    if before and before[-1].casefold() in _ARMED:
        return True
    return any(m.kind in ("demonym", "country", "institution") and 0 <= cue.start - m.end <= 2 for m in mentions)


class _Item:
    """What the sentences of one item share: its texts, language, day, dateline, the one country it
    is about, which sentences name people, and the events told by a sentence opening on their cue."""

    def __init__(self, facts: Facts, texts: dict[str, str], lang: str, published: date | None,
                 dateline: list[Mention], home: str | None, sentences: dict[Key, list[Mention]]) -> None:
        self.facts, self.texts, self.lang, self.published = facts, texts, lang, published
        self.dateline, self.home = dateline, home
        self._with_people: list[Order] | None = None
        self.sentences = sentences   # the item's mentions by (field, sentence), in evidence order
        self.openers: set[int] = set()
        self.places: pl.Memo = {}   # each place mention read once, for its sentence and for the next one

    @property
    def with_people(self) -> list[Order]:
        """The sentences that name people (or a nationality), in order: only a sentence whose subject
        stands in for someone named before asks (people_near)."""
        if self._with_people is None:
            self._with_people = []
            for m in self.facts.evidence:
                if (m.kind in PEOPLE_KINDS or m.kind == "demonym") and (
                        not self._with_people or self._with_people[-1] != (m.field != "title", m.sentence)):
                    self._with_people.append((m.field != "title", m.sentence))
        return self._with_people

    def _mentions(self, order: Order) -> list[Mention]:
        return self.sentences.get(("text" if order[0] else "title", order[1]), [])

    def people_near(self, order: Order) -> list[Participant]:
        """The people of the nearest earlier sentence that names any; in a lead with none before
        ("Il est arrivé à Ouagadougou ce soir. … Serguei Lavrov…"), of the next such sentence."""
        at = bisect_right(self.with_people, order)
        earlier = [o for o in self.with_people[:at] if o != order]
        if earlier:
            source = earlier[-1]
        elif at < len(self.with_people) and self.with_people[at][1] - order[1] <= AHEAD and (
                self.with_people[at][0] == order[0]):
            source = self.with_people[at]
        else:
            return []
        before = self._mentions(source)
        body = self.texts.get(before[0].field, "")
        return wh.resolved(wh.people(before, pl.read_places(before, body, 0, self.lang, self.places), body))

    def places_before(self, order: Order, people: list[Participant]) -> list[pl.Place]:
        """The places the sentence before marks ("à Ouagadougou"), when it names one of `people`."""
        if not order[1] and not order[0]:
            return []
        previous = (order[0], order[1] - 1) if order[1] else (False, 0)
        mentions = self._mentions(previous)
        if not mentions:
            return []
        body = self.texts.get(mentions[0].field, "")
        places = [p for p in pl.read_places(mentions, body, 0, self.lang, self.places) if p.venue and p.mark == "towards"]
        if not places:
            return []
        theirs = {wh.identity(p) for p in wh.people(mentions, places, body)}
        return places if any(wh.identity(p) in theirs for p in people) else []
