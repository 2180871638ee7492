"""What the archive holds (`newswatch archive stats`): items and alerts, the oldest and newest item,
the sources and languages with the most items, and the database's size on disk (SQLite: the file
with its WAL and shared-memory files; PostgreSQL: `pg_database_size`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newswatch.archive.schema import alert_deliveries, alerts, items


def _top(conn: sa.Connection, column: sa.ColumnElement[Any], top: int) -> list[dict[str, Any]]:
    n = sa.func.count().label("n")
    rows = conn.execute(sa.select(column, n).group_by(column).order_by(n.desc(), column).limit(top)).all()
    return [{"name": name, "items": int(count)} for name, count in rows]


def size_bytes(conn: sa.Connection) -> int:
    if conn.dialect.name == "postgresql":
        return int(conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one())
    path = Path(conn.engine.url.database or "")
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def stats(conn: sa.Connection, top: int = 10) -> dict[str, Any]:
    def count(table: sa.Table) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    oldest, newest = conn.execute(sa.select(sa.func.min(items.c.at), sa.func.max(items.c.at))).one()
    return {"items": count(items), "alerts": count(alerts), "deliveries": count(alert_deliveries),
            "oldest_item": oldest, "newest_item": newest,
            "by_source": _top(conn, items.c.source, top), "by_lang": _top(conn, items.c.lang, top),
            "size_bytes": size_bytes(conn)}
