"""The words that tell an event, and what they say of whether it happened.

    cue_index(cues, groups)   the automaton of the event cues (topics.yaml `events:`), group nouns
                              (`event_groups:`), country stand-ins and date words, with inflected forms
                              (morphology.py) and, in Arabic, the pronouns written onto a word
    ModalityReader            what the modality cues (topics.yaml `modality:`) say of each cue: one
                              written over or inside it ("will travel to"), one in its clause within a
                              few words (a bare future marker, "will", «sera», «будет», only right
                              before it), an announcement anywhere before it ("من المرتقب …، … الزيارة");
                              and one event per type and modality in a sentence (`by_modality`)
"""
from __future__ import annotations

import re

from newswatch.classify.automaton import TermIndex
from newswatch.classify.events.dates import date_words
from newswatch.classify.events.lexicon import AHEAD_REACH, COUNTRY_STANDINS, PLANNED_AHEAD, PLANNED_INFINITIVES
from newswatch.classify.model import EventPlace, Mention, Payload
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import normalize_term
from newswatch.classify.tables import Modality

GENERIC_CUES = frozenset({"will", "sera", "будет", "سيكون"})   # a bare future marker: right before the cue only
GENERIC_REACH = 4   # words
MODAL_REACH = 8     # words between any other modality cue and the event's cue
NOT_HAPPENED = ("hypothetical", "threatened", "cancelled", "denied", "planned")   # the first that holds wins
NO_EVENT = frozenset({"hypothetical", "threatened", "aggregate", "since"})   # what a cue bears no event of its type under
PURPOSE = ("to ", "pour ", "чтобы ", "لإجراء", "للقاء", "لعقد")   # planned cues that tell a purpose: bear on what follows
AHEAD = frozenset(w for words in PLANNED_AHEAD.values() for w in words)
FORWARD = PURPOSE + tuple(AHEAD)   # so do "ahead of" and its kin
# A negation right before a cue: the event did not (or will not) happen. Only adjacent: «не менее 10 человек
# погибли» ("no fewer than") is no denial, nor is a "not" a few words off ("not only ... but also").
_NEGATION = re.compile(r"(?:\b(?:did|does|do|has|have|had|was|were|is|are|will|would|could)(?: not|n't)|\bnever|"
                       r"(?<![\w'])(?:not|не|لم|لن)|\b(?:pas|jamais))\s+$", re.IGNORECASE)
_FR_NE = re.compile(r"\b(?:ne|n['’])", re.IGNORECASE)


def _negated(text: str, start: int) -> bool:
    """Whether the words right before a cue deny it ("has not visited", «не прилетел», «لم يصل»; French «pas» and
    «jamais» with their «ne» before: « n'a pas rencontré »)."""
    before = text[max(0, start - 24):start]
    found = _NEGATION.search(before)
    if found is None:
        return False
    word = found.group(0).strip().casefold()
    return word not in ("pas", "jamais") or _FR_NE.search(before, 0, found.start()) is not None


# A count of meetings or visits right after the cue: an aggregate, no one event (the guide's negatives: "met more
# than 15 times", «посетил страну четырежды»). At most three words between ("met with Putin nine times").
_REPEATED = re.compile(
    r"[^\w,;.!?]*(?:[\w'’-]+[^\w,;.!?]+){0,3}?(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many|"
    r"numerous|dozens of|deux|trois|quatre|cinq|plusieurs|maintes|два|три|четыре|пять|несколько|много)\s+"
    r"(?:times|fois|reprises|раз|раза)\b|(?:twice|repeatedly|дважды|трижды|четырежды|неоднократно)\b|(?:\d+|عدة)\s+مرات)",
    re.IGNORECASE)
# a count of three or more before a plural noun: a word ("several meetings", «عدة لقاءات») …
_COUNTED = re.compile(r"(?:\b(?:several|many|numerous|dozens of|plusieurs|nombreux|nombreuses|multiples|несколько|"
                      r"многочисленные|десятки)|(?<!\w)عدة)\s+(?:more\s+|other\s+|autres\s+)?$", re.IGNORECASE)
# … or a number ("12 more meetings", « 140 conversations »), not a date's ("March 28-31 visit")
_COUNTED_NUMBER = re.compile(r"(?<![-/–\d])(?:[3-9]|\d{2,3})\s+(?:more\s+|other\s+|autres\s+)?$")


