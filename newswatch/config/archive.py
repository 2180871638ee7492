"""The `archive:` section: where every item and alert is remembered (newswatch/archive).

    archive:
      url: ""            # empty: SQLite in state_dir/archive.sqlite3 (WAL); postgresql://user@host/db
      password_file: /run/secrets/archive_db_password   # or password: ${ARCHIVE_DB_PASSWORD}, or in the url
      keep: 90d          # how long items and alerts are kept (at least 1h; off: for ever)
      max_items: null    # optional: at most this many items (the oldest go first)
      queue_max: 100000  # entries waiting in Redis while the database is down; the oldest are dropped beyond

`password` / `password_file` are the PostgreSQL password for a `url` without one (a file is read
only when `url` is a postgresql one, so a config shared with a SQLite set-up may name it). The
password is never logged or echoed: `redact_url` is what every message shows.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from newswatch.config.base import ConfigFile, StrictModel, _read_secret_file
from newswatch.config.units import Duration

if TYPE_CHECKING:   # SQLAlchemy (about 20 MB) is imported when a URL is parsed: a config with the default
    from sqlalchemy.engine import URL   # SQLite archive validates without it (`newswatch run`'s parent)

SQLITE_FILE = "archive.sqlite3"   # in state_dir, when `url` is empty
KEEP_MIN = 3600.0                 # a shorter `keep` is a mistake (`keep: 90` is 90 seconds), not a policy
_SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
            "postgresql+psycopg": "postgresql+psycopg"}
URL_FORMS = "empty (SQLite in state_dir), sqlite:////absolute/path.sqlite3, or postgresql://user:password@host:5432/db"


def parse_archive_url(value: str) -> URL:
    """The SQLAlchemy URL of `value` (postgresql:// uses psycopg 3). A ValueError names the problem
    and never the password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
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
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<unparsable url>"
    return url.render_as_string(hide_password=True)


class ArchiveConfig(StrictModel):
    url: str = ""
    password: SecretStr | None = None          # PostgreSQL's password, when `url` has none
    password_file: ConfigFile | None = None    # ... or read from this file (a compose secret)
    keep: Duration = 90 * 86400.0
    max_items: int | None = Field(default=None, ge=1)
    queue_max: int = Field(default=100_000, ge=1)

    @field_validator("keep")
    @classmethod
    def _keep(cls, value: float) -> float:
        if 0 < value < KEEP_MIN:
            raise ValueError(f"keep {value:g}s is shorter than 1h (a number alone is seconds: write 90d; "
                             "off keeps everything)")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str:
        value = (value or "").strip()
        if value:
            parse_archive_url(value)
        return value

    @model_validator(mode="after")
    def _password(self, info: ValidationInfo) -> "ArchiveConfig":
        if self.password is not None and self.password_file is not None:
            raise ValueError("give 'password' or 'password_file', not both")
        url = parse_archive_url(self.url) if self.url else None
        if url is None or url.get_backend_name() != "postgresql":
            return self   # SQLite has no password: a password_file is not read
        if url.password is not None and (self.password is not None or self.password_file is not None):
            raise ValueError("the url has a password already: give it there or in password / password_file, not both")
        if self.password_file is not None:
            object.__setattr__(self, "password", SecretStr(_read_secret_file(self.password_file, "password_file", info)))
        return self

    def database_url(self, state_dir: Path) -> URL:
        """Where the archive is: `url` (with `password` / `password_file`), else SQLite in `state_dir`."""
        from sqlalchemy.engine import URL
        if not self.url:
            return URL.create("sqlite", database=str(state_dir / SQLITE_FILE))
        url = parse_archive_url(self.url)
        if self.password is not None and url.get_backend_name() == "postgresql":
            url = url.set(password=self.password.get_secret_value())
        return url
