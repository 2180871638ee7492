"""Event clustering inside a real poll: the demo feed file through the whole pipeline (real classifier and
extractor, real Redis), then a second outlet's report of the same visit in another language; the event id
reaches the alert, the event's reports and the archive (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from newswatch.pipeline.event_reports import event_reports
from tests.support.archive_db import BACKENDS, backend_url
from workers.polling import poll_once
from workers.registry import load_config
from workers.runtime import Runtime

from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo"
# A French outlet's own report of the visit (Africa Radio / AFP, line 75 of tests/data/collected/visits.jsonl)
FRENCH = json.loads((ROOT / "tests" / "data" / "collected" / "visits.jsonl").read_text(encoding="utf-8")
                    .splitlines()[74])


def rss(title: str, text: str, link: str, published: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>fr</title>'
            f"<link>https://www.africaradio.com/</link><description>d</description><item>"
            f"<title>{escape(title)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
            f"<pubDate>{published}</pubDate><description>{escape(text)}</description></item></channel></rss>")


@pytest.fixture(params=BACKENDS)
def runtime(request, tmp_path, redis_url, key_prefix):
    shutil.copy(DEMO / "world-demo.xml", tmp_path / "world.xml")
    shutil.copy(DEMO / "rules.yaml", tmp_path / "rules.yaml")
    demo = (tmp_path / "world.xml").read_text(encoding="utf-8")
    published = demo.split("<pubDate>", 1)[1].split("</pubDate>", 1)[0]   # the Lavrov item's day
    # published the demo item's day (the demo re-dates the founding story), so the two are one visit's reports
    (tmp_path / "fr.xml").write_text(rss(FRENCH["title"], FRENCH["text"], FRENCH["source"], published), encoding="utf-8")
    with backend_url(request.param, tmp_path) as url:
        settings = {"redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"),
                    "max_age": "off", "rules": ["rules.yaml"],
                    "archive": {"url": "" if request.param == "sqlite" else url.render_as_string(hide_password=False)},
                    "sources": [{"id": "world-demo", "type": "rss", "path": "world.xml"},
                                {"id": "africaradio", "type": "rss", "path": "fr.xml", "lang": "fr"}],
                    "channels": [{"id": "console", "type": "stdout"}]}
        (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump(settings))
        rt = Runtime(load_config(tmp_path / "newswatch.yaml"), redis_url)
        yield rt
        rt.close()


def archived_events(rt: Runtime) -> dict[str, list[str]]:
    """Archived item title -> the ids of its events (from its facts)."""
    with rt.archive.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT title, facts FROM items")).all()
    out = {}
    for title, facts in rows:
        facts = json.loads(facts) if isinstance(facts, str) else facts
        out[title] = [e.get("id") for e in (facts or {}).get("events", [])]
    return out


def test_a_second_outlets_report_in_french_joins_the_event_of_the_first(runtime):
    rt, enqueued = runtime, []
    poll_once(rt, "world-demo", lambda *a: enqueued.append(a), force=True)
    lavrov = next(t for t in archived_events(rt) if "Lavrov" in t)
    first_ids = [i for i in archived_events(rt)[lavrov] if i]
    assert first_ids and all(i.startswith(("visit-", "talks-", "agreement-")) for i in first_ids)
    [(alert_id, _)] = enqueued
    alert = rt.alerts.alert(alert_id)
    assert alert is not None and alert["event_id"] in first_ids   # the alert stands for the event
    poll_once(rt, "africaradio", lambda *a: enqueued.append(a), force=True)
    french = archived_events(rt)[FRENCH["title"]]
    assert set(french) & set(first_ids), (french, first_ids)     # one event across outlets and languages
    event_id = next(i for i in french if i in first_ids)
    reports = event_reports(rt.state, event_id)
    assert [r["source_id"] for r in reports] == ["world-demo", "africaradio"] and reports[1]["lang"] == "fr"
    assert datetime.fromisoformat(reports[1]["published"]).tzinfo is not None
    assert reports[0]["seen_at"] <= reports[1]["seen_at"] <= datetime.now(timezone.utc).timestamp()
