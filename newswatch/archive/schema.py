"""The archive's tables (SQLAlchemy Core), as of the newest migration (migrations/versions).

    items          one row per item fingerprint: what came in, its labels, its Facts (for replay)
    item_facets    (item_id, kind, value, at): one row per country / mentioned / city / region / topic /
                   actor of an item, indexed on (kind, value, at, item_id) so "about ML in the last 7
                   days" is one range of one index (no table lookups), whatever the size of the archive
    alerts         one row per alert: rule, evidence, explanation
    alert_deliveries  (alert_id, channel): the delivery's status as it last settled
    items_fts      SQLite only: the FTS5 index (contentless) over each item's search text
                   (PostgreSQL: the `items.search` tsvector with its GIN index)

Times are seconds since the epoch (UTC) in double precision on both backends: `at` is when the
item was published, or fetched when the source said nothing, and is what windows and "newest first"
use. Search text is made by newswatch.archive.searchtext; this module only names the tables.
"""
from __future__ import annotations

import sqlalchemy as sa

# defined where entries are made (records, which the processes that only queue import without SQLAlchemy)
from newswatch.archive.records import TEXT_MAX_BYTES  # noqa: F401 (re-exported)
FACET_KINDS = ("country", "mentioned", "city", "region", "topic", "actor")

metadata = sa.MetaData()

# SQLite's rowid alias must be spelled INTEGER; PostgreSQL gets a 64-bit identity.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


items = sa.Table(
    "items", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("published", sa.Double),           # as the source said; NULL when it said nothing
    sa.Column("fetched", sa.Double, nullable=False),
    sa.Column("at", sa.Double, nullable=False),  # published, else fetched
    sa.Column("lang", sa.String(16)),
    sa.Column("story_id", sa.String(64)),
    sa.Column("countries", sa.JSON, nullable=False),   # about, most salient first
    sa.Column("mentioned", sa.JSON, nullable=False),   # named at all
    sa.Column("cities", sa.JSON, nullable=False),      # [{"id", "name", "country", "capital"}]
    sa.Column("regions", sa.JSON, nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("actors", sa.JSON, nullable=False),      # [{"id", "name", "nationality", "role"}]
    sa.Column("facts", sa.JSON(none_as_null=True)),    # Facts.to_dict(), for replaying rules; NULL: unclassified
    sa.Column("guid", sa.Text),                        # as the source gave it (0003); NULL: none, or archived before
    sa.Column("event_id", sa.String(64)),              # Item.event_id (0004); NULL: no typed event, or archived before
    sa.Index("ix_items_at", "at"),
    sa.Index("ix_items_source_at", "source", "at"),
    sa.Index("ix_items_lang_at", "lang", "at"),
    sa.Index("ix_items_story", "story_id"),
    sa.Index("ix_items_event", "event_id"),
)

item_facets = sa.Table(
    "item_facets", metadata,
    sa.Column("item_id", BigId, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(128), primary_key=True),
    sa.Column("at", sa.Double, nullable=False),   # the item's `at`, so a facet and a window are one range
    sa.Index("ix_item_facets_kind_value_at", "kind", "value", "at", "item_id"),   # covering: no table lookups
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(64), nullable=False, unique=True),
    sa.Column("rule_id", sa.String(128), nullable=False),
    sa.Column("rule_title", sa.Text, nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("item_fingerprint", sa.String(64), nullable=False),
    sa.Column("story_id", sa.String(64)),
    sa.Column("event_id", sa.String(64)),              # Alert.event_id (0004)
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("created", sa.Double, nullable=False),
    sa.Column("channels", sa.JSON, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),   # [Evidence as a dict]
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Index("ix_alerts_created", "created"),
    sa.Index("ix_alerts_rule_created", "rule_id", "created"),
    sa.Index("ix_alerts_item", "item_fingerprint"),
)

alert_deliveries = sa.Table(
    "alert_deliveries", metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer),   # NULL: not known yet
    sa.Column("last_error", sa.Text),
    sa.Column("updated", sa.Double, nullable=False),   # a later status never loses to an earlier one
)

FTS_TABLE = "items_fts"   # SQLite: fts5(body, stems), contentless, rowid = items.id
SEARCH_COLUMN = "search"  # PostgreSQL: items.search tsvector (0002); not in `items` above, which both backends share
