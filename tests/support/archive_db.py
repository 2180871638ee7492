"""The archive's backends, for real (fixtures of tests/conftest.py): a SQLite file in the test's folder, and a database of its own
on the PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), dropped afterwards. A test that
needs PostgreSQL fails loudly when it is not there.

`archive_url` is parametrized over both, so every test that takes it (or `archive`) runs twice."""
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from newswatch.archive.database import Archive

PG_ADMIN_URL = os.environ.get("NEWSWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _admin_engine() -> sa.Engine:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"these tests need the real PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} "
                    f"({str(exc.orig).strip().splitlines()[0]}); start it, or set NEWSWATCH_TEST_PG_URL",
                    pytrace=False)
    return engine


def pg_database() -> tuple[URL, Callable[[], None]]:
    """A fresh PostgreSQL database: its URL, and the function that drops it."""
    admin = _admin_engine()
    name = f"nwtest_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name), drop


@contextmanager
def backend_url(backend: str, folder: Path) -> Iterator[URL]:
    """A fresh, empty archive database of `backend`: a file in `folder`, or a PostgreSQL database."""
    if backend == "sqlite":
        yield URL.create("sqlite", database=str(folder / "archive.sqlite3"))
        return
    url, drop = pg_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=BACKENDS)
def archive_url(request, tmp_path) -> URL:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def archive(archive_url) -> Archive:
    archive = Archive(archive_url)
    yield archive
    archive.close()

