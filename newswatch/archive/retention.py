"""Retention: what is older than `archive.keep` leaves the archive, and beyond `archive.max_items`
the oldest items do too, in small batches, one short transaction each, so polls go on writing and
searching meanwhile.

    items             `at` (published, else fetched) before now - keep; then, beyond max_items, the
                      oldest by `at`. Their `item_facets` rows go by ON DELETE CASCADE (SQLite:
                      foreign_keys=ON, newswatch.archive.database) and their search words with them:
                      PostgreSQL's tsvector is in the row; SQLite's FTS5 index is contentless, and a
                      contentless table forgets a row only by FTS5's 'delete' command given the very
                      words it indexed (`contentless_delete=1` needs SQLite 3.43). Those words are made
                      again from the row's title and text by the function that made them
                      (newswatch.archive.searchtext), so a change to it needs a migration that indexes
                      the archive again (as 0002 does) — which search needs anyway.
    alerts            `created` before now - keep, with their `alert_deliveries` rows
    alert_deliveries  also a status older than keep whose alert was never archived (its entry was
                      dropped at the queue's cap)

A batch deletes by id and learns from `RETURNING` which rows it removed, so two prunes at once (the
scheduler's and `newswatch archive prune`) never remove an FTS5 row twice. Search words are made
before the write transaction opens: it holds SQLite's write lock only for the deletes.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

# what is kept and when the scheduled prune runs, without SQLAlchemy (re-exported: the archive's API)
from newswatch.archive.policy import LOCK_TTL as LOCK_TTL, PRUNE_BUDGET as PRUNE_BUDGET  # noqa: F401
from newswatch.archive.policy import PRUNE_EVERY as PRUNE_EVERY, PruneReport as PruneReport  # noqa: F401
from newswatch.archive.policy import Retention as Retention  # noqa: F401
from newswatch.archive.schema import FTS_TABLE, alert_deliveries, alerts, items
from newswatch.archive.searchtext import search_text

BATCH = 500              # rows per transaction
FTS_MERGE_PAGES = 500   # SQLite: pages FTS5 merges per step after a prune (its 'merge' command)
_FTS_MERGE = sa.text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('merge', {FTS_MERGE_PAGES})")
_FTS_DELETE = sa.text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, body, stems) "
                      "VALUES ('delete', :id, :body, :stems)")


# --- items --------------------------------------------------------------------------------

def _oldest_items(conn: sa.Connection, n: int, cutoff: float | None) -> list[sa.Row[Any]]:
    columns = [items.c.id, items.c.title, items.c.text] if conn.dialect.name == "sqlite" else [items.c.id]
    query = sa.select(*columns).order_by(items.c.at, items.c.id).limit(n)
    if cutoff is not None:
        query = query.where(items.c.at < cutoff)
    return list(conn.execute(query).all())


def _delete_items(engine: sa.Engine, n: int, cutoff: float | None) -> tuple[int, bool]:
    """One batch: the `n` oldest items (older than `cutoff` if given). Returns (removed, more left)."""
    with engine.connect() as conn:   # read, and make the search words, before the write lock
        rows = _oldest_items(conn, n, cutoff)
    if not rows:
        return 0, False
    words = {row.id: search_text(row.title, row.text) for row in rows} if engine.dialect.name == "sqlite" else {}
    condition: sa.ColumnElement[bool] = items.c.id.in_([row.id for row in rows])
    if cutoff is not None:
        condition = sa.and_(condition, items.c.at < cutoff)
    with engine.begin() as conn:
        removed = list(conn.execute(sa.delete(items).where(condition).returning(items.c.id)).scalars())
        if words and removed:
            conn.execute(_FTS_DELETE, [{"id": i, "body": words[i][0], "stems": words[i][1]} for i in removed])
    return len(removed), len(rows) == n


# --- alerts and deliveries ----------------------------------------------------------------------

def _delete_alerts(engine: sa.Engine, n: int, cutoff: float) -> tuple[int, int, bool]:
    """One batch of alerts created before `cutoff`, with their deliveries: (alerts, deliveries, more)."""
    oldest = sa.select(alerts.c.id).where(alerts.c.created < cutoff).order_by(alerts.c.created, alerts.c.id).limit(n)
    with engine.begin() as conn:   # the first statement writes: SQLite takes its write lock (waiting) at once
        gone = list(conn.execute(sa.delete(alerts).where(alerts.c.id.in_(oldest)).returning(alerts.c.alert_id))
                    .scalars())
        deliveries = 0
        if gone:
            deliveries = conn.execute(sa.delete(alert_deliveries)
                                      .where(alert_deliveries.c.alert_id.in_(gone))).rowcount
    return len(gone), deliveries, len(gone) == n


def _orphans(cutoff: float) -> sa.Select[Any]:
    d = alert_deliveries.c
    return sa.select(d.alert_id, d.channel).where(
        d.updated < cutoff, ~sa.exists().where(alerts.c.alert_id == d.alert_id))


def _delete_orphan_deliveries(engine: sa.Engine, n: int, cutoff: float) -> tuple[int, bool]:
    d = alert_deliveries.c
    with engine.begin() as conn:
        removed = conn.execute(sa.delete(alert_deliveries).where(
            sa.tuple_(d.alert_id, d.channel).in_(_orphans(cutoff).limit(n)))).rowcount
    return removed, removed == n


def _merge_index(engine: sa.Engine, out_of_time: Callable[[], bool], steps: int = 20) -> None:
    """SQLite: FTS5 forgets a row by writing delete markers, which leave only when segments merge.
    A few bounded merge steps after a prune keep the index the size of what is left; a step that
    changes fewer than two rows had nothing left to merge (FTS5's documentation)."""
    for _ in range(steps):
        with engine.begin() as conn:
            raw: Any = conn.connection.driver_connection   # the sqlite3.Connection
            before = raw.total_changes
            conn.execute(_FTS_MERGE)
            merged = raw.total_changes - before
        if merged < 2 or out_of_time():
            return


# --- a prune ----------------------------------------------------------------------------------

def _count(conn: sa.Connection, query: sa.Select[Any]) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())


