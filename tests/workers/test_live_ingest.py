"""Live sources: the lease holder runs one listener per `live: true` source, and what a listener hands
over goes through the poll pipeline (ingest task) under the source's lock, cursor saved last."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from workers.registry import load_config
from newswatch.model.item import Item
from workers.polling import ingest_once
from workers.runtime import Runtime
from workers.scheduler import PollScheduler

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "lavrov-bamako-telegram-post.txt"
RULE = [{"id": "lavrov", "title": "Lavrov", "severity": "high", "when": {"keywords": ["Lavrov"]}, "notify": ["out"]}]


def config(tmp_path, key_prefix):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULE))
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "key_prefix": key_prefix, "rules": ["rules.yaml"], "classify": {"enabled": False},
        "sources": [{"id": "tg-live", "type": "telegram", "channel": "@The_International_Affairs",
                     "mode": "mtproto", "live": True, "api_id": 1, "api_hash": "h" * 32, "session": "s"},
                    {"id": "tg-web", "type": "telegram", "channel": "@topwar_official"}],
        "channels": [{"id": "out", "type": "stdout"}]}))
    return load_config(path)


def seed_item(post_id: int) -> Item:
    lines = SEED.read_text(encoding="utf-8").strip().split("\n")
    url = f"https://t.me/The_International_Affairs/{post_id}"
    return Item(source_id="tg-live", title=lines[0], text="\n".join(lines[1:]), url=url, guid=url,
                published=datetime.now(timezone.utc)).finish()


class FakeListener:
    """Stands in for TelegramListener (whose own tests use a fake Telegram client)."""

    def __init__(self, src, last_id, on_items, on_error):
        self.src, self.last_id, self.on_items, self.on_error = src, last_id, on_items, on_error
        self.started = self.stopped = False

    def start(self):
        self.started = True

    def stop(self, timeout=10):
        self.stopped = True
        return True


def test_ingest_runs_the_pipeline_and_saves_the_cursor(tmp_path, redis_url, key_prefix, capsys):
    rt = Runtime(config(tmp_path, key_prefix), redis_url)
    try:
        sent = []
        item = Item.from_dict(json.loads(json.dumps(seed_item(4242).to_dict())))  # as Celery carries it
        report = ingest_once(rt, "tg-live", [item], {"last_id": "4242"}, lambda *a: sent.append(a))
        assert report.status == "ok" and report.new == 1 and len(sent) == 1
        assert rt.state.cursor("tg-live") == {"last_id": "4242"}
        again = ingest_once(rt, "tg-live", [item], {"last_id": "4242"}, lambda *a: sent.append(a))
        assert again.new == 0 and len(sent) == 1                   # a catch-up repeat is a duplicate
        with rt.state.lock("poll", "tg-live", ttl=30) as ours:     # another worker holds the source
            assert ours
            busy = ingest_once(rt, "tg-live", [seed_item(4243)], {"last_id": "4243"}, lambda *a: None)
        assert busy.status == "busy" and rt.state.cursor("tg-live") == {"last_id": "4242"}
    finally:
        rt.close()


def test_scheduler_runs_listeners_only_while_it_holds_the_lease(tmp_path, redis_url, key_prefix):
    rt = Runtime(config(tmp_path, key_prefix), redis_url)
    rt.state.save_cursor("tg-live", last_id="100")
    polls, ingested, made = [], [], []

    def factory(*args):
        made.append(FakeListener(*args))
        return made[-1]

    first = PollScheduler(rt, polls.append, lambda *a: None, lease_ttl=3, sweep_every=60,
                          enqueue_ingest=lambda *a: ingested.append(a), listener_factory=factory)
    standby = PollScheduler(rt, polls.append, lambda *a: None, lease_ttl=3, sweep_every=60,
                            enqueue_ingest=lambda *a: ingested.append(a), listener_factory=factory)
    try:
        first.start()
        standby.start()
        assert len(made) == 1 and made[0].started and made[0].src.id == "tg-live" and made[0].last_id == "100"
        made[0].on_items([seed_item(101)], {"last_id": "101"})
        assert ingested[0][0] == "tg-live" and ingested[0][2] == {"last_id": "101"}
        made[0].on_error(type("E", (Exception,), {"reason": "flood wait 30 s", "retry_after": 30.0})())
        assert rt.state.health("tg-live")["last_error"] == "flood wait 30 s"
        time.sleep(1.5)
        assert "tg-live" not in polls                       # live sources are not polled on a timer
        first.stop()                                        # lease released: the standby takes over
        assert made[0].stopped
        deadline = time.monotonic() + 5
        while len(made) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(made) == 2 and made[1].started
    finally:
        first.stop()
        standby.stop()
        rt.close()
