"""The `archive:` section: defaults, where the database is, and a password in the URL that never
shows up in an error, a log line or `str()` of anything."""
import logging
import socket
from pathlib import Path

import pytest

from newswatch.archive.database import Archive, ArchiveUnavailable
from newswatch.config.archive import ArchiveConfig, parse_archive_url, redact_url
from newswatch.config.yamlconf import ConfigError
from workers.registry import load_config

ROOT = Path(__file__).resolve().parents[3]
SECRET = "canary-pw-never-shown"


def test_defaults_put_sqlite_in_the_state_dir(tmp_path):
    config = ArchiveConfig()
    assert (config.url, config.keep, config.max_items, config.queue_max) == ("", 90 * 86400.0, None, 100_000)
    url = config.database_url(tmp_path)
    assert url.get_backend_name() == "sqlite" and url.database == str(tmp_path / "archive.sqlite3")


def test_the_demo_config_archives_into_its_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSWATCH_STATE_DIR", str(tmp_path))
    config = load_config(ROOT / "config" / "demo.yaml")
    archive = Archive.from_config(config.settings.archive, config.state_dir)
    try:
        assert archive.backend == "sqlite" and archive.url.database == str(tmp_path / "archive.sqlite3")
    finally:
        archive.close()


def test_postgresql_urls_use_psycopg_3():
    url = parse_archive_url(f"postgresql://nw:{SECRET}@db.example:5432/newswatch")
    assert url.drivername == "postgresql+psycopg" and url.database == "newswatch"
    assert parse_archive_url("postgres://nw@db.example/nw").drivername == "postgresql+psycopg"
    assert redact_url(url) == "postgresql+psycopg://nw:***@db.example:5432/newswatch"


@pytest.mark.parametrize("value, message", [
    ("sqlite://", "needs a file"),
    ("postgresql:///newswatch", "needs a host"),
    ("not a url", "not a database URL"),
    ("mongodb://h/db", "unsupported archive database 'mongodb'"),
])
def test_bad_urls(value, message):
    with pytest.raises(ValueError, match=message):
        parse_archive_url(value)


@pytest.mark.parametrize("name", ["archive_bad_url", "archive_url_without_database"])
def test_config_errors_never_show_the_password(name):
    with pytest.raises(ConfigError) as err:
        load_config(ROOT / "tests" / "fixtures" / "config" / "invalid" / f"{name}.yaml")
    assert "archive.url" in str(err.value) and SECRET not in str(err.value)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_database_is_reported_without_its_password(caplog):
    archive = Archive(parse_archive_url(f"postgresql://newswatch:{SECRET}@127.0.0.1:{closed_port()}/nw"))
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(ArchiveUnavailable) as err:
            archive.ready()
    finally:
        archive.close()
    assert "postgresql+psycopg://newswatch:***@127.0.0.1" in str(err.value)
    assert "OperationalError" in str(err.value)
    assert SECRET not in str(err.value) and SECRET not in caplog.text
    assert SECRET not in archive.where
