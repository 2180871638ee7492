"""Story linking: an item with no typed event joins the story of an independent report of the same news.

Story dedup (stories.py) finds copies by their wording; two newsrooms writing up one verdict or one
strike share names and words, not runs of three words. After classification and event clustering,
each item that reports no typed event and opened a story of its own is compared, the way the online
TF-IDF clustering of Miranda et al. ("Multilingual Clustering of Streaming News", EMNLP 2018) does,
with the stories of the last three days: its terms are the content words of its title and lead (the
first `LEAD_WORDS` words, stop words and numbers left out) and its entities (countries, GeoNames ids
of cities, actor ids: the same in every language), each weighted (1 + ln tf) * ln((N + 1) / (df + 1))
with the document frequencies counted online over the last three days (all workers, in Redis). The
best stored story by cosine similarity, published at most `max_gap` apart, is the same story when
the similarity reaches `threshold`: the item takes its story id (`story_similarity` = the cosine) and
its report joins that story's reports. A later copy of a linked item follows it there. Until
`min_docs` documents have been counted (a fresh deployment), nothing is linked: the frequencies mean
nothing yet. Candidates come from the item's `ANCHORS` heaviest terms (lists of the last 8 stories
per term and day); the best 5 are scored.

Redis, one hash tag for the script's keys (Redis Cluster):
  <p>:{stl}:df:<day>   term -> documents that day ('' -> all documents)
  <p>:{stl}:ix:<day>   term -> story handles · <p>:{stl}:sv:<day>  handle -> the story's vector
  <p>:{stl}:map:<slot> story id -> the story it was linked to · <p>:{stl}:seq  the last handle
Day keys expire 3 days after their day ends; map slots are `window` long and expire after two.
Without Redis (`state=None`) nothing is linked.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from typing import Callable

from newswatch.model.item import Item
from newswatch.pipeline import Stage
from newswatch.pipeline.stories import report_field, report_value
from newswatch.pipeline.story_sketch import lead
from newswatch.store.scripts import script
from newswatch.store.state import State

__all__ = ["StoryLinker", "story_terms"]

LEAD_WORDS, MAX_TERMS, ANCHORS = 40, 40, 6
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
    """The item's terms: content words of title and lead, entities ("C:ML", "P:2460596", "A:lavrov") x2."""
    title, text = lead(item.title, item.text, LEAD_WORDS)
    terms = Counter(w for w in title + text if len(w) > 2 and not w.isdigit() and w not in _STOP)
    facts = item.facts
    if facts is not None:
        for code in facts.countries[:3]:
            terms["C:" + code] += 2
        for city in facts.cities:
            terms["P:" + str(city.get("id"))] += 2
        for actor in facts.actors:
            terms["A:" + str(actor.get("id"))] += 2
    return Counter(dict(terms.most_common(MAX_TERMS)))


class StoryLinker(Stage):
    """Sets `story_id` / `story_first` / `story_similarity` of the items it links; drops nothing;
    `hits` counts linked and copy (a copy of a linked story)."""

    name = "story_link"

    def __init__(self, state: State | None, threshold: float = 0.55, max_gap: float = 18 * 3600,
                 min_docs: int = 200, *, window: float = 72 * 3600, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        if not (0 < threshold <= 1 and max_gap >= 0 and min_docs >= 0 and window > 0):
            raise ValueError(f"story linking: threshold in (0, 1] (got {threshold}), max_gap >= 0 s (got {max_gap}), "
                             f"min_docs >= 0 (got {min_docs}), window > 0 s (got {window})")
        self.state, self.threshold, self.max_gap, self.min_docs = state, threshold, max_gap, min_docs
        self.window, self.clock = window, clock
        self.hits: Counter[str] = Counter()
        self._script = script(state.r, "newswatch.pipeline", "story_link") if state is not None else None

    def process(self, items: list[Item]) -> list[Item]:
        rows = [i for i in items if i.event_id is None and i.story_id and i.facts is not None]
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
            pub = item.published.timestamp() if item.published is not None else -1
            first = item.story_first is not False and item.story_id == item.id
            terms = story_terms(item) if first else Counter[str]()
            lines.append(" ".join([str(item.story_id), f"{pub:.0f}", "1" if first else "0",
                                   *[f"{t} {n}" for t, n in terms.items()]]))
        reply = self._script(keys=names, args=[
            repr(now), today, repr(self.threshold), repr(self.max_gap), self.min_docs, ANCHORS, 8, 5,
            (today + 4) * 86400, (slot + 2) * int(self.window), "\n".join(lines)])
        pipe, joined = self.state.r.pipeline(transaction=False), False
        for order, (item, line) in enumerate(zip(rows, (reply or "").split("\n"))):
            story_id, how, score = line.split(" ")
            if how == "none":
                continue
            item.story_id, item.story_first, item.story_similarity = story_id, False, round(float(score), 3)
            self.hits[how] += 1
            reports = keys.story_reports(story_id)
            pipe.hsetnx(reports, report_field(item), report_value(item, now, order))
            pipe.expire(reports, int(self.window))
            joined = True
        if joined:
            pipe.execute()
