"""Story linking: an item that opened a story or an event of its own joins an independent report's.

Story dedup (stories.py) finds copies by their wording, and event clustering (events.py) joins reports
whose events share language-independent keys; two newsrooms writing up one verdict or one strike share
names and words but often no typed event with the same keys (one report says "sworn in", which no cue
reads; the other names no place). After both, each item that opened a happening of its own (a new story
with no typed event, or a new event) is compared, the way the online TF-IDF clustering of Miranda et al.
("Multilingual Clustering of Streaming News", EMNLP 2018) does, with the independent reports of the last
three days (every item that opened a happening, and every later report that joined an event by its keys: a
happening's second report may be the one written in like words; a story's copies add nothing): its terms
are the Snowball stems of the content words of its title (counted twice) and lead (the first `LEAD_WORDS`
words, stop words and numbers left out), its numbers ("75 votes", «٧٥ صوتا»: written alike in every
language; years left out, counted twice) and its entities (countries, GeoNames ids of cities, actor ids:
the same in every language, counted three times), each weighted (1 + ln tf) * ln((N + 1) / (df + 1)) with
the document frequencies counted online over the last three days (all workers, in Redis). The best stored
report by cosine similarity, published (an undated item: fetched, as its events are dated) at most
`max_gap` apart, is the same happening when the similarity reaches `event_threshold` (0.4) for an event or
for an item that opened an event, else `threshold` (0.6) for a story with no event. Across languages the
words never meet, so there the cosine of the entity and number terms alone counts (`cross_threshold`,
0.5), and only with at least two of them shared (one country in common says too little). Two events that
name different places (a city, else a country, none shared) or different parties (event_keys.other_parties)
are never joined: the clusterer's rules. The item takes that event (`event_id`, and joins its reports) or
story (`story_id`, `story_similarity` = the cosine; an item that opened an event then has `event_id` None,
its events keep their own ids: the desk already has the story's alert, and later reports of its event
follow it there). A later report of a linked happening (a copy of the story, another report of the event)
follows it. Chosen on the DEV half of
tests/data/event_pairs.jsonl (0.4 for events, 0.5 across languages, numbers x2; with all of it, dev
precision 0.89 -> 0.90, recall within 0.35 -> 0.65, across 0.27 -> 0.40; events read from the lead only,
extract.LEAD_SENTENCES) and on tests/data/story_pairs.jsonl (0.6 for stories: precision 1.00, where 0.55
with stems merged a follow-up). Until `min_docs` documents have been counted (a fresh deployment), nothing
is linked: the frequencies mean nothing yet. Candidates come from the item's `ANCHORS` heaviest terms
(lists of the last 8 reports per term and day); the best 5 are scored.

Redis, one hash tag for the script's keys (Redis Cluster):
  <p>:{stl}:df:<day>   term -> documents that day ('' -> all documents)
  <p>:{stl}:ix:<day>   term -> handles · <p>:{stl}:sv:<day>  handle -> happening ("e:<event>", "s:<story>"),
                       published, norm, language, norm of the entity terms, vector
  <p>:{stl}:map:<slot> happening -> the happening it was linked to · <p>:{stl}:seq  the last handle
Day keys expire 3 days after their day ends; map slots are `window` long and expire after two. An
event's added reports go to its family's report hash (event_reports.add_event_reports, that family's slot).
Without Redis (`state=None`) nothing is linked.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from typing import Callable

import snowballstemmer

from newswatch.model.item import Item
from newswatch.pipeline import Stage
from newswatch.pipeline.event_keys import event_keys
from newswatch.pipeline.event_reports import add_event_reports
from newswatch.pipeline.stories import report_field, report_value
from newswatch.pipeline.story_sketch import lead
from newswatch.store.scripts import script
from newswatch.store.state import State

__all__ = ["StoryLinker", "story_terms"]

LEAD_WORDS, MAX_TERMS, ANCHORS = 40, 40, 6
# TF-IDF cosine to join a story with no event, an event, and (entities alone) a report in another language;
# the module docstring says how they were chosen
STORY_THRESHOLD, EVENT_THRESHOLD, CROSS_THRESHOLD = 0.6, 0.4, 0.5
NUMBER_WEIGHT = 2   # a number ("75 votes", «٧٥ صوتا», "11 killed") is written alike in every language
_STOP = frozenset("""
the and for with from that this are was were been has have had its his her their they them she not but
who what which when where will would said says say after over into than more about also new one two
all out can could may might just now how why our your you him being very most other some such there
les des une pour par sur dans est sont aux qui que avec son ses leur leurs pas plus ont été cette ces
elle ils nous vous mais comme tout fait deux entre sans sous selon après lors dont être avoir
что как для это его она они или при так уже был была были будет также ещё еще после который которые
над под без чтобы этом этот эти всех более между через
في من على إلى الى عن مع التي الذي هذا هذه ذلك تلك كان كانت قد بعد قبل حيث وقد ولا أن ان إن لم لن ما
""".split())


def story_terms(item: Item) -> Counter[str]:
    """The item's terms: the stems of the content words of its title (x2) and lead, its numbers ("N:75",
    years left out) x2 and its entities ("C:ML", "P:2460596", "A:lavrov") x3; the `MAX_TERMS` heaviest."""
    title, text = lead(item.title, item.text, LEAD_WORDS)
    facts = item.facts
    stem = _stemmer(_lang(item))
    terms: Counter[str] = Counter()
    for weight, words in ((2, title), (1, text)):
        content = []
        for word in words:
            if word.isdecimal():   # «٧٥» too: int() reads every script's decimal digits
                n = int(word) if len(word) <= 9 else 0
                if n >= 2 and not 1900 <= n <= 2100 and NUMBER_WEIGHT > 0:   # a year: the time gap says it
                    terms["N:" + str(n)] += NUMBER_WEIGHT
            elif len(word) > 2 and word not in _STOP and not word.isdigit():
                content.append(word)
        for word in stem(content):
            terms[word] += weight
    if facts is not None:
        for code in facts.countries[:3]:
            terms["C:" + code] += 3
        for city in facts.cities:
            terms["P:" + str(city.get("id"))] += 3
        for actor in facts.actors:
            terms["A:" + str(actor.get("id"))] += 3
    return Counter(dict(terms.most_common(MAX_TERMS)))


_STEMMERS = {"en": "english", "fr": "french", "ru": "russian", "ar": "arabic"}
_STEMS: dict[str, dict[str, str]] = {}   # language -> word -> stem; cleared when large


def _stemmer(lang: str | None) -> Callable[[list[str]], list[str]]:
    """Snowball's stemmer of the language ("dies", "died" -> "die"; «погибли», «погибших» -> «погибл»),
    with a word cache (a stemmer object keeps state while it works: one per call); other languages' words
    stay as they are."""
    name = _STEMMERS.get(lang or "")
    if name is None:
        return lambda words: words
    cache = _STEMS.setdefault(name, {})
    if len(cache) > 100_000:
        cache.clear()

    def stem(words: list[str]) -> list[str]:
        missing = [w for w in words if w not in cache]
        if missing:
            cache.update(zip(missing, snowballstemmer.stemmer(name).stemWords(missing)))
        return [cache.get(w, w) for w in words]
    return stem


class StoryLinker(Stage):
    """Joins an item that opened a happening of its own (a new event, or a new story with no typed
    event) to the happening of an independent report of the same news: it takes the event (`event_id`)
    or the story (`story_id`, `story_similarity`, and no `event_id`) it matched. A later report of a
    linked happening follows it. Drops nothing; `hits` counts linked and copy (a later report of a
    linked happening)."""

    name = "story_link"

    def __init__(self, state: State | None, threshold: float = STORY_THRESHOLD, max_gap: float = 24 * 3600,
                 min_docs: int = 200, *, event_threshold: float = EVENT_THRESHOLD,
                 cross_threshold: float = CROSS_THRESHOLD, window: float = 72 * 3600,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        bad = [f"{name} in (0, 1] (got {value})" for name, value in (
            ("threshold", threshold), ("event_threshold", event_threshold), ("cross_threshold", cross_threshold))
            if not 0 < value <= 1]
        if bad or not (max_gap >= 0 and min_docs >= 0 and window > 0):
            raise ValueError(f"story linking: {', '.join(bad) or 'thresholds in (0, 1]'}; max_gap >= 0 s (got "
                             f"{max_gap}), min_docs >= 0 (got {min_docs}), window > 0 s (got {window})")
        self.state, self.threshold, self.max_gap, self.min_docs = state, threshold, max_gap, min_docs
        self.event_threshold, self.cross_threshold = event_threshold, cross_threshold
        self.window, self.clock = window, clock
        self.hits: Counter[str] = Counter()
        self._script = script(state.r, "newswatch.pipeline", "story_link") if state is not None else None

    def process(self, items: list[Item]) -> list[Item]:
        rows = [i for i in items if i.story_id and i.facts is not None]
        if self._script is None or self.state is None or not rows:
            return items
        now = self.clock()
        for start in range(0, len(rows), 200):
            self._link(rows[start:start + 200], now)
        return items

    def _link(self, rows: list[Item], now: float) -> None:
        assert self._script is not None and self.state is not None
        keys, today, slot = self.state.keys, int(now // 86400), math.floor(now / self.window)
        names = [keys.story_link("seq"), keys.story_link("map", slot), keys.story_link("map", slot - 1)]
        for day in range(today - 2, today + 1):
            names += [keys.story_link("df", day), keys.story_link("ix", day), keys.story_link("sv", day)]
        lines = []
        for item in rows:
            pub = (item.published or item.fetched_at).timestamp()   # undated: when fetched, as its events
            mode = _mode(item)
            terms = story_terms(item) if mode != "0" else Counter[str]()
            lines.append(" ".join([_happening(item), f"{pub:.0f}", mode, _clean(_lang(item) or "-"), _guard(item),
                                   *[f"{t} {n}" for t, n in terms.items()]]))
        reply = self._script(keys=names, args=[
            repr(now), today, repr(self.event_threshold), repr(self.max_gap), self.min_docs, ANCHORS, 8, 5,
            (today + 4) * 86400, (slot + 2) * int(self.window), "\n".join(lines), repr(self.threshold),
            repr(self.cross_threshold)])
        pipe, stories, events = self.state.r.pipeline(transaction=False), False, list[tuple[str, Item]]()
        for order, (item, line) in enumerate(zip(rows, (reply or "").split("\n"))):
            target, how, score = line.split(" ")
            if how == "none" or target == _happening(item):
                continue
            self.hits[how] += 1
            kind, _, value = target.partition(":")
            if kind == "e":
                item.event_id, item.event_first = value, False
                events.append((value, item))
                continue
            item.event_id = item.event_first = None   # its event is that story's (its events keep their own ids)
            item.story_id, item.story_first, item.story_similarity = value, False, round(float(score), 3)
            reports = keys.story_reports(value)
            pipe.hsetnx(reports, report_field(item), report_value(item, now, order))
            pipe.expire(reports, int(self.window))
            stories = True
        if stories:
            pipe.execute()
        if events:
            add_event_reports(self.state, events, now)


def _lang(item: Item) -> str | None:
    """The item's language: the source's or the detected one."""
    return item.lang or (item.facts.lang if item.facts is not None else None)


def _clean(word: str) -> str:
    """A word the script reads as one: no space or '|' (a language code from a feed may be anything)."""
    return "".join(c for c in word if not c.isspace() and c != "|")[:16] or "-"


def _guard(item: Item) -> str:
    """What keeps two events apart in the script: ",<place and nationality keys>" of the item's event (the
    union over its events with that id, as the clusterer keeps an occasion), "-" for no event."""
    if not item.event_id or item.facts is None:
        return "-"
    keys = {k for e in item.facts.events if e.id == item.event_id for k in event_keys(e) if k[:1] in "pcn"}
    return "," + ",".join(sorted(keys))


def _happening(item: Item) -> str:
    """The item's happening as the script keys it: "e:<event id>" or "s:<story id>"."""
    return f"e:{item.event_id}" if item.event_id else f"s:{item.story_id}"


def _mode(item: Item) -> str:
    """What the script does with the item: "e" it opened an event, "s" it opened a story and has no event
    (both: look up, be indexed), "i" it joined an event by its keys (follow its happening if that was
    linked, be indexed), "0" a copy of a story (only follow: its words are its first copy's)."""
    own_story = item.story_first is not False and item.story_id == item.id
    if item.event_id:
        return "e" if item.event_first else "i" if own_story else "0"
    return "s" if own_story else "0"
