"""Duplicate items: exact (guid, canonical URL, content hash), shared by all workers through Redis.

Items are only marked seen after their alerts are stored (`commit`), so a
worker that dies mid-poll loses nothing: the next poll sees the items again and
alert creation is idempotent.

Near-duplicates (the same story from another source, reworded, cut or re-headlined) are
the next stage, `StoryDeduplicator`, in newswatch/pipeline/stories.py; it is re-exported here.
"""
from __future__ import annotations

from newswatch.model.item import Item
from newswatch.pipeline import Stage
from newswatch.store.state import State
from newswatch.pipeline.stories import StoryDeduplicator, story_reports

__all__ = ["ExactDeduplicator", "StoryDeduplicator", "story_reports"]


class ExactDeduplicator(Stage):
    name = "exact_dedup"

    def __init__(self, state: State | None, ttl: float) -> None:
        super().__init__()
        self.state = state
        self.ttl = ttl

    def process(self, items: list[Item]) -> list[Item]:
        batch: set[str] = set()
        fresh: list[Item] = []
        for item in items:
            if item.id in batch:
                self.drop(item, "duplicate_in_batch")
                continue
            batch.add(item.id)
            fresh.append(item)
        if self.state is None:
            return fresh
        unseen = self.state.unseen([i.id for i in fresh])
        kept: list[Item] = []
        for item, new in zip(fresh, unseen):
            if new:
                kept.append(item)
            else:
                self.drop(item, "seen")
        return kept

    def commit(self, items: list[Item]) -> None:
        """Mark the items seen, each with its story id when story dedup gave one (`newswatch items`)."""
        if self.state is not None and items:
            self.state.mark_seen([i.id for i in items], self.ttl, [i.story_id or "1" for i in items])
