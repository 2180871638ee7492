"""The classifier: language, places, countries, regions, topics and actors, with evidence."""
from __future__ import annotations

from pathlib import Path

from newswatch.classify import salience
from newswatch.classify.index import build_index
from newswatch.classify.language import DEFAULT_LANGUAGES, LanguageDetector
from newswatch.classify.model import Facts, Mention
from newswatch.classify.normalize import normalize
from newswatch.classify.people import actor_summary, named_actor_mentions, role_mentions
from newswatch.classify.places import Candidate, PlaceResolver
from newswatch.classify.sentences import sentence_index, sentence_spans
from newswatch.classify.tables import Tables, load_tables

WORDLIKE_FILE = "wordlike-city-names.tsv"


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


PLACE_KINDS = frozenset({"country", "demonym", "city", "region", "institution", "us-state", "block"})


class Classifier:
    def __init__(self, tables: Tables, *, languages=DEFAULT_LANGUAGES, cache_dir: Path | None = None,
                 wordlike: set[tuple[str, str]] | None = None, min_population: int = 15000):
        self.tables = tables
        self.index = build_index(tables, cache_dir, min_population, wordlike or set())
        self.places = PlaceResolver(tables, wordlike)
        self.detector = LanguageDetector(languages)
        self.actors = {a.id: a for a in tables.actors}
        self.roles_for_titles = (tables.role_patterns or {}).get("roles_for_titles", {})

    @classmethod
    def from_config_dir(cls, config_dir: Path, *, cache_dir: Path | None = None, min_population: int = 15000,
                        languages=DEFAULT_LANGUAGES) -> "Classifier":
        tables = load_tables(Path(config_dir), min_population=min_population, with_cities=cache_dir is None)
        return cls(tables, languages=languages, cache_dir=cache_dir, min_population=min_population,
                   wordlike=load_wordlike(Path(config_dir) / WORDLIKE_FILE))

    def classify(self, title: str, text: str, *, declared_lang: str | None = None,
                 fallback_lang: str | None = None) -> Facts:
        texts = {"title": title or "", "text": text or ""}
        lang, how = self.detector.detect(f"{texts['title']}\n{texts['text']}", declared=declared_lang,
                                         fallback=fallback_lang)
        facts = Facts(lang=lang, lang_how=how)
        places, people, titles, others = [], [], [], []
        for field, body in texts.items():
            spans = sentence_spans(body) if field == "text" else [(0, len(body))]
            facts.sentences[field] = spans
            for hit in self.index.find(normalize(body)):
                sent = sentence_index(spans, hit.start)
                readings = [p for p in hit.payloads if p[0] in PLACE_KINDS]
                if readings:
                    places.append(Candidate(field, hit.start, hit.end, hit.surface, sent, readings, hit.proclitic))
                for p in hit.payloads:
                    row = (field, hit.start, hit.end, hit.surface, sent, p)
                    if p[0] == "actor":
                        people.append(row)
                    elif p[0] == "title":
                        titles.append(row)
                    elif p[0] in ("topic", "modality"):
                        others.append(Mention(p[0], p[1], field, hit.start, hit.end, hit.surface, p[2], sent))
        clues = {self.actors[row[5][1]].nationality for row in people}
        place_mentions = self.places.resolve(places, texts, clues)
        nationals = [m for m in place_mentions if m.kind in ("country", "demonym")]
        actor_mentions = named_actor_mentions(people, self.actors) + role_mentions(
            titles, nationals, texts, self.roles_for_titles)
        self._summarise(facts, place_mentions, actor_mentions, others, texts)
        return facts

    def _summarise(self, facts: Facts, places: list[Mention], actors: list[Mention], others: list[Mention],
                   texts: dict[str, str]) -> None:
        facts.salience = salience.score(places, texts)
        facts.countries = salience.about(facts.salience)
        facts.mentioned = salience.mentioned(places)
        cities: dict[str, dict] = {}
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
                parts = m.value.split("/")
                for i in range(1, len(parts) + 1):
                    topics.setdefault("/".join(parts[:i]), None)
        facts.topics = list(topics)
        facts.actors = actor_summary(actors)
        facts.evidence = sorted(places + actors + others, key=lambda m: (m.field != "title", m.start))