def plan(engine: sa.Engine, retention: Retention, now: float) -> PruneReport:
    """What `prune` would remove now (a dry run: nothing is removed)."""
    cutoff = retention.cutoff(now)
    report = PruneReport(cutoff=cutoff)
    with engine.connect() as conn:
        if cutoff is not None:
            report.items = _count(conn, sa.select(items.c.id).where(items.c.at < cutoff))
            old_alerts = sa.select(alerts.c.alert_id).where(alerts.c.created < cutoff)
            report.alerts = _count(conn, old_alerts)
            report.deliveries = _count(conn, sa.select(alert_deliveries.c.alert_id).where(
                alert_deliveries.c.alert_id.in_(old_alerts))) + _count(conn, _orphans(cutoff))
        if retention.max_items is not None:
            total = _count(conn, sa.select(items.c.id))
            report.items_over_max = max(0, total - report.items - retention.max_items)
    return report


def prune(engine: sa.Engine, retention: Retention, now: float, budget: float | None = None,
          batch: int | None = None, clock: Callable[[], float] = time.monotonic) -> PruneReport:
    """Remove what `retention` lets go, `batch` rows (default BATCH) per transaction, for at most about
    `budget` seconds (None: until done). `now`: what the cutoff is measured from (seconds since the epoch)."""
    batch = batch or BATCH
    started = clock()
    cutoff = retention.cutoff(now)
    report = PruneReport(cutoff=cutoff)

    def out_of_time() -> bool:
        return budget is not None and clock() - started >= budget

    def run(step: Callable[[], bool]) -> bool:
        """Batches of one kind until none is left; False when the budget ran out first."""
        while True:
            if out_of_time():
                return False
            if not step():
                return True

    def old_items() -> bool:
        assert cutoff is not None
        n, more = _delete_items(engine, batch, cutoff)
        report.items += n
        return more

    def old_alerts() -> bool:
        assert cutoff is not None
        n, deliveries, more = _delete_alerts(engine, batch, cutoff)
        report.alerts += n
        report.deliveries += deliveries
        return more

    def orphans() -> bool:
        assert cutoff is not None
        n, more = _delete_orphan_deliveries(engine, batch, cutoff)
        report.deliveries += n
        return more

    report.done = cutoff is None or (run(old_items) and run(old_alerts) and run(orphans))
    if report.done and retention.max_items is not None:
        with engine.connect() as conn:
            excess = _count(conn, sa.select(items.c.id)) - retention.max_items

        def over_max() -> bool:
            nonlocal excess
            n, _ = _delete_items(engine, min(batch, excess), None)
            report.items_over_max += n
            excess -= n
            return n > 0 and excess > 0
        report.done = excess <= 0 or run(over_max)
    if engine.dialect.name == "sqlite" and report.items + report.items_over_max:
        _merge_index(engine, out_of_time)
    report.seconds = round(clock() - started, 3)
    return report
