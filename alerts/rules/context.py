"""What conditions look at: the item, its facts, and per-item work done once for all rules."""
from __future__ import annotations

import re
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

    @property
    def facts(self) -> Facts:
        return self.item.facts or Facts()

    def text(self, field_name: str) -> str:
        return self.item.title if field_name == "title" else self.item.text

    def sentence_of(self, field_name: str, pos: int) -> int:
        spans = self.facts.sentences.get(field_name) or [(0, len(self.text(field_name)))]
        for index, (start, end) in enumerate(spans):
            if start <= pos < end or (index == len(spans) - 1 and pos >= start):
                return index
            if pos < start:
                return max(0, index - 1)
        return 0

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
        return [m for m in self.facts.evidence if m.kind in kinds]
