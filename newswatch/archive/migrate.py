"""The archive's schema, brought up to date by Alembic on start, from the migrations shipped in the
package (newswatch/archive/migrations; no alembic.ini, no checkout needed).

Many processes start at once (workers, the scheduler): each takes a lock first, so one migrates
and the others find the schema done — a PostgreSQL advisory lock held by the migrating connection,
or for SQLite an exclusive `flock` on `<database>.migrate.lock` beside the file.
"""
from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from newswatch.logs import fields

log = logging.getLogger(__name__)

VERSION_TABLE = "newswatch_archive_version"
_ADVISORY_KEY = 0x6E77617263   # "nwarc": the PostgreSQL advisory lock of migrations


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("newswatch.archive") / "migrations"))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the package ships."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None, "the archive ships at least one migration"
    return revision


def revisions() -> list[str]:
    """Every shipped revision, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current(engine: sa.Engine) -> str | None:
    """The database's revision (None: empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


@contextmanager
def _sqlite_lock(engine: sa.Engine) -> Iterator[None]:
    database = engine.url.database
    assert database, "a sqlite archive is a file (newswatch.config.archive)"
    with open(Path(database).with_name(Path(database).name + ".migrate.lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(engine: sa.Engine, action: str, revision: str) -> None:
    """`alembic upgrade|downgrade <revision>` on `engine`, one process at a time."""
    if engine.dialect.name == "sqlite":
        with _sqlite_lock(engine), engine.connect() as conn:
            getattr(command, action)(_config(conn), revision)
            conn.commit()
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        conn.commit()
        try:
            getattr(command, action)(_config(conn), revision)
            conn.commit()
        finally:
            conn.rollback()
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            conn.commit()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    before = current(engine)
    target = head() if revision == "head" else revision
    if before == target:
        return
    _run(engine, "upgrade", revision)
    log.info(fields("archive_migrated", from_revision=before or "empty", to_revision=current(engine)))


def downgrade(engine: sa.Engine, revision: str = "-1") -> None:
    before = current(engine)
    _run(engine, "downgrade", revision)
    log.info(fields("archive_migrated", from_revision=before or "empty", to_revision=current(engine) or "empty"))
