"""The archive read back as the items that came in, oldest first, for replaying rules over them
(`newswatch test-rule --since`): each row becomes the `Item` the pipeline matched, with the `Facts`
the classifier gave it then (nothing is fetched or classified again).

Rows are read in pages of `batch`, by keyset: ordered by (`at`, `id`) and each page starting after
the last (`at`, `id`) of the one before, so a page costs the same at the start and at the end of a
large archive (no OFFSET) and memory holds one page, whatever the window. The window is
`since <= at <= until`, both ends included, as `newswatch search` has it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

import sqlalchemy as sa

from newswatch.archive.schema import items
from newswatch.classify.model import Facts
from newswatch.logs import fields
from newswatch.model.item import Item

log = logging.getLogger(__name__)
BATCH = 500


class ArchivedItem(NamedTuple):
    """One row as read for replay: plain values (cheap to hand to another process), the Facts still as
    their JSON text (decoded by `to_item`, where the item is matched)."""

    id: int
    fingerprint: str
    guid: str | None
    source: str
    url: str | None
    title: str
    text: str
    published: float | None
    fetched: float
    at: float
    lang: str | None
    story_id: str | None
    facts: str | None


# The facts column as its text: SQLite stores it so; PostgreSQL's json keeps the text it was given.
_COLUMNS = [items.c[name] if name != "facts" else sa.cast(items.c.facts, sa.Text).label("facts")
            for name in ArchivedItem._fields]


@dataclass(frozen=True)
class Window:
    """Which items: `since <= at <= until` (seconds since the epoch; None: open), of `sources` (empty: all)."""

    since: float | None = None
    until: float | None = None
    sources: tuple[str, ...] = ()


Cursor = tuple[float, int]   # the last (at, id) read


def page(conn: sa.Connection, window: Window, after: Cursor | None, batch: int = BATCH) -> list[ArchivedItem]:
    """The next at most `batch` rows of the window after `after` (None: from the start), oldest first."""
    at, row_id = items.c.at, items.c.id
    stmt = sa.select(*_COLUMNS).order_by(at, row_id).limit(batch)
    if window.since is not None:
        stmt = stmt.where(at >= window.since)
    if window.until is not None:
        stmt = stmt.where(at <= window.until)
    if window.sources:
        stmt = stmt.where(items.c.source.in_(window.sources))
    if after is not None:   # spelled out rather than a row value: both backends use the `at` index for it
        stmt = stmt.where(sa.or_(at > after[0], sa.and_(at == after[0], row_id > after[1])))
    return [ArchivedItem(*row) for row in conn.execute(stmt)]


def cursor(row: ArchivedItem) -> Cursor:
    return float(row.at), int(row.id)


def _moment(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value is not None else None


def to_item(row: ArchivedItem) -> Item:
    """The item as the pipeline had it after classifying it: its fingerprint, guid, source, texts (the
    archive's copy: see schema.TEXT_MAX_BYTES), times, language, story and Facts (None: the item was
    archived unclassified, e.g. too old when it came in, or its stored Facts cannot be read: logged)."""
    return Item(source_id=row.source, title=row.title, text=row.text, url=row.url, guid=row.guid,
                published=_moment(row.published), lang=row.lang,
                fetched_at=datetime.fromtimestamp(row.fetched, timezone.utc),
                id=row.fingerprint, story_id=row.story_id, facts=_facts(row))


def _facts(row: ArchivedItem) -> Facts | None:
    if row.facts is None:
        return None
    try:
        return Facts.from_dict(json.loads(row.facts))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:   # not what this version's Facts reads
        log.warning(fields("archive_facts_unreadable", item_id=row.fingerprint, reason=f"{type(exc).__name__}: {exc}"[:200]))
        return None
