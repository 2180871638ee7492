"""Every report of one story, from the archive (`newswatch story ID`): each item the story dedup
gave that story id, oldest first, whatever source or language it came in. `ID` may also be an event
id (`visit-…`, the clustering stage's Item.event_id, archived since 0004): every item that reports
that event, across stories, outlets and languages.

A story's id is its first report's fingerprint (newswatch.pipeline.stories), so `ID` may be a story
id or the fingerprint of any of its reports: an item with that fingerprint names its story.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from newswatch.archive.schema import items

LIMIT = 1000   # reports of one story, at most (a story is a handful; this bounds a pathological one)


@dataclass(frozen=True)
class Report:
    item_id: str            # the fingerprint
    story_id: str
    source: str
    lang: str | None
    url: str | None
    title: str
    at: float               # published, else fetched (seconds since the epoch, UTC)
    published: float | None
    fetched: float
    event_id: str | None = None


def story_of(conn: sa.Connection, story_or_item: str) -> str:
    """The story id `story_or_item` stands for: the story of the item with that fingerprint, else itself."""
    found = conn.execute(sa.select(items.c.story_id).where(items.c.fingerprint == story_or_item)).first()
    return str(found.story_id) if found is not None and found.story_id else story_or_item


def story_reports(conn: sa.Connection, story_or_item: str, limit: int = LIMIT) -> list[Report]:
    """The story's reports (or the event's, when `story_or_item` is an archived event id), oldest first
    (by `at`, then as archived); [] when the archive has none."""
    c = items.c
    columns = (c.fingerprint, c.story_id, c.event_id, c.source, c.lang, c.url, c.title, c.at, c.published, c.fetched)
    rows = conn.execute(sa.select(*columns).where(c.event_id == story_or_item).order_by(c.at, c.id).limit(limit)).all()
    if not rows:
        story = story_of(conn, story_or_item)
        rows = conn.execute(sa.select(*columns).where(c.story_id == story).order_by(c.at, c.id).limit(limit)).all()
    return [Report(item_id=r.fingerprint, story_id=r.story_id, source=r.source, lang=r.lang, url=r.url,
                   title=r.title, at=float(r.at), published=r.published, fetched=float(r.fetched),
                   event_id=r.event_id) for r in rows]


def events_of(conn: sa.Connection, fingerprints: list[str]) -> dict[str, str]:
    """The archived event id of each item that has one, by fingerprint."""
    c, out = items.c, {}
    for start in range(0, len(fingerprints), 500):
        chunk = fingerprints[start:start + 500]
        rows = conn.execute(sa.select(c.fingerprint, c.event_id).where(c.fingerprint.in_(chunk),
                                                                      c.event_id.is_not(None))).all()
        out.update({str(r.fingerprint): str(r.event_id) for r in rows})
    return out
