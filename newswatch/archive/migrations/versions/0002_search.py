"""Full-text search: SQLite FTS5 (contentless, rowid = items.id) or PostgreSQL's `items.search`
tsvector ('simple' configuration) with a GIN index, both over the normalized search text of
newswatch.archive.searchtext; items already archived are indexed here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from newswatch.archive.searchtext import search_text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 1000
# The same statements newswatch.archive.writer runs for a new item.
SQLITE_INDEX = "INSERT INTO items_fts (rowid, body, stems) VALUES (:id, :body, :stems)"
PG_INDEX = ("UPDATE items SET search = setweight(to_tsvector('simple', :body), 'A') "
            "|| setweight(to_tsvector('simple', :stems), 'B') WHERE id = :id")


def _index_existing(conn: sa.Connection, statement: str) -> None:
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, title, text FROM items WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        params = []
        for row in rows:
            body, stems = search_text(row.title, row.text)
            params.append({"id": row.id, "body": body, "stems": stems})
        conn.execute(sa.text(statement), params)
        last = rows[-1].id


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE items_fts USING fts5(body, stems, content='', "
                   "tokenize='unicode61 remove_diacritics 0')")
        _index_existing(conn, SQLITE_INDEX)
        return
    op.execute("SET LOCAL statement_timeout = 0")
    op.add_column("items", sa.Column("search", postgresql.TSVECTOR()))
    _index_existing(conn, PG_INDEX)
    op.create_index("ix_items_search", "items", ["search"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE items_fts")
        return
    op.drop_index("ix_items_search", table_name="items")
    op.drop_column("items", "search")
