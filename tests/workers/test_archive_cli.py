"""`newswatch archive prune|stats` on both backends, through the CLI's main function: prune counts
as a dry run and then removes exactly what is older than the config's `keep`; stats says what is
there, how big it is and what waits in Redis (when it answers); a database that cannot be reached
is exit 1 without its password."""
from __future__ import annotations

import json
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from newswatch.archive.database import Archive
from newswatch.archive.query import SearchQuery
from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import alert_entry, decode, item_entry
from newswatch.classify.model import Facts
from newswatch.model.alert import Alert
from newswatch.model.item import Item
from workers.cli import main

NOW = datetime.now(timezone.utc)
DAYS = {"old-1": 40, "old-2": 31, "old-3": 400, "new-1": 1, "new-2": 29}   # keep: 30d


def item(name: str, source: str, lang: str) -> Item:
    it = Item(source, f"{name} from Bamako", "Talks in Mali.", url=f"https://example.org/{name}", lang=lang,
              published=NOW - timedelta(days=DAYS[name])).finish()
    it.facts = Facts(lang=lang, countries=["ML"], mentioned=["ML"], topics=["diplomacy/visit"])
    return it


def alert(name: str, days: float) -> Alert:
    created = (NOW - timedelta(days=days)).isoformat()
    return Alert(id=name, rule_id="r", rule_title="R", severity="high", item_id="x", source_id="wire", title=name,
                 url=None, published=None, summary="", channels=["desk"], story_id=None, evidence=[],
                 created_at=created)


@pytest.fixture
def config(tmp_path, archive_url, redis_url, key_prefix):
    sqlite = archive_url.get_backend_name() == "sqlite"
    state = archive_url.database.rsplit("/", 1)[0] if sqlite else str(tmp_path / "state")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "state_dir": state, "rules": [], "redis_url": redis_url, "key_prefix": key_prefix,
        "archive": {"url": "" if sqlite else archive_url.render_as_string(hide_password=False), "keep": "30d"},
        "channels": [{"id": "desk", "type": "email", "host": "smtp.example.org", "from": "a@example.org",
                      "to": ["b@example.org"], "username": "u", "password": "${UNSET_IN_THIS_TEST}"}]}))
    archive = Archive(archive_url)
    items = [item("old-1", "wire", "en"), item("old-2", "afp", "fr"), item("old-3", "wire", "en"),
             item("new-1", "wire", "en"), item("new-2", "afp", "fr")]
    archive.write([decode(item_entry(i)) for i in items] + [decode(alert_entry(alert("a-old", 31))),
                                                           decode(alert_entry(alert("a-new", 2)))])
    archive.close()
    return path, items, Archive(archive_url)


def test_prune_counts_as_a_dry_run_then_removes_what_is_older_than_keep(config, capsys):
    path, items, archive = config
    try:
        assert main(["archive", "prune", "-c", str(path), "--dry-run", "--format", "json"]) == 0
        dry = json.loads(capsys.readouterr().out)
        assert (dry["dry_run"], dry["items"], dry["items_over_max"], dry["alerts"], dry["deliveries"]) == (
            True, 3, 0, 1, 1)
        assert abs(dry["cutoff"] - (time.time() - 30 * 86400)) < 60
        assert archive.counts() == {"items": 5, "alerts": 2}
        assert main(["archive", "prune", "-c", str(path), "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "keep 30d, max_items none" in out and "would remove: 3 items older than keep" in out

        assert main(["archive", "prune", "-c", str(path)]) == 0
        out = capsys.readouterr().out
        assert "removed: 3 items older than keep, 0 items beyond max_items, 1 alerts, 1 deliveries" in out
        assert archive.counts() == {"items": 2, "alerts": 1}
        left = {hit.title.split()[0] for hit in archive.search(SearchQuery("bamako"))}
        assert left == {"new-1", "new-2"}
        assert main(["archive", "prune", "-c", str(path), "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["items"] == 0
    finally:
        archive.close()


def test_stats_says_what_is_there_and_what_waits_in_redis(config, capsys, state):
    path, items, archive = config
    archive.close()
    ArchiveQueue(state, 100).push([item_entry(Item("wire", "queued", "x", url="https://example.org/q").finish())])
    assert main(["archive", "stats", "-c", str(path), "--format", "json", "--top", "1"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["items"], stats["alerts"], stats["deliveries"], stats["waiting"]) == (5, 2, 2, 1)
    assert stats["oldest_item"] == pytest.approx((NOW - timedelta(days=400)).timestamp())
    assert stats["newest_item"] == pytest.approx((NOW - timedelta(days=1)).timestamp())
    assert stats["by_source"] == [{"name": "wire", "items": 3}] and stats["by_lang"] == [{"name": "en", "items": 3}]
    assert stats["size_bytes"] > 50_000 and stats["keep_seconds"] == 30 * 86400 and stats["max_items"] is None
    assert main(["archive", "stats", "-c", str(path)]) == 0
    out = capsys.readouterr().out
    assert "items: 5 (oldest " in out and "by source: wire 3, afp 2" in out and "by language: en 3, fr 2" in out
    assert "waiting in Redis to be written: 1" in out and "retention: keep 30d, max_items none" in out


def test_stats_without_redis_says_so(config, capsys, tmp_path):
    path, _, archive = config
    archive.close()
    settings = yaml.safe_load(path.read_text())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings["redis_url"] = f"redis://127.0.0.1:{port}/0"      # nothing listens there
    path.write_text(yaml.safe_dump(settings))
    assert main(["archive", "stats", "-c", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["waiting"] is None
    assert main(["archive", "stats", "-c", str(path)]) == 0
    assert "waiting in Redis to be written: unknown" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["prune"], ["prune", "--dry-run"], ["stats"]])
def test_an_unreachable_database_is_exit_1_without_its_password(tmp_path, capsys, command):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"rules": [], "archive": {
        "url": f"postgresql://nw:canary-pw-never-shown@127.0.0.1:{port}/archive"}}))
    assert main(["archive", *command, "-c", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"newswatch archive {command[0]}: archive postgresql+psycopg://nw:***@127.0.0.1" in err
    assert "canary-pw-never-shown" not in err


def test_a_bad_top_is_refused(config, capsys):
    path, _, archive = config
    archive.close()
    with pytest.raises(SystemExit) as exit_:
        main(["archive", "stats", "-c", str(path), "--top", "0"])
    assert exit_.value.code == 2 and "--top" in capsys.readouterr().err
