"""Story deduplication: items that tell the same story get one `story_id`, shared by all workers.

A copy of a report (a wire story in several feeds, a channel's repost with "(AFP)" or "read
more in our Telegram-channel", a new headline, a cut text) is found by the words of its lead:
the title and the first `lead_words` words of the text, boilerplate removed (`fingerprint_text`,
`words`, `lead` in story_sketch.py), cut into word 3-grams. The `sketch_size` smallest 47-bit hashes of those
shingles are the item's sketch (bottom-k); a stored story is the same story when

    similarity = shared sketch values / min(sketch_size, max(shingles of the item, of the story))

reaches `threshold` (0.3). It estimates |A∩B| / max(|A|,|B|), the share of the larger lead the
two have in common; the choice is explained in tests/data/story_pairs.md. An equal canonical URL
is always the same story. Different stories on one topic share names and stock phrases, not
runs of three words through their leads.

Redis 7.0 has no per-field expiry, so storage is time-sliced into slots one window long:
  <p>:story:ix:<slot>:<shard>  the `retrieval` smallest sketch values and the URL's -> story handle
  <p>:story:map:<slot>:<n>     handle -> "story_id|last_seen|published|shingles|sketch"
  <p>:story:<id>:reports       one report per (source, url), see `story_reports`
Index hashes are small and int-keyed (listpack-encoded) and expire as a whole one window after
their slot ends; lookups read the current and the previous slot, and the story's last-seen time
enforces the window exactly (counted from the story's latest copy). Lookup, decision, index and
report writes for a batch run as one Lua script: one round trip, and two workers racing with
two copies of a story see each other (scripts are atomic). Keys are built inside the script: a
single Redis, not Redis Cluster. Without Redis (`state=None`) items are grouped within this
instance's batches only.
"""
from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any, Callable

from newswatch.model.item import Item
from newswatch.logs import fields
from newswatch.pipeline import Stage
from newswatch.store.scripts import script
from newswatch.store.state import State
from newswatch.pipeline.story_sketch import SHINGLE, fingerprint_text, lead, pack, sketch, url_anchor, words

__all__ = ["StoryDeduplicator", "fingerprint_text", "lead", "parse_reports", "report_field", "report_value",
           "reports_key", "sketch", "story_reports", "url_anchor", "words"]

log = logging.getLogger(__name__)
_SPLIT = 2 ** 31  # anchor = shard * _SPLIT + field (listpack 32-bit ints)
_Row = tuple[Item, list[int], int]  # an item, its sketch, its number of shingles
_Decision = tuple[str, str, str]  # story id, how (new | near_duplicate | same_url), similarity


# --- Redis: look up, decide, index and record a whole batch in one atomic step ---------------
# ARGV: prefix, now, window (= slot length), map shards, threshold, sketch size, min shared,
# report ttl, then the batch in one string (redis-py packs and parses each argument and reply
# slowly; Lua splits a string fast): one line per item, "words<TAB>report field<TAB>report JSON",
# words = "id published(-1: unknown) shingles has_url sketch('.' if none) shard field ...", the
# (shard, field) of each retrieval anchor, the URL's last when has_url is 1. A hash field ''
# marks a key whose expiry is set: HSET answering 2 means the key is new. Returns one line per
# item: "story_id how similarity", how = new | near_duplicate | same_url.


