"""The desk's app in-process (Starlette's TestClient over the ASGI app) against the real Redis (a key prefix
per test) and a real archive (SQLite file, and PostgreSQL: `archive_url` runs each test on both), holding
three items and the alert of the first; the config loaded as `newswatch web` loads it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml
from fastapi.testclient import TestClient

from alerts.store import AlertStore
from newswatch.archive.database import Archive
from newswatch.archive.records import alert_entry, decode, item_entry
from newswatch.classify.model import Facts
from newswatch.model.alert import Alert, Evidence
from newswatch.model.item import Item
from newswatch.store.state import State, connect
from web.app import create_app
from web.auth import Auth, hash_password
from web.desk import Desk
from workers.registry import load_config

NOW = datetime.now(timezone.utc)
HOSTILE = "<script>window.__pwned = 1</script> Lavrov lands in Bamako"
PASSWORDS = {"ana": "ana-secret-pass", "bo": "bo-secret-pass"}
TOKEN = "t0ken-for-scripts-0123456789"


def archived_item(n: int, title: str, text: str, countries: list[str], days_ago: float) -> Item:
    it = Item("wire", title, text, url=f"https://example.org/{n}", published=NOW - timedelta(days=days_ago)).finish()
    it.facts = Facts(lang="en", countries=countries, mentioned=countries, topics=["diplomacy/visit"])
    return it


def the_alert(item: Item) -> Alert:
    title = item.title
    at = title.index("Lavrov")
    return Alert(id="alert-1", rule_id="lavrov-bamako", rule_title="Lavrov in a Sahel capital", severity="high",
                 item_id=item.id, source_id="wire", title=title, url=item.url, published=None, summary=item.text,
                 evidence=[Evidence("when.all[0]", "actor", "Lavrov", "title", at, at + 6, "lavrov", 0,
                                    "Sergey Lavrov (RU official)"),
                           Evidence("when.all[1]", "place", "Bamako", "title", title.index("Bamako"),
                                    title.index("Bamako") + 6, "2460596", 0, "Bamako (capital, ML, sahel)"),
                           Evidence("when.all[2]", "topic", "lands", "title", title.index("lands"),
                                    title.index("lands") + 5, "visit", 0, "visit, happened (lands)")],
                 channels=["desk-email"], story_id=item.id)


def write_config(tmp_path, redis_url, key_prefix, archive_url, web: dict | None = None):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([
        {"id": "lavrov-bamako", "title": "Lavrov in a Sahel capital", "when": {"keywords": ["Lavrov"]},
         "notify": ["desk-email"]}]))
    sqlite = archive_url.get_backend_name() == "sqlite"
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"),
        "rules": ["rules.yaml"],
        "archive": {"url": f"sqlite:///{archive_url.database}" if sqlite
                    else archive_url.render_as_string(hide_password=False)},
        "sources": [{"id": "wire", "type": "rss", "url": "http://127.0.0.1:9/feed.xml"}],
        "channels": [{"id": "desk-email", "type": "email", "host": "127.0.0.1", "from": "a@example.org",
                      "to": ["b@example.org"], "username": "u", "password": "${UNSET_IN_THIS_TEST}"}],
        **({"web": web} if web else {})}))
    return path


def auth_section(tmp_path) -> dict:
    """Two users (an editor, a viewer) with argon2 hashes in files, an API token, a session secret."""
    for name, password in PASSWORDS.items():
        (tmp_path / f"{name}.hash").write_text(hash_password(password))
    (tmp_path / "session").write_text("s" * 48)
    return {"users": [{"name": "ana", "role": "editor", "password_hash_file": "ana.hash"},
                      {"name": "bo", "role": "viewer", "password_hash_file": "bo.hash"}],
            "tokens": [{"name": "script", "role": "editor", "token": TOKEN}],
            "session_secret_file": "session"}


@pytest.fixture
def desk_setup(tmp_path, redis_url, key_prefix, archive_url):
    archive = Archive(archive_url)
    items = [archived_item(0, HOSTILE, "The Russian foreign minister arrived in Mali.", ["ML", "RU"], 0.5),
             archived_item(1, "Lavrov in Moscow talks", "Talks about Bamako held in Moscow.", ["RU"], 2),
             archived_item(2, "Lavrov visited Bamako", "An older visit to Mali.", ["ML"], 30)]
    alert = the_alert(items[0])
    archive.write([decode(item_entry(i)) for i in items] + [decode(alert_entry(alert))])
    archive.close()
    state = State(connect(redis_url), key_prefix)
    AlertStore(state).create_alert(alert.id, alert.to_dict(), alert.channels, 300)
    AlertStore(state).update_delivery(alert.id, "desk-email", "sent", count_attempt=True)

    def client(web: dict | None = None, base_url: str = "http://testserver") -> TestClient:
        config = load_config(write_config(tmp_path, redis_url, key_prefix, archive_url, web), dry_run=True)
        app = create_app(Desk(config, redis_url), Auth(config.settings.web.auth))
        return TestClient(app, base_url=base_url, follow_redirects=False)
    return client, items, alert, state
