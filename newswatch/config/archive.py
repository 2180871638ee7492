"""The `archive:` section: where every item and alert is remembered (newswatch/archive).

    archive:
      url: ""            # empty: SQLite in state_dir/archive.sqlite3 (WAL); postgresql://user:pw@host/db
      keep: 90d          # how long items and alerts are kept
      max_items: null    # optional: at most this many items (the oldest go first)
      queue_max: 100000  # entries waiting in Redis while the database is down; the oldest are dropped beyond

The URL's password is never logged or echoed: `redact_url` is what every message shows.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from newswatch.config.base import StrictModel
from newswatch.config.units import Duration

SQLITE_FILE = "archive.sqlite3"   # in state_dir, when `url` is empty
_SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
            "postgresql+psycopg": "postgresql+psycopg"}
URL_FORMS = "empty (SQLite in state_dir), sqlite:////absolute/path.sqlite3, or postgresql://user:password@host:5432/db"


def parse_archive_url(value: str) -> URL:
    """The SQLAlchemy URL of `value` (postgresql:// uses psycopg 3). A ValueError names the problem
    and never the password."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"archive url is not a database URL (allowed: {URL_FORMS})") from None
    driver = _SCHEMES.get(url.drivername)
    if driver is None:
        raise ValueError(f"unsupported archive database {url.drivername!r} (allowed: {URL_FORMS})")
    if driver == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("a sqlite archive url needs a file: sqlite:////absolute/path.sqlite3")
        return url
    if not url.host and not url.query.get("host"):
        raise ValueError("a postgresql archive url needs a host: postgresql://user:password@host:5432/db")
    if not url.database:
        raise ValueError("a postgresql archive url needs a database name: postgresql://user@host:5432/db")
    return url.set(drivername=driver)


def redact_url(url: URL | str) -> str:
    """The URL as logs and errors show it: any password is `***`."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<unparsable url>"
    return url.render_as_string(hide_password=True)


class ArchiveConfig(StrictModel):
    url: str = ""
    keep: Duration = 90 * 86400.0
    max_items: int | None = Field(default=None, ge=1)
    queue_max: int = Field(default=100_000, ge=1)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str:
        value = (value or "").strip()
        if value:
            parse_archive_url(value)
        return value

    def database_url(self, state_dir: Path) -> URL:
        """Where the archive is: `url`, else SQLite in `state_dir`."""
        if not self.url:
            return URL.create("sqlite", database=str(state_dir / SQLITE_FILE))
        return parse_archive_url(self.url)
