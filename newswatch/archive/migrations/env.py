"""Alembic's entry point, run by newswatch.archive.migrate on a connection it opened and locked
(`config.attributes["connection"]`); there is no alembic.ini and no URL here."""
from __future__ import annotations

from alembic import context

from newswatch.archive.migrate import VERSION_TABLE
from newswatch.archive.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