# "since" before an event's noun: the event is when something else began, told as a point in time ("the first German
# politician to enter Gaza since the October 7 attack", "first trip since Maduro's ouster", « depuis le coup d'État
# de 2020 », «впервые с момента переворота», «منذ الانقلاب»): it is not reported. Up to three words between (an
# article, a date, a name); French «depuis» only before an article (« depuis Bamako » is where from); Arabic «منذ»
# not before a length of time («منذ قليل», «منذ ساعات»: "a while ago", "hours ago").
_SINCE = re.compile(r"(?:\bsince|\bdepuis\s+(?:le|la|les|l['’]|son|sa|ses|leur)|\bс\s+момента|\bсо\s+времени|"
                    r"(?<!\w)منذ(?!\s+(?:قليل|لحظات|دقائق|ساعة|ساعات|ساعتين|يوم|يومين|أيام|ايام|أسبوع|أسبوعين|أسابيع|"
                    r"شهر|شهرين|أشهر|شهور|عام|عامين|أعوام|سنة|سنتين|سنوات|فترة|وقت)(?!\w)))\s+(?:[\w'’-]+\s+){0,3}$",
                    re.IGNORECASE)
_SINCE_WORDS = ("since", "depuis", "момента", "времени", "منذ")
_SINCE_ANYWHERE = _SINCE_WORDS + ("Since", "SINCE", "Depuis", "DEPUIS")   # a text with none needs no look per cue


def _since(text: str, start: int) -> bool:
    """Whether the cue is what a "since" counts from (see `_SINCE`), within its clause."""
    before = text[max(0, start - 48):start]
    lowered = before.casefold()
    if not any(word in lowered for word in _SINCE_WORDS):   # most cues: no regex search
        return False
    found = _SINCE.search(before)
    return found is not None and CLAUSE.search(before, found.start()) is None


def _repeated(text: str, start: int, end: int) -> bool:
    """Whether the cue is counted: a count of times follows it within its clause ("nine times", « à plusieurs
    reprises », «несколько раз», «четырежды», «عدة مرات»), or a count of three or more stands before its noun
    ("12 more meetings", « 140 conversations téléphoniques », «عدة لقاءات»)."""
    if _REPEATED.match(text, end, min(len(text), end + 60)) is not None:
        return True
    before = text[max(0, start - 24):start]
    return _COUNTED.search(before) is not None or (
        text[end - 1:end] in ("s", "x") and _COUNTED_NUMBER.search(before) is not None)


CLAUSE = re.compile(r"[,;:()\[\]«»\"“”—–]| - |،")
_WORD = re.compile(r"[\w'’-]+")


_WORDING = ("event", "group", "lookalike", "modality")   # entries of words and phrases, not names


