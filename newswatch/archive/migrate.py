"""The archive's schema, brought up to date by Alembic on start, from the migrations shipped in the
package (newswatch/archive/migrations; no alembic.ini, no checkout needed).

Many processes start at once (workers, the scheduler): each takes a lock first, so one migrates
and the others find the schema done — a PostgreSQL advisory lock held by the migrating connection,
or for SQLite an exclusive `flock` on `<database>.migrate.lock` beside the file.

Alembic (with Mako and Pygments, about 10 MB) is imported only to migrate: whether the database is at
the shipped head is read without it (`current`: one SELECT; `head`: the `revision` lines of the
migration files), so a process that opens an archive already up to date (a worker, the desk, every
start after the first) never loads it.
"""
from __future__ import annotations

import fcntl
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from newswatch.logs import fields

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

VERSION_TABLE = "newswatch_archive_version"
_ADVISORY_KEY = 0x6E77617263   # "nwarc": the PostgreSQL advisory lock of migrations
_REVISION = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision\s*=\s*(?:None|["\']([^"\']+)["\'])', re.MULTILINE)


def _config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(resources.files("newswatch.archive") / "migrations"))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the package ships: the one no other revises (the history is one line; a test
    holds this to what Alembic's ScriptDirectory says)."""
    revised, down = set(), set()
    for path in (resources.files("newswatch.archive") / "migrations" / "versions").iterdir():
        if path.name.endswith(".py") and not path.name.startswith("__"):
            text = path.read_text(encoding="utf-8")
            revision, below = _REVISION.search(text), _DOWN_REVISION.search(text)
            assert revision is not None and below is not None, f"{path.name}: revision and down_revision"
            revised.add(revision.group(1))
            down.add(below.group(1))
    heads = revised - down
    assert len(heads) == 1, f"the archive ships one line of migrations, not the heads {sorted(heads)}"
    return heads.pop()


def revisions() -> list[str]:
    """Every shipped revision, oldest first."""
    from alembic.script import ScriptDirectory
    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current(engine: sa.Engine) -> str | None:
    """The database's revision (None: empty): what Alembic keeps in its version table, read with one query."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        found = [row[0] for row in conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))]
    assert len(found) <= 1, f"{VERSION_TABLE} holds one revision, not {found}"
    return found[0] if found else None


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
    from alembic import command
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
