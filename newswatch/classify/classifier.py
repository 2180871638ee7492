"""The classifier: language, places, countries, regions, topics and actors, with evidence."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from newswatch.classify import salience
from newswatch.classify.events.extract import EventExtractor
from newswatch.classify.index import build_index
from newswatch.classify.language import DEFAULT_LANGUAGES, LanguageDetector
from newswatch.classify.model import Facts, Mention, PersonHit
from newswatch.classify.normalize import Normalized, normalize
from newswatch.classify.people import actor_summary, named_actor_mentions, role_mentions
from newswatch.classify.place_rules import capitalised
from newswatch.classify.places import Candidate, PlaceResolver
from newswatch.classify.readings import TermBook
from newswatch.classify.sentences import sentence_spans
from newswatch.classify.tables import WORDLIKE_FILE, Tables, load_tables, wordlike_path  # noqa: F401


def load_wordlike(path: Path) -> set[tuple[str, str]]:
    """(geonameid, lowercase name) pairs of city names that are also common words."""
    if not path.exists():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            gid, name = line.split("\t", 1)
            out.add((gid.strip(), name.strip().lower()))
    return out


class Classifier:
    def __init__(self, tables: Tables, *, languages: Sequence[str] = DEFAULT_LANGUAGES, cache_dir: Path | None = None,
                 wordlike: set[tuple[str, str]] | None = None, min_population: int = 15000) -> None:
        self.tables = tables
        self.index = build_index(tables, cache_dir, min_population, wordlike or set())
        self.terms = TermBook(self.index, tables, {str(c.geonameid): c for c in tables.cities})
        self.places = PlaceResolver(tables, wordlike, self.terms)
        self.detector = LanguageDetector(languages)
        self.actors = {a.id: a for a in tables.actors}
        self.roles_for_titles = (tables.role_patterns or {}).get("roles_for_titles", {})
        self._topic_paths = {t.path: _with_parents(t.path) for t in tables.topics}
        self.events = EventExtractor(tables.event_cues, tables.modality, tables.event_groups,
                                     lookalikes=tables.event_lookalikes)

    @classmethod
    def from_config_dir(cls, config_dir: Path, *, cache_dir: Path | None = None, min_population: int = 15000,
                        languages: Sequence[str] = DEFAULT_LANGUAGES) -> "Classifier":
        tables = load_tables(Path(config_dir), min_population=min_population, with_cities=cache_dir is None)
        return cls(tables, languages=languages, cache_dir=cache_dir, min_population=min_population,
                   wordlike=load_wordlike(wordlike_path(Path(config_dir))))

    def classify(self, title: str, text: str, *, declared_lang: str | None = None,
                 fallback_lang: str | None = None, published: date | None = None) -> Facts:
        """What the item is about; `published` (the day) dates its events when the text names no day. A
        datetime is a date too (its subclass): given one, its day is taken."""
        if isinstance(published, datetime):
            published = published.date()
        texts = {"title": title or "", "text": text or ""}
        head = f"{texts['title']}\n{texts['text'][:self.detector.sample_chars]}"  # all detect reads
        lang, how = self.detector.detect(head, declared=declared_lang, fallback=fallback_lang)
        facts = Facts(lang=lang, lang_how=how)
        found = _Found()
        norms = {}
        for field, body in texts.items():
            spans = sentence_spans(body) if field == "text" else [(0, len(body))]
            facts.sentences[field] = spans
            norms[field] = norm = normalize(body)
            self._scan(field, body, norm, spans, found)
        clues = {nat for row in found.people if (nat := self.actors[row[5][1]].nationality)}
        place_mentions = self.places.resolve(found.places, texts, found.starts, clues)
        nationals = [m for m in place_mentions if m.kind in ("country", "demonym")]
        actor_mentions = named_actor_mentions(found.people, self.actors) + role_mentions(
            found.titles, nationals, texts, self.roles_for_titles)
        self._summarise(facts, place_mentions, actor_mentions, found.others, texts)
        facts.events = self.events.extract(facts, texts, norms, published)
        return facts

    def _scan(self, field: str, body: str, norm: Normalized, spans: list[tuple[int, int]], found: "_Found") -> None:
        """Every dictionary hit of one field, sorted by what it can be: place candidates (less those
        its term alone rules out), named officials, titles, topics and modality cues."""
        index, terms = self.index, self.terms
        hits = index.find_spans(norm)
        if not hits:
            found.starts[field] = set()
            return
        known, locate, ntext = terms.known, index.locate, norm.text
        same_offsets = type(norm.offsets) is range  # nothing moved in normalization
        sentence_starts = [start for start, _ in spans]
        one_sentence = len(spans) == 1 and spans[0][0] == 0
        starts = found.starts[field] = set()
        places, people, titles, others = found.places, found.people, found.titles, found.others
        for nstart, nend, tid in hits:
            info = known.get(tid) or terms.get(tid)
            if same_offsets and not info.edged and not (nstart and ntext[nstart - 1].isalnum()):
                start, end, proclitic = nstart, nend, ""  # what locate() gives in this case
            else:
                start, end, _, _, proclitic = locate(norm, nstart, nend, tid)
            surface = body[start:end]
            if one_sentence:
                sent = 0
            else:
                sent = bisect_right(sentence_starts, start) - 1
                if sent < 0:
                    sent = 0 if sentence_starts else -1  # as sentences.sentence_index
            if info.has_places:
                starts.add(start)
                if info.places is not None and (not info.needs_caps or capitalised(surface)):
                    places.append(Candidate(field, start, end, surface, sent, info, info.places, proclitic))
            if info.more:
                for p in info.people:
                    people.append((field, start, end, surface, sent, p))
                for p in info.titles:
                    titles.append((field, start, end, surface, sent, p))
                for p in info.others:
                    others.append(Mention(p[0], p[1], field, start, end, surface, p[2], sent))

    def _summarise(self, facts: Facts, places: list[Mention], actors: list[Mention], others: list[Mention],
                   texts: dict[str, str]) -> None:
        facts.salience = salience.score(places, texts, facts.lang)
        facts.countries = salience.about(facts.salience)
        facts.mentioned = salience.mentioned(places)
        cities: dict[str, dict[str, Any]] = {}
        for m in places:
            if m.kind == "city" and m.value not in cities:
                cities[m.value] = {"id": m.value, "name": m.extra["name"], "country": m.country,
                                   "capital": m.extra["capital"]}
        facts.cities = list(cities.values())
        regions: dict[str, None] = {}
        for code in facts.countries:
            for slug in self.tables.regions_of(code):
                regions.setdefault(slug, None)
        for m in places:
            if m.kind == "region":
                regions.setdefault(m.value, None)
        facts.regions = list(regions)
        topics: dict[str, None] = {}
        for m in others:
            if m.kind == "topic":
                topics.update(self._topic_paths.get(m.value) or _with_parents(m.value))
        facts.topics = list(topics)
        facts.actors = actor_summary(actors)
        mentions = places + actors + others  # title first, then text, each by start (a stable sort)
        facts.evidence = sorted((m for m in mentions if m.field == "title"), key=_START) + sorted(
            (m for m in mentions if m.field != "title"), key=_START)


_START = attrgetter("start")


def _with_parents(path: str) -> dict[str, None]:
    """"diplomacy/visit" -> {"diplomacy", "diplomacy/visit"} (ordered)."""
    parts = path.split("/")
    return dict.fromkeys("/".join(parts[:i]) for i in range(1, len(parts) + 1))


class _Found:
    """The hits of one item, by what they can be (see `Classifier._scan`)."""

    __slots__ = ("places", "people", "titles", "others", "starts")

    def __init__(self) -> None:
        self.places: list[Candidate] = []
        self.people: list[PersonHit] = []   # (field, start, end, surface, sentence, payload)
        self.titles: list[PersonHit] = []
        self.others: list[Mention] = []
        self.starts: dict[str, set[int]] = {}   # field -> where its place hits start (rule 2)
