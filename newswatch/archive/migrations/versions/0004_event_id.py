"""`items.event_id` and `alerts.event_id`: the event an item reports (the clustering stage's
`Item.event_id`, one id for every report of one event across outlets and languages) and the event an
alert stands for, so `newswatch story ID` shows every report of an event. Rows archived before this
revision have none (their events' ids stay in `items.facts`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("event_id", sa.String(64)))
    op.create_index("ix_items_event", "items", ["event_id"])
    op.add_column("alerts", sa.Column("event_id", sa.String(64)))


def downgrade() -> None:
    # Not in a batch (see 0003): SQLite >= 3.35 drops a column in place, as PostgreSQL does.
    op.drop_index("ix_items_event", table_name="items")
    op.drop_column("items", "event_id")
    op.drop_column("alerts", "event_id")
