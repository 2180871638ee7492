"""`newswatch search` on both backends: the config's archive, words and facets from the command line,
text and JSON out; a bad search is exit 2 with the reason, an unreachable database exit 1 without
its password."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from newswatch.archive.database import Archive
from newswatch.archive.records import decode, item_entry
from newswatch.classify.model import Facts
from newswatch.model.item import Item
from workers.cli import main

NOW = datetime.now(timezone.utc)


def item(n: int, title: str, text: str, countries: list[str], days_ago: float) -> Item:
    it = Item("wire", title, text, url=f"https://example.org/{n}", published=NOW - timedelta(days=days_ago)).finish()
    it.facts = Facts(lang="en", countries=countries, mentioned=countries, topics=["diplomacy/visit"])
    return it


@pytest.fixture
def config(tmp_path, archive_url):
    """A config whose archive (SQLite in its state_dir, or a PostgreSQL database) holds three items."""
    sqlite = archive_url.get_backend_name() == "sqlite"
    state = archive_url.database.rsplit("/", 1)[0] if sqlite else str(tmp_path / "state")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "state_dir": state, "rules": [],
        "archive": {"url": "" if sqlite else archive_url.render_as_string(hide_password=False)},
        "channels": [{"id": "desk", "type": "email", "host": "smtp.example.org", "from": "a@example.org",
                      "to": ["b@example.org"], "username": "u", "password": "${UNSET_IN_THIS_TEST}"}]}))
    archive = Archive(archive_url)
    items = [item(0, "Lavrov lands in Bamako", "The Russian foreign minister in Mali.", ["ML", "RU"], 1),
             item(1, "Lavrov in Moscow talks", "Talks about Bamako held in Moscow.", ["RU"], 2),
             item(2, "Lavrov visited Bamako", "An older visit to Mali.", ["ML"], 30)]
    archive.write([decode(item_entry(i)) for i in items])
    archive.close()
    return path, items


def test_words_facets_and_window(config, capsys):
    path, items = config
    assert main(["search", "-c", str(path), "lavrov", "bamako", "--country", "ML", "--since", "7d"]) == 0
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and "Lavrov lands in Bamako" in out.out and "https://example.org/0" in out.out
    assert "1 item(s)" in out.err
    assert main(["search", "-c", str(path), "lavrov", "--not", "moscow", "--format", "json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["item_id"] for h in hits] == [items[0].id, items[2].id]   # newest first
    assert hits[0]["countries"] == ["ML", "RU"] and hits[0]["topics"] == ["diplomacy/visit"]
    assert main(["search", "-c", str(path), "--format", "json", "lavrov", "--", "-moscow"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["search", "-c", str(path), "--topic", "visit", "--until", (NOW - timedelta(days=10)).date().isoformat(),
                 "--format", "json"]) == 0
    assert [json.loads(line)["item_id"] for line in capsys.readouterr().out.splitlines()] == [items[2].id]


@pytest.mark.parametrize("args, message", [
    (['"bamako'], "unbalanced quote"),
    (["--country", "Mali"], "'Mali' is no ISO 3166-1 alpha-2 code"),
    (["--since", "last week"], "--since: 'last week' is neither a duration"),
    (["lavrov", "--limit", "0"], "limit must be a whole number from 1 to 1000"),
])
def test_a_bad_search_is_exit_2_with_the_reason(config, capsys, args, message):
    path, _ = config
    assert main(["search", "-c", str(path), *args]) == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_database_is_exit_1_without_its_password(tmp_path, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"rules": [], "archive": {
        "url": f"postgresql://nw:canary-pw-never-shown@127.0.0.1:{port}/archive"}}))
    assert main(["search", "-c", str(path), "bamako"]) == 1
    err = capsys.readouterr().err
    assert "postgresql+psycopg://nw:***@127.0.0.1" in err and "canary-pw-never-shown" not in err
