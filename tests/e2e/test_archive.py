"""The archive end to end, with real processes: the offline demo archives into SQLite in its state
folder; a database that goes away in the middle of a run (a PostgreSQL cluster stopped with
pg_ctl, a SQLite archive whose table is taken away) never holds up an alert, and once it is back
every item the service saw is written, none twice."""
import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import email_channel, feed_with_seed, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.pg_cluster import ThrowawayPostgres
from tests.support.smtp_server import LocalSMTPServer

pytestmark = pytest.mark.e2e


def sqlite_rows(path: Path, sql: str) -> list:
    with sqlite3.connect(path, timeout=10) as conn:
        return conn.execute(sql).fetchall()


def test_the_demo_archives_into_sqlite_in_its_state_dir(tmp_path, procs):
    state = tmp_path / "state"
    first = procs("run", "--once", "-c", "config/demo.yaml", env={"NEWSWATCH_STATE_DIR": str(state)})
    assert first.proc.wait(240) == 0, first.stderr()[-3000:]
    [alert] = [json.loads(line) for line in first.stdout().splitlines() if line.startswith("{")]
    db = state / "archive.sqlite3"
    assert sqlite_rows(db, "PRAGMA journal_mode") == [("wal",)]
    assert sqlite_rows(db, "SELECT count(*), count(DISTINCT fingerprint) FROM items") == [(23, 23)]
    assert sqlite_rows(db, "SELECT alert_id, rule_id FROM alerts") == [(alert["alert_id"], alert["rule"])]
    assert sqlite_rows(db, "SELECT channel, status, attempts FROM alert_deliveries") == [("console", "sent", 1)]
    assert sqlite_rows(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'lavrov AND bamako'") == [(1,)]
    second = procs("run", "--once", "-c", "config/demo.yaml", env={"NEWSWATCH_STATE_DIR": str(state)}, name="again")
    assert second.proc.wait(240) == 0, second.stderr()[-3000:]
    assert not [line for line in second.stdout().splitlines() if line.startswith("{")]
    assert sqlite_rows(db, "SELECT count(*) FROM items") == [(23,)]


class SqliteOutage:
    """SQLite cannot be stopped: its items table is taken away (every write fails) and given back."""

    def __init__(self, tmp_path: Path):
        self.path = tmp_path / "state" / "archive.sqlite3"
        self.url = ""   # the default: SQLite in state_dir

    def stop(self) -> None:
        sqlite_rows(self.path, "ALTER TABLE items RENAME TO items_away")

    def start(self) -> None:
        sqlite_rows(self.path, "ALTER TABLE items_away RENAME TO items")

    def rows(self, sql: str) -> list:
        return sqlite_rows(self.path, sql)


class PostgresOutage:
    """A cluster of its own, stopped and started again with pg_ctl."""

    def __init__(self, cluster: ThrowawayPostgres):
        self.cluster, self.url = cluster, cluster.url.render_as_string(hide_password=False)
        self.stop, self.start = cluster.stop, cluster.start

    def rows(self, sql: str) -> list:
        engine = sa.create_engine(self.cluster.url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql)).all()]
        finally:
            engine.dispose()


@contextmanager
def outage_of(backend: str, tmp_path: Path):
    if backend == "sqlite":
        yield SqliteOutage(tmp_path)
        return
    cluster = ThrowawayPostgres().create()
    try:
        yield PostgresOutage(cluster)
    finally:
        cluster.destroy()


def archived(db) -> set[str]:
    try:
        return {fp for (fp,) in db.rows("SELECT fingerprint FROM items")}
    except Exception:   # noqa: BLE001 — the database is away, or the table is
        return set()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_database_down_mid_run_alerts_go_out_and_nothing_is_lost_or_written_twice(
        backend, tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    with outage_of(backend, tmp_path) as db, LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        route = http.feed("/world.xml", (data_dir / "feeds" / "world-2026-02" / "dw_english_all__14dda539770f94e3.xml")
                          .read_bytes())
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"), "max_age": "off",
            "archive": {"url": db.url}, "channels": [email_channel(smtp)],
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "2s"}],
            "delivery": {"retry_backoff": "1s", "retry_backoff_max": "2s", "redeliver_after": "3s"}})
        run = procs("run", "-c", str(cfg))
        seen = lambda: {k.rsplit(":", 1)[1] for k in rdb.scan_iter(f"{key_prefix}:seen:*")}   # noqa: E731
        wait_until(lambda: seen() and archived(db) == seen(), 90, "the first poll archived", procs=[run])
        before = archived(db)

        db.stop()
        route.body = feed_with_seed(data_dir)   # the seed story and another real feed's items
        route.etag = '"changed"'
        wait_until(lambda: smtp.messages, 60, "the alert, with the archive down", procs=[run])
        waiting = lambda: rdb.llen(f"{key_prefix}:archive:queue") + rdb.llen(f"{key_prefix}:archive:processing")  # noqa: E731
        wait_until(lambda: len(seen()) > len(before) and waiting() >= len(seen()) - len(before), 30,
                   "the new items queued in Redis", procs=[run])
        assert archived(db) == set()            # down: nothing can be read, nothing was written
        assert "archive_unavailable" in run.stderr()

        db.start()
        wait_until(lambda: archived(db) == seen() and waiting() == 0, 150, "the backlog written", procs=[run])
        assert archived(db) > before
        assert db.rows("SELECT count(*) - count(DISTINCT fingerprint) FROM items") == [(0,)]
        [(alert_id, status)] = db.rows("SELECT a.alert_id, d.status FROM alerts a "
                                       "JOIN alert_deliveries d ON d.alert_id = a.alert_id")
        assert status == "sent" and alert_id in smtp.messages[0]["Message-ID"]
        assert run.terminate() == 0
        assert len(smtp.messages) == 1
    log = run.stderr()   # the worker child's and the parent's: whichever drained first after the outage wrote
    assert "archive_written" in log[log.index("archive_unavailable"):]
