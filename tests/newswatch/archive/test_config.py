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


def write_config(tmp_path: Path, archive: dict) -> Path:
    import yaml
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"rules": [], "archive": archive}))
    return path


def test_the_password_comes_from_a_file_beside_the_config_and_never_shows(tmp_path, caplog):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "archive_db_password").write_text(f"{SECRET}\n")
    path = write_config(tmp_path, {"url": f"postgresql://nw@127.0.0.1:{closed_port()}/archive",
                                   "password_file": "secrets/archive_db_password"})
    config = load_config(path)
    archive_config = config.settings.archive
    url = archive_config.database_url(tmp_path)
    assert url.password == SECRET and url.username == "nw"
    assert SECRET not in repr(archive_config) and SECRET not in str(config.settings)
    caplog.set_level(logging.DEBUG)
    archive = Archive.from_config(archive_config, tmp_path)
    try:
        with pytest.raises(ArchiveUnavailable) as err:
            archive.ready()
    finally:
        archive.close()
    assert "nw:***@127.0.0.1" in str(err.value) and SECRET not in str(err.value) and SECRET not in caplog.text


def test_the_password_from_the_environment(tmp_path):
    path = write_config(tmp_path, {"url": "postgresql://nw@db.example/archive", "password": "${ARCHIVE_TEST_PW}"})
    url = load_config(path, env={"ARCHIVE_TEST_PW": SECRET}).settings.archive.database_url(tmp_path)
    assert url.password == SECRET and redact_url(url) == "postgresql+psycopg://nw:***@db.example/archive"


def test_sqlite_does_not_read_a_password_file(tmp_path):
    path = write_config(tmp_path, {"url": "", "password_file": "/run/secrets/not-there"})
    url = load_config(path).settings.archive.database_url(tmp_path)
    assert url.get_backend_name() == "sqlite" and url.password is None


@pytest.mark.parametrize("archive, message", [
    ({"url": "postgresql://nw@db.example/archive", "password_file": "missing"}, "cannot read password_file"),
    ({"url": "postgresql://nw@db.example/archive", "password": SECRET, "password_file": "pw"},
     "give 'password' or 'password_file', not both"),
    ({"url": f"postgresql://nw:{SECRET}@db.example/archive", "password_file": "pw"}, "the url has a password already"),
])
def test_password_errors_name_the_problem_and_never_the_password(tmp_path, archive, message):
    (tmp_path / "pw").write_text(SECRET)
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, archive))
    assert message in str(err.value) and "archive" in str(err.value) and SECRET not in str(err.value)


def test_archive_commands_refuse_a_password_that_is_not_there(tmp_path, capsys):
    from workers.cli import main
    path = write_config(tmp_path, {"url": "postgresql://nw@127.0.0.1/archive", "password_file": "missing"})
    assert main(["archive", "stats", "-c", str(path)]) == 1      # a dry run reads the config: no ConfigError
    assert "archive.password_file cannot be read" in capsys.readouterr().err


@pytest.mark.parametrize("keep, seconds", [("off", 0.0), ("0", 0.0), ("1h", 3600.0), ("90d", 90 * 86400.0)])
def test_keep_off_keeps_everything_and_a_keep_under_an_hour_is_refused(keep, seconds):
    assert ArchiveConfig(keep=keep).keep == seconds
    with pytest.raises(ValueError, match="shorter than 1h"):
        ArchiveConfig(keep="30m")
