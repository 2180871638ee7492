"""What conditions look at: the item, its facts, and per-item work done once for all rules."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timezone

from newswatch.classify.model import Facts, Mention
from newswatch.item import Item

_WORD = re.compile(r"\w+")


@dataclass
class MatchContext:
    item: Item
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    keyword_hits: dict | None = None      # keyword condition id -> [Evidence], filled by RuleMatcher
    source_tags: frozenset = frozenset()
    _words: dict = field(default_factory=dict)
    _starts: dict = field(default_factory=dict)
    _mentions: dict = field(default_factory=dict)

    @property
    def facts(self) -> Facts:
        return self.item.facts or Facts()

    def text(self, field_name: str) -> str:
        return self.item.title if field_name == "title" else self.item.text

    def sentence_of(self, field_name: str, pos: int) -> int:
        """Index of the last sentence starting at or before `pos` (0 before the first)."""
        starts = self._starts.get(field_name)
        if starts is None:
            spans = self.facts.sentences.get(field_name) or [(0, len(self.text(field_name)))]
            starts = self._starts[field_name] = [start for start, _ in spans]
        return max(0, bisect_right(starts, pos) - 1)

    def word_index(self, field_name: str, pos: int) -> int:
        """How many words of the field start before `pos` (for `near: {within: N}`)."""
        starts = self._words.get(field_name)
        if starts is None:
            starts = [m.start() for m in _WORD.finditer(self.text(field_name))]
            self._words[field_name] = starts
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if starts[mid] < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def mentions(self, *kinds: str) -> list[Mention]:
        found = self._mentions.get(kinds)
        if found is None:
            found = self._mentions[kinds] = [m for m in self.facts.evidence if m.kind in kinds]
        return found
