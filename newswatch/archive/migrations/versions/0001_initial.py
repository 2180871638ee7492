"""Items (with their labels and Facts), their facets, alerts and their deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-03-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("published", sa.Double),
        sa.Column("fetched", sa.Double, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("lang", sa.String(16)),
        sa.Column("story_id", sa.String(64)),
        *[sa.Column(name, sa.JSON, nullable=False)
          for name in ("countries", "mentioned", "cities", "regions", "topics", "actors")],
        sa.Column("facts", sa.JSON(none_as_null=True)),
    )
    op.create_index("ix_items_at", "items", ["at"])
    op.create_index("ix_items_source_at", "items", ["source", "at"])
    op.create_index("ix_items_lang_at", "items", ["lang", "at"])
    op.create_index("ix_items_story", "items", ["story_id"])
    op.create_table(
        "item_facets",
        sa.Column("item_id", BigId, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(128), primary_key=True),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("ix_item_facets_kind_value_at", "item_facets", ["kind", "value", "at", "item_id"])
    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False, unique=True),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("rule_title", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("item_fingerprint", sa.String(64), nullable=False),
        sa.Column("story_id", sa.String(64)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("created", sa.Double, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
    )
    op.create_index("ix_alerts_created", "alerts", ["created"])
    op.create_index("ix_alerts_rule_created", "alerts", ["rule_id", "created"])
    op.create_index("ix_alerts_item", "alerts", ["item_fingerprint"])
    op.create_table(
        "alert_deliveries",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer),   # NULL: not known yet
        sa.Column("last_error", sa.Text),
        sa.Column("updated", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
    op.drop_table("item_facets")
    op.drop_table("items")
