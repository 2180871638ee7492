"""`Archive`: one process's handle on the archive database — one connection pool, built from the
config, migrated to the newest schema on first use, closed with the process's runtime.

SQLite (the default, `state_dir/archive.sqlite3`) runs in WAL mode, so searches read while a
drain writes; every transaction is opened by us (`BEGIN`), which makes pysqlite's DDL and DML
transactional like PostgreSQL's. PostgreSQL goes through psycopg 3 with short connect and
statement timeouts: a database that does not answer fails a drain within seconds, and the
entries wait in the Redis queue (newswatch.archive.queue).

Errors that mean "the database is not there or cannot take writes now" (refused, timed out, disk
full, table missing, permission revoked) are raised as `ArchiveUnavailable`, whose message carries
the URL with its password hidden and never the password.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL

from newswatch.archive import lookup, migrate, replay
from newswatch.archive.query import SearchQuery
from newswatch.archive.records import Entry
from newswatch.archive.retention import PruneReport, Retention, plan, prune
from newswatch.archive.reports import events_of, Report, story_reports
from newswatch.archive.schema import alerts, items
from newswatch.archive.search import SearchHit, search
from newswatch.archive.stats import stats
from newswatch.archive.writer import WriteReport, write_entries
from newswatch.config.archive import ArchiveConfig, redact_url
from newswatch.logs import fields
from newswatch.model.item import Item

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT = 5          # seconds to reach the database
STATEMENT_TIMEOUT_MS = 60_000
SQLITE_BUSY_MS = 5_000
# Not there, not answering, full, or refusing the write (a renamed table, a revoked grant): the
# entries stay queued and are written later. Anything else is a problem with the entries.
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.ProgrammingError,
               exc.InternalError, exc.DisconnectionError)


class ArchiveUnavailable(Exception):
    """The database cannot be written now; `str()` is safe to log (no password)."""


def _sqlite_engine(url: URL) -> sa.Engine:
    path = Path(url.database or "")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None   # we open transactions ourselves (below)
        cursor = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", f"busy_timeout={SQLITE_BUSY_MS}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _postgres_engine(url: URL) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4, pool_timeout=10,
                            connect_args={"connect_timeout": CONNECT_TIMEOUT,
                                          "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                                          "application_name": "newswatch"})


class Archive:
    """The archive database of this process. Thread-safe: Celery's threads share one."""

    def __init__(self, url: URL):
        self.url = url
        self.where = redact_url(url)   # what logs and errors show
        self.engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _postgres_engine(url)
        self.backend = self.engine.dialect.name
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: ArchiveConfig, state_dir: Path | str) -> "Archive":
        return cls(config.database_url(Path(os.path.expanduser(str(state_dir)))))

    def _unavailable(self, error: BaseException) -> ArchiveUnavailable:
        lines = str(getattr(error, "orig", None) or error).strip().splitlines()
        reason = lines[0][:300] if lines else ""
        if self.url.password:
            reason = reason.replace(str(self.url.password), "***")
        return ArchiveUnavailable(f"archive {self.where}: {type(error).__name__}: {reason}")

    def ready(self) -> None:
        """Migrate to the newest schema, once per process (again after a failure)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            try:
                migrate.upgrade(self.engine)
            except UNAVAILABLE as error:
                raise self._unavailable(error) from None
            self._ready = True
            log.info(fields("archive_ready", archive=self.where, backend=self.backend, revision=migrate.head()))

    def write(self, entries: list[Entry]) -> WriteReport:
        """Write the entries in one transaction; ArchiveUnavailable when the database cannot take them."""
        self.ready()
        try:
            with self.engine.begin() as conn:
                return write_entries(conn, entries)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def search(self, query: SearchQuery) -> list[SearchHit]:
        """Newest first; SearchError for a query that cannot run as written."""
        self.ready()
        try:
            with self.engine.connect() as conn:
                return search(conn, query)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def prune(self, retention: Retention, now: float | None = None, budget: float | None = None,
              dry_run: bool = False) -> PruneReport:
        """Remove what is older than `retention.keep` (and the oldest items beyond max_items) in short
        transactions, for at most about `budget` seconds; `dry_run`: only count it
        (newswatch.archive.retention). ArchiveUnavailable when the database cannot be reached."""
        self.ready()
        now = time.time() if now is None else now
        try:
            return plan(self.engine, retention, now) if dry_run else prune(self.engine, retention, now, budget)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def stats(self, top: int = 10) -> dict[str, Any]:
        """Counts, the oldest and newest item, the top sources and languages, the size on disk."""
        self.ready()
        try:
            with self.engine.connect() as conn:
                return stats(conn, top)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def pages_between(self, window: replay.Window, batch: int = replay.BATCH) -> Iterator[list[replay.ArchivedItem]]:
        """The window's rows, oldest first, `batch` at a time (newswatch.archive.replay), each page in a
        short read of its own: no transaction is held while the caller works on a page, and the next
        page is read only when asked for. ArchiveUnavailable when a page cannot be read."""
        self.ready()
        after: replay.Cursor | None = None
        while True:
            try:
                with self.engine.connect() as conn:
                    rows = replay.page(conn, window, after, batch)
            except UNAVAILABLE as error:
                raise self._unavailable(error) from None
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after = replay.cursor(rows[-1])

    def items_between(self, window: replay.Window, batch: int = replay.BATCH) -> Iterator[Item]:
        """The window's items, oldest first, as the pipeline classified them (`to_item` of each row)."""
        for rows in self.pages_between(window, batch):
            yield from map(replay.to_item, rows)

    def story(self, story_or_item: str) -> list[Report]:
        """Every report of a story (its id, or the fingerprint of one of its reports), oldest first."""
        self.ready()
        try:
            with self.engine.connect() as conn:
                return story_reports(conn, story_or_item)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def events_of(self, fingerprints: list[str]) -> dict[str, str]:
        """The archived event id of each of these items that has one (`newswatch items`)."""
        self.ready()
        try:
            with self.engine.connect() as conn:
                return events_of(conn, fingerprints)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def _read(self, what: Callable[..., T], *args: Any) -> T:
        """`what(conn, *args)` on a connection of its own; ArchiveUnavailable when it cannot be read."""
        self.ready()
        try:
            with self.engine.connect() as conn:
                return what(conn, *args)
        except UNAVAILABLE as error:
            raise self._unavailable(error) from None

    def item(self, fingerprint: str) -> dict[str, Any] | None:
        """The archived item (labels, facts, story and event ids), or None (newswatch.archive.lookup)."""
        return self._read(lookup.item_record, fingerprint)

    def item_alerts(self, fingerprint: str) -> list[dict[str, Any]]:
        """The alerts the item made, newest first."""
        return self._read(lookup.item_alerts, fingerprint)

    def alert_counts(self, since: float) -> dict[str, int]:
        """Rule id -> alerts it made since `since`."""
        return self._read(lookup.alert_counts, since)

    def items_by_source(self, since: float) -> dict[str, int]:
        """Source id -> items archived since `since`."""
        return self._read(lookup.items_by_source, since)

    def counts(self) -> dict[str, int]:
        """Rows in `items` and `alerts`."""
        self.ready()
        with self.engine.connect() as conn:
            return {name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                    for name, table in (("items", items), ("alerts", alerts))}

    def close(self) -> None:
        self.engine.dispose()