def cue_index(event_cues: Modality, event_groups: Modality | None = None,
              lookalikes: dict[str, list[str]] | None = None) -> TermIndex[Payload]:
    """The automaton of the event cues, group nouns and country stand-ins. Its own, not the
    classifier's: there the longest term at a place wins, and a cue ("will travel to") would hide
    the topic or modality term it starts with. Look-alikes (topics.yaml `event_lookalikes:`, "heart
    attack", «ضربة جزاء») are words that hold a cue and tell no event: being longer, they hide it."""
    entries = [("event", kind, by_lang) for kind, by_lang in event_cues.items()]
    entries += [("lookalike", "none", lookalikes or {})]
    entries += [("group", role, by_lang) for role, by_lang in (event_groups or {}).items()]
    entries += [("standin", "country", {lang: list(words) for lang, words in COUNTRY_STANDINS.items()})]
    entries += [("date", "word", {"*": date_words()})]   # which sentences may hold a day: dates.find_dates
    entries += [("modality", "planned", PLANNED_INFINITIVES)]   # the extractor's own (lexicon.py)
    entries += [("modality", "planned", PLANNED_AHEAD)]
    return TermIndex((form, (what, kind, term, lang)) for what, kind, by_lang in entries
                     for lang, terms in by_lang.items() for term in terms
                     for written in (_arabic_forms(term) if lang == "ar" and what != "standin" else (term,))
                     for form in variants(written, lang, "name" if what not in _WORDING
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


class ModalityReader:
    def __init__(self, modality_cues: Modality | None) -> None:
        # a cue that is itself a modality cue or starts with one ("will travel to", «se rendra»,
        # «سيزور»): the automaton reports the longest term at a place, so the modality is read here
        self._prefixes = sorted(((normalize_term(c), kind) for kind, by_lang in (modality_cues or {}).items()
                                 for cues in by_lang.values() for c in cues
                                 if c.casefold() not in GENERIC_CUES), key=lambda p: -len(p[0]))
        self._of_cue: dict[str, tuple[str, ...]] = {}
        self._alone: dict[str, str] = {}   # term -> what it says with no modality cue in its sentence
        self._since: tuple[str, bool] = ("", False)   # the last text read, and whether a "since" is in it (one tuple:
        # threads share the reader, and each reads and sets it whole)

    def of_cue(self, term: str) -> tuple[str, ...]:
        found = self._of_cue.get(term)
        if found is None:
            found = tuple(kind for prefix, kind in self._prefixes
                          if term == prefix or term.startswith(prefix + " "))
            if " " in term and term.split(" ", 1)[0] in GENERIC_CUES:
                found += ("planned",)
            self._of_cue[term] = found
        return found

    def of(self, cue: Mention, modal: list[Mention], text: str) -> str:
        """What a modality cue says of an event's cue: one written over or inside it ("will travel to"),
        one in its clause within a few words (a bare future marker only right before it), and an
        announcement anywhere before it ("من المرتقب …، … الزيارة", "est attendu à Bamako, … pour une visite")."""
        if _negated(text, cue.start):
            return "denied"   # "did not arrive", «не прилетел», «لم يصل», « n'a pas rencontré »
        if cue.value in ("talks", "visit") and _repeated(text, cue.start, cue.end):
            return "aggregate"   # "met with Putin nine times", «посетил страну четырежды»: no one event
        since = self._since
        if since[0] is not text:
            since = self._since = (text, any(w in text for w in _SINCE_ANYWHERE))
        if since[1] and _since(text, cue.start):
            return "since"   # "since the October 7 attack": a point in time, no event reported
        if not modal:   # most sentences: then the term alone says it
            found = self._alone.get(cue.entry)
            if found is None:
                kinds_of = self.of_cue(cue.entry)
                found = self._alone[cue.entry] = next((k for k in NOT_HAPPENED if k in kinds_of), "happened")
            return found
        kinds = set(self.of_cue(cue.entry))
        for m in modal:
            if m.value == "remote" or m.value in kinds:
                continue
            lo, hi = (m.end, cue.start) if m.end <= cue.start else (cue.end, m.start)
            if lo < hi and m.start >= cue.end and m.value == "planned" and m.entry.casefold().startswith(FORWARD):
                continue   # a purpose is the next verb's: "arrived in Bamako on Tuesday to visit Mali" happened
            if m.end <= cue.start and m.entry.casefold() in AHEAD and len(_WORD.findall(text, m.end, cue.start)) > AHEAD_REACH:
                continue   # "ahead of the anniversary of the disputed 2020 elections": not the elections
            if lo < hi:
                generic = m.entry.casefold() in GENERIC_CUES
                if m.value in ("planned", "denied") and " " in m.entry and m.end <= cue.start:
                    pass   # announced or denied before ("is expected", «من المرتقب», "denied reports that"): the
                    # whole sentence is ahead
                elif CLAUSE.search(text, lo, hi):
                    continue   # another clause: "Plusieurs fois reportée …, la signature … a eu lieu"
                elif generic and (m.end > cue.start or len(_WORD.findall(text, lo, hi)) > GENERIC_REACH):
                    continue   # "won the election and will lead": the future is another verb's
                elif len(_WORD.findall(text, lo, hi)) > MODAL_REACH:
                    continue
            kinds.add(m.value)
        return next((k for k in NOT_HAPPENED if k in kinds), "happened")


def by_modality(told: list[tuple[Mention, str]], where: list[EventPlace],
                 text: str) -> list[tuple[Mention, str, list[EventPlace]]]:
    """One event per type and modality in a sentence: "Un an après la visite de Diop à Moscou, Lavrov
    est attendu à Bamako" is a visit that happened and one that is planned; each place goes to the
    one whose cue is nearest. Cues of one clause tell one event («effectuera … la première visite
    d'Etat»: planned), and of the cues with one modality the first tells it."""
    if len(told) == 1:   # most sentences: one cue of the type
        ((cue, modality),) = told
        return [(cue, modality if modality in NOT_HAPPENED else "happened", where)]
    clauses: list[list[tuple[Mention, str]]] = []
    for cue, modality in told:
        if clauses and not CLAUSE.search(text, clauses[-1][-1][0].end, cue.start):
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
