"""`items.guid`: the item's guid as its source gave it (NULL when it gave none), so a rule replayed
over the archive (`newswatch test-rule --since`) prints the same `id` as over the feed itself.
Items archived before this revision have none; replay prints their fingerprint.

Revision ID: 0003
Revises: 0002
Create Date: 2026-03-09
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("guid", sa.Text))


def downgrade() -> None:
    # Not in a batch: on SQLite a batch would copy `items` into a new table, and dropping the old one
    # would cascade to item_facets. SQLite >= 3.35 drops a column in place, as PostgreSQL does.
    op.drop_column("items", "guid")
