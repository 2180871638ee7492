"""Pipeline stages share one shape, `process(items) -> items`; every drop is counted and
logged with the stage's name (Scrapy's DropItem)."""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta, timezone

from newswatch.model.item import Item
from newswatch.logs import fields

log = logging.getLogger(__name__)


class Stage:
    """One step of the pipeline: `process` returns the items it keeps; each item it drops goes
    through `drop`, which counts it under its reason in `dropped` and logs it with `name`."""

    name: str = "stage"
    dropped: Counter[str]   # reason -> items dropped for it

    def __init__(self) -> None:
        self.dropped = Counter()

    def drop(self, item: Item, reason: str) -> None:
        self.dropped[reason] += 1
        log.debug(fields("item_dropped", stage=self.name, reason=reason, source_id=item.source_id, item_id=item.id))

    def process(self, items: list[Item]) -> list[Item]:
        raise NotImplementedError


class AgeFilter(Stage):
    """Items published longer than `max_age` ago never alert (0 switches the limit off)."""

    name = "age"

    def __init__(self, max_age: float, now: datetime | None = None) -> None:
        super().__init__()
        self.max_age = max_age
        self.now = now

    def process(self, items: list[Item]) -> list[Item]:
        if not self.max_age:
            return items
        cutoff = (self.now or datetime.now(timezone.utc)) - timedelta(seconds=self.max_age)
        kept: list[Item] = []
        for item in items:
            if item.published is not None and item.published < cutoff:
                self.drop(item, "too_old")
            else:
                kept.append(item)
        return kept


def run_stages(stages: list[Stage], items: list[Item]) -> list[Item]:
    for stage in stages:
        before = len(items)
        items = stage.process(items)
        if len(items) != before:
            log.debug(fields("stage_done", stage=stage.name, kept=len(items), dropped=before - len(items)))
    return items
