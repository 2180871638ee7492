"""One batch of queue entries written in one transaction, idempotently.

Items are keyed by fingerprint and alerts by alert id (`ON CONFLICT DO NOTHING`): a batch written
twice (a drain retried after the database came back, two processes draining the same entries)
writes each once. Facets and the search index are written only for the items this batch inserted.
A delivery status is an upsert that never lets an older status overwrite a newer one, so entries
may arrive in any order (a delivery can settle before its alert is archived).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from newswatch.archive.records import WriteReport as WriteReport  # noqa: F401 (made here, counted by archiver)
from newswatch.archive.records import Entry, facets, to_json
from newswatch.archive.schema import alert_deliveries, alerts, items
from newswatch.archive.searchtext import search_text

_ITEM_COLUMNS = [c.name for c in items.columns if c.name not in ("id", "facts")]
_PG_SEARCH = sa.text("setweight(to_tsvector('simple', :body), 'A') || setweight(to_tsvector('simple', :stems), 'B')")
# SQLite: facets and FTS5 rows go to the driver's executemany as tuples (SQLAlchemy's per-row parameter
# handling cost more than the inserts themselves; BENCHMARKS.md §11)
_SQLITE_FTS = "INSERT INTO items_fts (rowid, body, stems) VALUES (?, ?, ?)"
_SQLITE_FACETS = "INSERT INTO item_facets (item_id, kind, value, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
# An item's Facts are stored as the JSON text its entry carries, not made into JSON again.
_ITEMS = sa.table("items", *[sa.column(c.name, c.type) for c in items.columns], sa.column("search"))
_FACTS = sa.bindparam("facts_json", type_=sa.Text)
_PG_ITEMS = postgresql.insert(_ITEMS).values(facts=sa.cast(_FACTS, postgresql.JSON), search=_PG_SEARCH) \
    .on_conflict_do_nothing(index_elements=["fingerprint"]).returning(_ITEMS.c.id, _ITEMS.c.fingerprint)
_SQLITE_ITEMS = sqlite.insert(_ITEMS).values(facts=_FACTS) \
    .on_conflict_do_nothing(index_elements=["fingerprint"]).returning(_ITEMS.c.id, _ITEMS.c.fingerprint)
# PostgreSQL: a batch's facets in one statement (an executemany sends one INSERT per row, about 11 an item,
# and the server's per-statement work was most of its CPU per archived item; BENCHMARKS.md §11)
_PG_FACETS = sa.text(
    "INSERT INTO item_facets (item_id, kind, value, at) SELECT * FROM unnest(CAST(:item_id AS bigint[]), "
    "CAST(:kind AS text[]), CAST(:value AS text[]), CAST(:at AS float8[])) ON CONFLICT DO NOTHING")


def _insert(conn: sa.Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (`sqlite.Insert` / `postgresql.Insert`)."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def write_entries(conn: sa.Connection, entries: list[Entry]) -> WriteReport:
    """Write `entries` on `conn` (the caller's transaction)."""
    by_kind: dict[str, dict[Any, dict[str, Any]]] = {"item": {}, "alert": {}, "delivery": {}}
    for entry in entries:
        rec = entry.record
        if entry.kind == "delivery":   # the newest status of each (alert, channel)
            key = (rec["alert_id"], rec["channel"])
            old = by_kind["delivery"].get(key)
            if old is None or old["updated"] <= rec["updated"]:
                by_kind["delivery"][key] = rec
        else:                          # an item or an alert is written once: its first entry
            by_kind[entry.kind].setdefault(rec["fingerprint"] if entry.kind == "item" else rec["alert_id"], rec)
    report = WriteReport()
    if by_kind["item"]:
        report.add(_write_items(conn, list(by_kind["item"].values())))
    if by_kind["alert"]:
        report.add(_write_alerts(conn, list(by_kind["alert"].values())))
    if by_kind["delivery"]:
        report.add(_write_deliveries(conn, list(by_kind["delivery"].values())))
    return report


def _facts_json(facts: Any) -> str | None:
    """The Facts' JSON text as the entry carries it; an entry queued before that carries the object."""
    return facts if facts is None or isinstance(facts, str) else to_json(facts)


def _write_items(conn: sa.Connection, records: list[dict[str, Any]]) -> WriteReport:
    rows = [{name: rec.get(name) for name in _ITEM_COLUMNS} for rec in records]
    texts = {rec["fingerprint"]: search_text(rec["title"], rec["text"]) for rec in records}
    postgres = conn.dialect.name == "postgresql"
    for row, rec in zip(rows, records):
        row["facts_json"] = _facts_json(rec.get("facts"))
        if postgres:   # the tsvector is made by the database, from the words made here
            row["body"], row["stems"] = texts[row["fingerprint"]]
    inserted = {fp: item_id for item_id, fp in conn.execute(_PG_ITEMS if postgres else _SQLITE_ITEMS, rows).all()}
    if not inserted:
        return WriteReport(items_known=len(records))
    facet_rows = [(inserted[rec["fingerprint"]], kind, value, rec["at"])
                  for rec in records if rec["fingerprint"] in inserted for kind, value in facets(rec)]
    if facet_rows and postgres:
        conn.execute(_PG_FACETS, dict(zip(("item_id", "kind", "value", "at"), map(list, zip(*facet_rows)))))
    elif facet_rows:
        conn.exec_driver_sql(_SQLITE_FACETS, facet_rows)
    if not postgres:
        conn.exec_driver_sql(_SQLITE_FTS, [(item_id, *texts[fp]) for fp, item_id in inserted.items()])
    return WriteReport(items=len(inserted), items_known=len(records) - len(inserted))


def _write_alerts(conn: sa.Connection, records: list[dict[str, Any]]) -> WriteReport:
    columns = [c.name for c in alerts.columns if c.name != "id"]
    stmt = _insert(conn, alerts).on_conflict_do_nothing(index_elements=["alert_id"]).returning(alerts.c.alert_id)
    created = {row[0] for row in conn.execute(stmt, [{c: rec.get(c) for c in columns} for rec in records]).all()}
    pending = [{"alert_id": rec["alert_id"], "channel": channel, "status": "pending", "attempts": 0,
                "last_error": None, "updated": rec["created"]}
               for rec in records if rec["alert_id"] in created for channel in rec.get("channels") or []]
    if pending:   # a delivery that settled first (its entry came earlier) keeps its status
        conn.execute(_insert(conn, alert_deliveries).on_conflict_do_nothing(), pending)
    return WriteReport(alerts=len(created))


def _write_deliveries(conn: sa.Connection, records: list[dict[str, Any]]) -> WriteReport:
    stmt = _insert(conn, alert_deliveries)
    table = alert_deliveries.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["alert_id", "channel"],
        set_={"status": stmt.excluded.status, "last_error": stmt.excluded.last_error,
              "updated": stmt.excluded.updated,
              "attempts": sa.func.coalesce(stmt.excluded.attempts, table.attempts)},
        where=table.updated <= stmt.excluded.updated)
    rows = [{"alert_id": r["alert_id"], "channel": r["channel"], "status": r["status"],
             "attempts": r.get("attempts"), "last_error": r.get("last_error"), "updated": r["updated"]}
            for r in records]
    conn.execute(stmt, rows)
    return WriteReport(deliveries=len(rows))