class StoryDeduplicator(Stage):
    """Sets `item.story_id` (the first copy's item id), `["story_first"]` and, for a copy,
    `["story_similarity"]`; drops nothing; `hits` counts near_duplicate, same_url and new_story.

    `process` decides, indexes and records the reports in one atomic step, so there is no
    `commit`: two workers see each other's copies at once, and a re-polled item (a worker died
    before its alerts were stored) finds its own story again and adds no second report.
    """

    name = "story_dedup"

    def __init__(self, state: State | None, window: float = 72 * 3600, threshold: float = 0.3, *,
                 sketch_size: int = 24, retrieval: int = 12, lead_words: int = 40, min_shared: int = 3,
                 shards: int = 65536, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        if not (window > 0 and 0 < threshold <= 1 and 1 <= retrieval <= sketch_size and lead_words >= SHINGLE
                and shards >= 1):
            raise ValueError(f"story dedup: window must be > 0 s (got {window}), threshold in (0, 1] (got "
                             f"{threshold}), 1 <= retrieval <= sketch_size (got {retrieval}, {sketch_size}), "
                             f"lead_words >= {SHINGLE} (got {lead_words}), shards >= 1 (got {shards})")
        self.state, self.window, self.threshold, self.clock = state, float(window), float(threshold), clock
        self.sketch_size, self.retrieval, self.lead_words = sketch_size, retrieval, lead_words
        self.min_shared, self.shards = min_shared, shards
        self.hits: Counter[str] = Counter()
        self._script = script(state.r, "newswatch.pipeline", "story_assign") if state is not None else None
        self._local: dict[int, str] = {}  # state=None: retrieval anchor or url -> story id
        self._stories: dict[str, tuple[int, set[str]]] = {}  # state=None: story -> (shingles, sketch)

    def process(self, items: list[Item]) -> list[Item]:
        now = self.clock()
        rows = [(item, *sketch(item, self.sketch_size, self.lead_words)) for item in items]
        for start in range(0, len(rows), 200):  # bound the time one script holds Redis
            chunk = rows[start:start + 200]
            decided = self._assign_redis(chunk, now) if self._script else self._assign_local(chunk)
            for (item, _, _), (story_id, how, score) in zip(chunk, decided):
                self._label(item, story_id, how, float(score))
        return items

    def _label(self, item: Item, story_id: str, how: str, score: float) -> None:
        item.story_id = story_id
        item.story_first = story_id == item.id
        self.hits["new_story" if how == "new" else how] += 1
        if how != "new":
            item.story_similarity = round(score, 3)
            log.debug(fields("story_matched", stage=self.name, reason=how, source_id=item.source_id,
                             item_id=item.id, story_id=story_id, similarity=f"{score:.2f}"))

    def _assign_redis(self, rows: list[_Row], now: float) -> list[_Decision]:
        assert self._script is not None and self.state is not None  # `process` calls this only with Redis
        mask, shards, lines = _SPLIT - 1, self.shards, []
        for order, (item, values, size) in enumerate(rows):
            url = url_anchor(item.url)
            pub = item.published.timestamp() if item.published is not None else -1
            anchors = values[:self.retrieval] + ([url] if url is not None else [])
            words_ = " ".join([item.id, f"{pub:.0f}", str(size), "0" if url is None else "1", pack(values) or ".",
                               *[f"{(a >> 31) % shards} {a & mask}" for a in anchors]])
            lines.append(f"{words_}\t{report_field(item)}\t{report_value(item, now, order)}")
        reply = self._script(keys=[], args=[self.state.prefix, repr(now), repr(self.window), max(1, shards // 16),
                                            repr(self.threshold), self.sketch_size, self.min_shared,
                                            max(1, int(self.window)), "\n".join(lines)])
        return [tuple(line.split(" ")) for line in reply.split("\n")] if reply else []

    def _assign_local(self, rows: list[_Row]) -> list[_Decision]:
        """Without Redis: the same rule over this instance's batches (no window, no other workers)."""
        out = []
        for item, values, size in rows:
            url, codes = url_anchor(item.url), pack(values)
            mine = {codes[i:i + 4] for i in range(0, len(codes), 4)}
            scored = [(1.0, self._local[url], "same_url")] if url in self._local else []
            for story_id in {self._local[a] for a in values[:self.retrieval] if a in self._local}:
                their_size, theirs = self._stories[story_id]
                m = len(mine & theirs)
                if m >= self.min_shared:
                    scored.append((m / min(self.sketch_size, max(size, their_size, 1)), story_id, "near_duplicate"))
            score, story_id, how = min(scored, key=lambda s: (-s[0], s[1]), default=(0.0, item.id, "new"))
            if score < self.threshold:
                score, story_id, how = 0.0, item.id, "new"
                self._stories[story_id] = (size, mine)
            for a in values[:self.retrieval] + ([url] if url is not None else []):
                self._local.setdefault(a, story_id)
            out.append((story_id, how, str(score)))
        return out


def report_field(item: Item) -> str:
    """The field of an item's report in a story's reports hash: one per (source, url)."""
    return f"{item.source_id}\x00{item.url or item.id}".replace("\t", " ").replace("\n", " ")


def report_value(item: Item, now: float, order: int) -> str:
    return json.dumps({"source_id": item.source_id, "url": item.url, "item_id": item.id, "title": item.title,
                       "published": item.published.isoformat() if item.published else None,
                       "seen_at": now, "order": order}, ensure_ascii=False)


def story_reports(state: State, story_id: str) -> list[dict[str, Any]]:
    """Every recorded report of the story, first seen first: source_id, url, item_id, title,
    published, seen_at (epoch s). One per (source, url)."""
    return parse_reports(state.r.hvals(reports_key(state, story_id)))


def reports_key(state: State, story_id: str) -> str:
    return state.keys.story_reports(story_id)


def parse_reports(raw: list[str]) -> list[dict[str, Any]]:
    """`story_reports` from the raw hash values (for callers that read them in their own pipeline)."""
    reports = [json.loads(value) for value in raw]
    reports.sort(key=lambda r: (r.get("seen_at", 0), r.get("order", 0)))
    for report in reports:
        report.pop("order", None)
    return reports
