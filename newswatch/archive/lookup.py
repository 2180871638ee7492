"""One item of the archive by its fingerprint (the web desk's item page and `/api/items/ID`), and how
many alerts each rule made since a time (the rules page: matches in the last 24 h / 7 d)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from newswatch.archive.schema import alerts, items

_ITEM_COLUMNS = ("fingerprint", "source", "url", "title", "text", "published", "fetched", "at", "lang", "story_id",
                 "event_id", "guid", "countries", "mentioned", "cities", "regions", "topics", "actors", "facts")


def item_record(conn: sa.Connection, fingerprint: str) -> dict[str, Any] | None:
    """The archived item with that fingerprint (its labels and its Facts as archived), or None."""
    if "\x00" in fingerprint:   # no item has one (PostgreSQL refuses it in a parameter)
        return None
    row = conn.execute(sa.select(*[items.c[name] for name in _ITEM_COLUMNS])
                       .where(items.c.fingerprint == fingerprint)).mappings().first()
    if row is None:
        return None
    record = {("item_id" if k == "fingerprint" else k): row[k] for k in _ITEM_COLUMNS}
    record["facts"] = record["facts"] or {}
    return record


def item_alerts(conn: sa.Connection, fingerprint: str, limit: int = 100) -> list[dict[str, Any]]:
    """The alerts the item made (rule, severity, when, evidence), newest first."""
    if "\x00" in fingerprint:
        return []
    c = alerts.c
    rows = conn.execute(sa.select(c.alert_id, c.rule_id, c.rule_title, c.severity, c.created, c.explanation)
                        .where(c.item_fingerprint == fingerprint).order_by(c.created.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def alert_counts(conn: sa.Connection, since: float) -> dict[str, int]:
    """Rule id -> alerts it made since `since` (the (rule_id, created) index; rules with none are left out)."""
    n = sa.func.count().label("n")
    rows = conn.execute(sa.select(alerts.c.rule_id, n).where(alerts.c.created >= since).group_by(alerts.c.rule_id))
    return {str(rule): int(count) for rule, count in rows}


def items_by_source(conn: sa.Connection, since: float) -> dict[str, int]:
    """Source id -> items archived with a time since `since` (the (source, at) index): a source's items per day."""
    n = sa.func.count().label("n")
    rows = conn.execute(sa.select(items.c.source, n).where(items.c.at >= since).group_by(items.c.source))
    return {str(source): int(count) for source, count in rows}
