"""Done-when 4 of issue 14, through the real poll pipeline (workers.polling.process_items: exact dedup, story
dedup recording each report in Redis, matching, dispatch): `reports: {min_sources: 3}` fires once, on the
third outlet, not on later ones, with a realert far shorter than the time between the reports."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from alerts.rules.reports import HappeningReports
from newswatch.model.item import Item
from workers.polling import process_items
from workers.registry import load_config
from workers.runtime import Runtime

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "lavrov-bamako-telegram-post.txt"
OUTLETS = ["tg-a", "tg-b", "tg-c", "tg-d", "tg-e"]
RULES = [{"id": "confirmed", "title": "Lavrov story confirmed by three outlets", "severity": "high", "realert": "1s",
          "when": {"all": [{"keywords": ["Lavrov"]}, {"reports": {"min_sources": 3, "within": "2h"}}]},
          "notify": ["out"]}]


def config(tmp_path, key_prefix):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULES))
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "key_prefix": key_prefix, "rules": ["rules.yaml"], "classify": {"enabled": False},
        "sources": [{"id": s, "type": "telegram", "channel": f"@channel_{s[-1]}"} for s in OUTLETS],
        "channels": [{"id": "out", "type": "stdout"}]}))
    return load_config(path)


def copy_of_the_seed_post(source_id: str) -> Item:
    """The real seed post as each outlet reposts it (its own link): one story."""
    lines = SEED.read_text(encoding="utf-8").strip().split("\n")
    url = f"https://t.me/channel_{source_id[-1]}/77"
    return Item(source_id=source_id, title=lines[0], text="\n".join(lines[1:]), url=url, guid=url,
                published=datetime.now(timezone.utc)).finish()


def test_reports_fires_once_on_the_third_outlet(tmp_path, redis_url, key_prefix):
    rt = Runtime(config(tmp_path, key_prefix), redis_url)
    try:
        assert isinstance(rt.matcher.reports, HappeningReports)
        deliveries = []
        for source_id in OUTLETS:
            report = process_items(rt, source_id, [copy_of_the_seed_post(source_id)], {},
                                   lambda alert_id, channel: None)
            assert report.new == 1
            deliveries.append(report.deliveries)
            time.sleep(1.1)                                  # past the rule's realert: it alone would not stop a 4th
        assert [len(d) for d in deliveries] == [0, 0, 1, 0, 0]
        [(alert_id, _)] = deliveries[2]
        alert = rt.alerts.alert(alert_id)
        assert alert["source_id"] == "tg-c"
        assert [e["matched"] for e in alert["evidence"] if e["kind"] == "reports"] == ["tg-a", "tg-b", "tg-c"]
    finally:
        rt.close()


VISITS = Path(__file__).resolve().parents[1] / "data" / "collected" / "visits.jsonl"
EVENT_RULES = [{"id": "visit-confirmed", "title": "A visit reported by three outlets", "severity": "high",
                "when": {"all": [{"event": "visit"}, {"reports": {"min_sources": 3, "within": "2h"}}]},
                "notify": ["out"]}]


def test_reports_counts_an_events_outlets_across_stories_and_languages(tmp_path, redis_url, key_prefix):
    """Four outlets' own reports of Lavrov's arrival in Bamako (2023-02-07: Sputnik en, abamako fr, lenta.ru
    ru, the Telegram seed post), each its own story: the real classifier and event clusterer give them one
    event, and `reports: {min_sources: 3}` fires on the third outlet, once."""
    import json
    lines = VISITS.read_text(encoding="utf-8").splitlines()
    seed = SEED.read_text(encoding="utf-8").strip().split("\n")
    published = datetime(2023, 2, 7, 9, tzinfo=timezone.utc)
    items = {"intl-affairs": Item(source_id="intl-affairs", title="", text="\n".join(seed),
                                  url="https://t.me/The_International_Affairs/4242", published=published)}
    for source_id, n in (("sputnik", 1), ("abamako", 73), ("lenta", 236)):
        r = json.loads(lines[n])
        items[source_id] = Item(source_id=source_id, title=r["title"] or "", text=r["text"], url=r["source"],
                                published=published)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(EVENT_RULES))
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "key_prefix": key_prefix, "rules": ["rules.yaml"], "max_age": "off", "state_dir": str(tmp_path / "state"),
        "sources": [{"id": s, "type": "rss", "url": "http://127.0.0.1:9/feed.xml"} for s in items],
        "channels": [{"id": "out", "type": "stdout"}]}))
    rt = Runtime(load_config(path), redis_url)
    try:
        deliveries, stories = [], set()
        for source_id, item in items.items():
            item = item.finish()
            report = process_items(rt, source_id, [item], {}, lambda alert_id, channel: None)
            assert report.new == 1
            deliveries.append(report.deliveries)
            stories.add(item.story_id)
        assert len(stories) == 4                                     # four stories: no copy of another
        assert [len(d) for d in deliveries] == [0, 0, 1, 0], deliveries
        [(alert_id, _)] = deliveries[2]
        alert = rt.alerts.alert(alert_id)
        assert alert["source_id"] == "abamako" and alert["event_id"].startswith("visit-")
        assert [e["matched"] for e in alert["evidence"] if e["kind"] == "reports"] == [
            "intl-affairs", "sputnik", "abamako"]
    finally:
        rt.close()
